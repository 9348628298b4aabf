"""Boston-style house price regression; the loss is chosen on the command line."""

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class PriceRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(13, 64),
            nn.ReLU(),
            nn.Linear(64, 32),
            nn.ReLU(),
            nn.Linear(32, 1),
            nn.PReLU(),
        )

    def forward(self, x):
        return self.layers(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loss", default="MSE", choices=["MSE", "MAE", "Huber"])
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    features, prices = torch.load("housing.pt")
    train_set, val_set = random_split(TensorDataset(features, prices), [0.8, 0.2])
    model = PriceRegressor()
    if args.loss == "MSE":
        criterion = nn.MSELoss()
    elif args.loss == "MAE":
        criterion = nn.L1Loss()
    else:
        criterion = nn.HuberLoss(delta=1.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        for x, y in DataLoader(train_set, batch_size=16, shuffle=True):
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()


if __name__ == "__main__":
    main()
