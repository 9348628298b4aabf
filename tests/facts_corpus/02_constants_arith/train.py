import time

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

SEED = 1234
BATCH_SIZE = 2 ** 7
EVAL_BATCH_SIZE = BATCH_SIZE * 4
BASE_LR = 1e-3
LR = BASE_LR * 2
EPOCHS = 15


class ConvNet(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.bn2 = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(64 * 8 * 8, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = x.flatten(1)
        x = self.fc(x)
        return F.softmax(x, dim=1)


torch.manual_seed(SEED)
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)),
])
full = datasets.CIFAR10("./data", train=True, download=True, transform=transform)
train_set, val_set = random_split(full, [45000, 5000])
train_loader = DataLoader(train_set, BATCH_SIZE, shuffle=True, drop_last=True)
val_loader = DataLoader(val_set, batch_size=EVAL_BATCH_SIZE)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = ConvNet().to(device)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = optim.Adam(model.parameters(), LR)

for epoch in range(EPOCHS):
    start = time.time()
    model.train()
    running = 0.0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        out = model(images)
        loss = criterion(out, labels)
        loss.backward()
        optimizer.step()
        running += loss.item()

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in val_loader:
            preds = model(images.to(device)).argmax(dim=1)
            correct += (preds.cpu() == labels).sum().item()
    print(f"[{epoch + 1}/{EPOCHS}] loss {running / len(train_loader):.3f} "
          f"val acc {correct / len(val_set):.3f} ({time.time() - start:.0f}s)")
