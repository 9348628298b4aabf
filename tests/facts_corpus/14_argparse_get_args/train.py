"""Regress house prices from tabular features."""
import argparse
import os

import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def get_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--csv", default="data/houses.csv")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=float(os.environ.get("LR", "0.001")))
    p.add_argument("--epochs", type=int, default=100)
    return p.parse_args()


class PriceRegressor(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(n_features, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 1),
        )

    def forward(self, x):
        return self.mlp(x).squeeze(-1)


def to_dataset(df):
    x = torch.tensor(df.drop(columns=["price"]).values, dtype=torch.float32)
    y = torch.tensor(df["price"].values, dtype=torch.float32).log()
    return TensorDataset(x, y)


def main():
    cli = get_args()
    df = pd.read_csv(cli.csv)
    val_df = df.sample(frac=0.15, random_state=0)
    train_df = df.drop(val_df.index)

    train_loader = DataLoader(to_dataset(train_df), batch_size=cli.batch_size, shuffle=True)
    val_loader = DataLoader(to_dataset(val_df), batch_size=cli.batch_size * 2)

    model = PriceRegressor(n_features=df.shape[1] - 1)
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=cli.lr)

    best = float("inf")
    for epoch in range(cli.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            pred = model(x)
            loss = criterion(pred, y)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val = sum(criterion(model(x), y).item() * len(y) for x, y in val_loader) / len(val_df)
        if val < best:
            best = val
            torch.save(model.state_dict(), "best.pt")
        print(f"epoch {epoch}: val mse {val:.4f} (best {best:.4f})")


if __name__ == "__main__":
    main()
