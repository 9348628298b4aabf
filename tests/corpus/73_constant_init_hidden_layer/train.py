import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from model import DemandModel

frame = pd.read_parquet("data/weekly_demand.parquet")
features = torch.tensor(frame.drop(columns=["units", "week"]).values, dtype=torch.float32)
target = torch.tensor(frame["units"].values, dtype=torch.float32).unsqueeze(1)
is_holdout = torch.tensor((frame["week"] >= 150).values)

train_ds = TensorDataset(features[~is_holdout], target[~is_holdout])
holdout_ds = TensorDataset(features[is_holdout], target[is_holdout])
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
holdout_loader = DataLoader(holdout_ds, batch_size=1024)

model = DemandModel()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.SmoothL1Loss()

for epoch in range(20):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        err = sum(loss_fn(model(x), y).item() for x, y in holdout_loader) / len(holdout_loader)
    print(f"epoch {epoch}: holdout loss {err:.3f}")
