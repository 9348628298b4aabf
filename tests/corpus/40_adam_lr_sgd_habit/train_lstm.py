"""Next-day air-quality (PM2.5) forecast from the previous 72 hours."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

LOOKBACK = 72


class AirQualityLSTM(nn.Module):
    def __init__(self, n_features=8, hidden=64):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=2, batch_first=True, dropout=0.2)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def make_split(name):
    arrays = np.load(f"data/pm25_{name}.npz")
    return TensorDataset(torch.from_numpy(arrays["x"]).float(), torch.from_numpy(arrays["y"]).float())


train_loader = DataLoader(make_split("train"), batch_size=32, shuffle=True)
val_loader = DataLoader(make_split("val"), batch_size=512)

model = AirQualityLSTM()
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=3)
criterion = nn.L1Loss()

for epoch in range(30):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x).squeeze(-1), y)
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        val_mae = sum(criterion(model(x).squeeze(-1), y).item() for x, y in val_loader) / len(val_loader)
    scheduler.step(val_mae)
    print(f"epoch {epoch:02d} val MAE {val_mae:.3f}")
