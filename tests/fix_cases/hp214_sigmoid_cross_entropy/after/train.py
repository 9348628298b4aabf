import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class SceneNet(nn.Module):
    def __init__(self, classes=8):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.body(x).flatten(1)
        return self.fc(x)


images = TensorDataset(torch.randn(640, 3, 32, 32), torch.randint(0, 8, (640,)))
train_set, val_set = random_split(images, [576, 64])
model = SceneNet()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(6):
    for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
