import torch
import torch.nn as nn
import torchvision
import yaml
from torch.utils.data import DataLoader

from pets import PetsDataset

with open("configs/train.yaml") as f:
    cfg = yaml.safe_load(f)

train_loader = DataLoader(PetsDataset(cfg["data"]["root"], "trainval"), batch_size=cfg["data"]["batch_size"], shuffle=True)
test_loader = DataLoader(PetsDataset(cfg["data"]["root"], "test"), batch_size=128)

model = getattr(torchvision.models, cfg["model"]["arch"])(num_classes=cfg["model"]["num_classes"])
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=cfg["optimizer"]["lr"], momentum=cfg["optimizer"]["momentum"], weight_decay=cfg["optimizer"]["weight_decay"])
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["trainer"]["epochs"])

for epoch in range(cfg["trainer"]["epochs"]):
    model.train()
    for images, labels in train_loader:
        optimizer.zero_grad()
        criterion(model(images), labels).backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)
    print(epoch, correct / len(test_loader.dataset))
