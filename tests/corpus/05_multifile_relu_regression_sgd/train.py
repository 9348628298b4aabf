import argparse

import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from model import PriceRegressor


def frame_to_dataset(frame):
    x = torch.tensor(frame.drop(columns=["log_price"]).values, dtype=torch.float32)
    y = torch.tensor(frame["log_price"].values, dtype=torch.float32).unsqueeze(1)
    return TensorDataset(x, y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-csv", default="data/train.csv")
    parser.add_argument("--val-csv", default="data/val.csv")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    train_loader = DataLoader(frame_to_dataset(pd.read_csv(args.train_csv)), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(frame_to_dataset(pd.read_csv(args.val_csv)), batch_size=512)

    model = PriceRegressor()
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)

    for epoch in range(args.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()

        model.eval()
        total = 0.0
        with torch.no_grad():
            for x, y in val_loader:
                total += criterion(model(x), y).item() * len(x)
        print(f"epoch {epoch} val_mse {total / len(val_loader.dataset):.4f}")


if __name__ == "__main__":
    main()
