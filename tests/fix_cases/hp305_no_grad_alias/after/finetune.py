import torch as th
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

signals = TensorDataset(th.randn(800, 1, 256), th.randint(0, 3, (800,)))
train_set, val_set = random_split(signals, [700, 100])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=100)

model = nn.Sequential(nn.Conv1d(1, 8, 9), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(8, 3))
criterion = nn.CrossEntropyLoss()
optimizer = th.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    model.eval()
    val_loss = 0.0
    with th.no_grad():
        for x, y in val_loader:  # held-out loss
            val_loss += criterion(model(x), y).item()
    print(epoch, val_loss)
