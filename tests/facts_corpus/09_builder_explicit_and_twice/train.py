"""Tabular classifier for the covertype dataset."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class TabularNet(nn.Module):
    def __init__(self, n_in=54, n_classes=7):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(n_in, 256),
            nn.BatchNorm1d(256),
            nn.ReLU(),
            nn.Linear(256, 128),
            nn.ReLU(),
        )
        self.out = nn.Linear(128, n_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.layers(x)
        x = self.out(x)
        x = self.softmax(x)
        return x


def make_optimizer(model, lr=0.01, momentum=0.9):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


def make_loader(x, y, bs=128, shuffle=False):
    ds = TensorDataset(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y))
    return DataLoader(ds, batch_size=bs, shuffle=shuffle)


def main():
    arrays = np.load("covtype.npz")
    train_loader = make_loader(arrays["x_train"], arrays["y_train"], bs=512, shuffle=True)
    val_loader = make_loader(arrays["x_val"], arrays["y_val"], bs=4096)

    model = TabularNet()
    optimizer = make_optimizer(model, lr=0.5)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=1.0, total_steps=40 * len(train_loader)
    )
    criterion = nn.CrossEntropyLoss()

    for epoch in range(40):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            out = model(xb)
            loss = criterion(out, yb)
            loss.backward()
            optimizer.step()
            scheduler.step()

        model.eval()
        with torch.no_grad():
            losses = [criterion(model(xb), yb).item() for xb, yb in val_loader]
        print(f"epoch {epoch}: val loss {np.mean(losses):.4f}")


if __name__ == "__main__":
    main()
