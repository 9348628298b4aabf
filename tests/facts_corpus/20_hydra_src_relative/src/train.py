"""Wine quality (6 classes) from 11 physico-chemical features."""
import hydra
import pandas as pd
import torch
from omegaconf import DictConfig
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, n_classes, dropout):
        super().__init__()
        layers = []
        for width in hidden:
            layers += [nn.Linear(n_in, width), nn.ReLU(), nn.Dropout(dropout)]
            n_in = width
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(n_in, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


@hydra.main(version_base=None, config_path="../conf", config_name="config")
def train(cfg: DictConfig):
    df = pd.read_csv(hydra.utils.to_absolute_path(cfg.data.path))
    x = torch.tensor(df.drop(columns="quality").values, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(df["quality"].values - 3, dtype=torch.long)
    ds = TensorDataset(x, y)
    n_val = int(len(ds) * cfg.data.val_fraction)
    train_ds, val_ds = random_split(ds, [len(ds) - n_val, n_val])

    train_dl = DataLoader(train_ds, batch_size=cfg.data.batch_size, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=len(val_ds))

    net = WineMLP(x.shape[1], list(cfg.model.hidden), 6, cfg.model.dropout)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.optim.learning_rate)
    ce = nn.CrossEntropyLoss()

    for epoch in range(cfg.epochs):
        net.train()
        for xb, yb in train_dl:
            opt.zero_grad()
            ce(net(xb), yb).backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            xb, yb = next(iter(val_dl))
            val_loss = ce(net(xb), yb).item()
        if epoch % 20 == 0:
            print(f"epoch {epoch:3d} val loss {val_loss:.4f}")


if __name__ == "__main__":
    train()
