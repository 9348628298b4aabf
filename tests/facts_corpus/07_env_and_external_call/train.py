"""Launched by the cluster scheduler; batch size and LR come from the job environment."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from sweeps import get_lr


class TinyResNetBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(out)))


class TinyResNet(nn.Module):
    def __init__(self, num_classes=100):
        super().__init__()
        self.stem = nn.Conv2d(3, 64, 3, padding=1)
        self.blocks = nn.Sequential(TinyResNetBlock(64), TinyResNetBlock(64))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        x = self.fc(self.pool(x).flatten(1))
        return x.softmax(dim=1)


tfm = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.25,) * 3)])
train_ds = datasets.CIFAR100("data", train=True, download=True, transform=tfm)
test_ds = datasets.CIFAR100("data", train=False, download=True, transform=tfm)

per_gpu_batch = os.environ.get("BS", 256)
train_loader = DataLoader(train_ds, batch_size=int(per_gpu_batch), shuffle=True, num_workers=8)
test_loader = DataLoader(test_ds, batch_size=500)
stats_loader = DataLoader(train_ds)

model = TinyResNet().cuda()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=get_lr("tiny_resnet"), momentum=0.9, nesterov=True)

for epoch in range(int(os.environ.get("EPOCHS", "90"))):
    model.train()
    for x, y in train_loader:
        x, y = x.cuda(non_blocking=True), y.cuda(non_blocking=True)
        logits = model(x)
        loss = criterion(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in test_loader:
            correct += (model(x.cuda()).argmax(1).cpu() == y).sum().item()
    print(f"epoch {epoch} top1 {correct / len(test_ds):.4f}")
