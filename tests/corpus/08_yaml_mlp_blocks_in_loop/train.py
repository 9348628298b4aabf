import pandas as pd
import torch
import yaml
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class CTRModel(nn.Module):
    def __init__(self, num_features: int, width: int):
        super().__init__()
        layers = [nn.Linear(num_features, width), nn.ReLU()]
        for _ in range(4):
            layers += [nn.Linear(width, width), nn.ReLU()]
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def loader(path, batch_size, shuffle):
    frame = pd.read_parquet(path)
    x = torch.tensor(frame.drop(columns=["click"]).values, dtype=torch.float32)
    y = torch.tensor(frame["click"].values, dtype=torch.float32).unsqueeze(1)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle)


def main():
    with open("configs/train.yaml") as f:
        cfg = yaml.safe_load(f)

    train_loader = loader(cfg["data"]["train_path"], cfg["training"]["batch_size"], True)
    val_loader = loader(cfg["data"]["val_path"], 4096, False)

    model = CTRModel(cfg["data"]["num_features"], cfg["model"]["width"])
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["training"]["lr"], weight_decay=cfg["training"]["weight_decay"])

    for epoch in range(cfg["training"]["epochs"]):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()

        model.eval()
        with torch.no_grad():
            val_loss = sum(criterion(model(x), y).item() for x, y in val_loader) / len(val_loader)
        print(f"epoch {epoch} val_loss {val_loss:.4f}")


if __name__ == "__main__":
    main()
