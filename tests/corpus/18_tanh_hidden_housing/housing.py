import torch
from torch import nn
from torch.utils.data import DataLoader, Subset, TensorDataset
from sklearn.datasets import fetch_california_housing
from sklearn.preprocessing import StandardScaler

features, target = fetch_california_housing(return_X_y=True)
features = StandardScaler().fit_transform(features)
dataset = TensorDataset(torch.tensor(features, dtype=torch.float32), torch.tensor(target, dtype=torch.float32).unsqueeze(1))

perm = torch.randperm(len(dataset)).tolist()
train_set = Subset(dataset, perm[:16000])
val_set = Subset(dataset, perm[16000:])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=512)

model = nn.Sequential(
    nn.Linear(8, 64),
    nn.Tanh(),
    nn.Linear(64, 1),
)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.MSELoss()

for epoch in range(40):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        mse = sum(loss_fn(model(xb), yb).item() * len(xb) for xb, yb in val_loader) / len(val_set)
    print(f"{epoch:3d} val rmse {mse ** 0.5:.3f}")
