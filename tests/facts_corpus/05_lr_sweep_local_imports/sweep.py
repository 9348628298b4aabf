"""Tiny learning-rate sweep for a binary churn classifier."""
import json

from torch import nn


class ChurnNet(nn.Module):
    def __init__(self, n_features=32):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.body(x).sigmoid().squeeze(-1)


def main():
    import torch
    from torch.nn import BCELoss
    from torch.optim import SGD
    from torch.utils.data import DataLoader, TensorDataset

    data = torch.load("data/churn.pt")
    ds = TensorDataset(data["x"], data["y"].float())
    n_val = len(ds) // 10
    train_ds, val_ds = torch.utils.data.random_split(ds, [len(ds) - n_val, n_val])
    train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=1024)

    results = {}
    for lr in [0.1, 0.03, 0.01]:
        torch.manual_seed(0)
        model = torch.compile(ChurnNet())
        optimizer = SGD(model.parameters(), lr=lr, momentum=0.9)
        criterion = BCELoss()
        for epoch in range(5):
            model.train()
            for x, y in train_loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
        model.eval()
        with torch.no_grad():
            val = sum(criterion(model(x), y).item() for x, y in val_loader) / len(val_loader)
        results[lr] = val
        print(f"lr={lr}: val bce {val:.4f}")

    with open("sweep.json", "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
