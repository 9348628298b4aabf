import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

from vgg import VGGSmall


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--epochs", type=int, default=25)
    return ap.parse_args()


def main():
    args = parse()
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    full = datasets.SVHN("data", split="train", transform=tf, download=True)
    train_part, val_part = random_split(full, [65000, len(full) - 65000])
    train_loader = DataLoader(train_part, batch_size=args.bs, shuffle=True, num_workers=4)
    val_loader = DataLoader(val_part, batch_size=512, num_workers=4)

    model = VGGSmall().cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            criterion(model(x.cuda()), y.cuda()).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x.cuda()).argmax(1).cpu() == y).sum().item() for x, y in val_loader) / len(val_part)
        print(epoch, acc)


if __name__ == "__main__":
    main()
