import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms

parser = argparse.ArgumentParser()
parser.add_argument("--data", default="data/flowers")
parser.add_argument("--finetune", action="store_true", help="start from ImageNet weights")
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--epochs", type=int, default=30)
args = parser.parse_args()


class FlowerNet(nn.Module):
    def __init__(self, num_classes=102, pretrained=False):
        super().__init__()
        weights = models.ResNet18_Weights.DEFAULT if pretrained else None
        self.backbone = models.resnet18(weights=weights)
        self.backbone.fc = nn.Linear(self.backbone.fc.in_features, num_classes)

    def forward(self, x):
        return self.backbone(x)


def finetune_head(model, loader, lr, epochs=5):
    """Re-train only the classifier; used from the analysis notebooks."""
    optimizer = torch.optim.SGD(model.backbone.fc.parameters(), lr=lr, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
    return model


tfm = transforms.Compose([
    transforms.RandomResizedCrop(224),
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
train_ds = datasets.ImageFolder(f"{args.data}/train", transform=tfm)
val_ds = datasets.ImageFolder(f"{args.data}/val", transform=tfm)
train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, num_workers=8)
val_loader = DataLoader(val_ds, batch_size=args.batch_size, num_workers=8)

lr = 0.1
if args.finetune:
    lr = 0.01

model = FlowerNet(pretrained=args.finetune)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)

for epoch in range(args.epochs):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = sum(criterion(model(x), y).item() for x, y in val_loader)
    print(epoch, val_loss / len(val_loader))
