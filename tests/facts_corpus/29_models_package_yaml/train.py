import argparse

import torch
import torch.nn as nn
import yaml
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from models.cnn import SmallCNN


def evaluate(model, loader, criterion):
    model.eval()
    loss_sum, n = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            loss_sum += criterion(model(x), y).item() * len(y)
            n += len(y)
    return loss_sum / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/train.yaml")
    args = parser.parse_args()
    with open(args.config) as fh:
        cfg = yaml.safe_load(fh)

    tfm = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
    train_ds = datasets.CIFAR10("data", train=True, download=True, transform=tfm)
    test_ds = datasets.CIFAR10("data", train=False, download=True, transform=tfm)
    train_loader = DataLoader(train_ds, batch_size=cfg["training"]["batch_size"], shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=cfg["evaluation"]["batch_size"])

    model = SmallCNN(num_classes=cfg["model"]["num_classes"], width=cfg["model"]["width"])
    criterion = nn.CrossEntropyLoss()
    opt_cfg = cfg["training"]["optimizer"]
    optimizer = torch.optim.Adam(model.parameters(), lr=opt_cfg["lr"])

    for epoch in range(cfg["training"]["epochs"]):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: test loss {evaluate(model, test_loader, criterion):.4f}")


if __name__ == "__main__":
    main()
