"""Hourly load forecasting with an unrolled recurrent cell."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

WINDOW = 48


class Forecaster(nn.Module):
    def __init__(self, n_inputs=5, hidden=64):
        super().__init__()
        self.hidden = hidden
        self.cell = nn.RNNCell(n_inputs, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        h = x.new_zeros(x.size(0), self.hidden)
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h)
        return self.out(h)


def windows(series, targets):
    xs = np.stack([series[i : i + WINDOW] for i in range(len(series) - WINDOW)])
    ys = targets[WINDOW:]
    return TensorDataset(torch.from_numpy(xs).float(), torch.from_numpy(ys).float().unsqueeze(1))


def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()


@torch.no_grad()
def validate(model, loader, loss_fn):
    model.eval()
    return sum(loss_fn(model(x), y).item() for x, y in loader) / len(loader)


def main():
    raw = np.load("data/load.npz")
    cut = int(0.8 * len(raw["features"]))
    train_set = windows(raw["features"][:cut], raw["load"][:cut])
    val_set = windows(raw["features"][cut:], raw["load"][cut:])
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=256)

    model = Forecaster()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    for epoch in range(15):
        train_one_epoch(model, train_loader, optimizer, loss_fn)
        print(epoch, validate(model, val_loader, loss_fn))


if __name__ == "__main__":
    main()
