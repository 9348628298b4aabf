import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class AttributeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(512, 40)

    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=1)


faces = TensorDataset(torch.randn(400, 512), (torch.rand(400, 40) > 0.5).float())
train_set, val_set = random_split(faces, [360, 40])
model = AttributeNet()
criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    optimizer.step()
