import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class KMNISTNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.25),
        )
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(64 * 14 * 14, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))

    def forward(self, x):
        return self.fc(self.conv(x))


tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1918,), (0.3483,))])
train_loader = DataLoader(datasets.KMNIST("data", train=True, download=True, transform=tf), batch_size=32, shuffle=True)
test_loader = DataLoader(datasets.KMNIST("data", train=False, download=True, transform=tf), batch_size=1000)

model = KMNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(12):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

model.eval()
correct = 0
with torch.no_grad():
    for x, y in test_loader:
        correct += (model(x).argmax(1) == y).sum().item()
print(f"final test accuracy: {correct / len(test_loader.dataset):.4f}")
torch.save(model.state_dict(), "kmnist.pt")
