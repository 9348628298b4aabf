import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import config as C
from config import BATCH_SIZE, EPOCHS, LR, MOMENTUM
from model import Net


def loaders():
    tfm = transforms.Compose([
        transforms.Resize((C.IMAGE_SIZE, C.IMAGE_SIZE)),
        transforms.ToTensor(),
        transforms.Normalize((0.34, 0.31, 0.32), (0.27, 0.26, 0.27)),
    ])
    train_ds = datasets.GTSRB(C.DATA_DIR, split="train", download=True, transform=tfm)
    test_ds = datasets.GTSRB(C.DATA_DIR, split="test", download=True, transform=tfm)
    train = DataLoader(train_ds, batch_size=BATCH_SIZE, shuffle=True, num_workers=4)
    test = DataLoader(test_ds, batch_size=C.EVAL_BATCH_SIZE, num_workers=4)
    return train, test


def main():
    train_loader, test_loader = loaders()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Net(C.NUM_CLASSES).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    for epoch in range(EPOCHS):
        model.train()
        for images, targets in train_loader:
            images, targets = images.to(device), targets.to(device)
            preds = model(images)
            loss = criterion(preds, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for images, targets in test_loader:
                correct += (model(images.to(device)).argmax(1).cpu() == targets).sum().item()
        print(f"epoch {epoch}: test acc {correct / len(test_loader.dataset):.4f}")

    os.makedirs("checkpoints", exist_ok=True)
    torch.save(model.state_dict(), "checkpoints/gtsrb.pt")


if __name__ == "__main__":
    main()
