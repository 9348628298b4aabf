import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        return F.softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)


data = TensorDataset(torch.randn(600, 784), torch.randint(0, 10, (600,)), torch.rand(600, 10).softmax(1))
train_set, val_set = random_split(data, [500, 100])
student = Student()
hard_loss = nn.CrossEntropyLoss()
soft_loss = nn.MSELoss()
optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
for x, y, teacher_probs in DataLoader(train_set, batch_size=32, shuffle=True):
    optimizer.zero_grad()
    loss = hard_loss(student(x), y) + soft_loss(student(x), teacher_probs)
    loss.backward()
    optimizer.step()
