"""Solubility regression (ESOL) from 2048-bit Morgan fingerprints."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

fingerprints = torch.from_numpy(np.load("data/esol_fp.npy")).float()
solubility = torch.from_numpy(np.load("data/esol_y.npy")).float().unsqueeze(1)
train_ds, val_ds = random_split(TensorDataset(fingerprints, solubility), [0.8, 0.2])
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=128)

model = nn.Sequential(nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
mse = nn.MSELoss()


def validate():
    model.eval()
    errors = []
    for fp, y in val_loader:
        errors.append(mse(model(fp), y).item())
    return float(np.mean(errors))


for epoch in range(30):
    model.train()
    for fp, y in train_loader:
        optimizer.zero_grad()
        mse(model(fp), y).backward()
        optimizer.step()
    print(epoch, validate())
