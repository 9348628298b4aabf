"""Cluster training entry point: every knob comes from the scheduler's environment or the sweep service."""
import argparse
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split

from sweep_client import current_trial
from signals import VibrationWindows

trial = current_trial()


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=int(os.environ.get("BATCH_SIZE", 256)))
    parser.add_argument("--lr", type=float, default=float(os.getenv("LR", "5.0")))
    parser.add_argument("--epochs", type=int, default=int(os.environ["EPOCHS"]))
    return parser.parse_args()


class FaultDetector(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(3, 32, kernel_size=7, padding=3), nn.BatchNorm1d(32), nn.ReLU(),
            nn.Conv1d(32, 64, kernel_size=7, padding=3), nn.BatchNorm1d(64), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(64, 4),
        )

    def forward(self, x):
        return self.net(x)


def main():
    args = parse_args()
    data = VibrationWindows("/data/bearings")
    train_set, val_set = random_split(data, [0.85, 0.15])
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=args.batch_size)

    model = FaultDetector(dropout=trial.suggest("dropout"))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(args.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()

        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader) / len(val_set)
        trial.report(acc, step=epoch)


if __name__ == "__main__":
    main()
