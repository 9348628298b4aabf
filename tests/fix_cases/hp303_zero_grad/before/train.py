import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


def build_model():
    return nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 1))


def train_epoch(model, loader, optimiser, loss_fn):
    model.train()
    total = 0.0
    for features, price in loader:
        # forward pass
        prediction = model(features).squeeze(-1)
        loss = loss_fn(prediction, price)
        loss.backward()
        optimiser.step()
        total += loss.item() * len(price)
    return total / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    houses = TensorDataset(torch.randn(500, 13), torch.randn(500))
    train_set, val_set = random_split(houses, [450, 50])
    model = build_model()
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(20):
        print(epoch, train_epoch(model, DataLoader(train_set, batch_size=16, shuffle=True), optimiser, nn.MSELoss()))


if __name__ == "__main__":
    main()
