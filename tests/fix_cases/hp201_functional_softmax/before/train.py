"""Tabular churn classifier: three classes (stays, downgrades, leaves)."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class ChurnNet(nn.Module):
    def __init__(self, features=24, classes=3):
        super().__init__()
        self.fc1 = nn.Linear(features, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        # two layers are plenty for 24 features
        x = F.relu(self.fc1(x))
        return F.softmax(self.fc2(x),  dim=1)   # class probabilities


data = TensorDataset(torch.randn(2000, 24), torch.randint(0, 3, (2000,)))
train_set, val_set = random_split(data, [1800, 200])
loader = DataLoader(train_set, batch_size=32, shuffle=True)

model = ChurnNet()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(10):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
