import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class PixelClassifier(nn.Module):
    def __init__(self, classes=6):
        super().__init__()
        self.conv = nn.Conv2d(3, classes, 1)

    def forward(self, x):
        return torch.softmax(self.conv(x), dim=1).flatten(2)


tiles = TensorDataset(torch.randn(200, 3, 16, 16), torch.randint(0, 6, (200, 256)))
train_set, val_set = random_split(tiles, [180, 20])
model = PixelClassifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for x, y in DataLoader(train_set, batch_size=8, shuffle=True):
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    optimizer.step()
