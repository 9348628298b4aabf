import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

readings = TensorDataset(torch.randn(2000, 16), torch.randint(0, 2, (2000,)))
train_set, val_set = random_split(readings, [1800, 200])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)

model = nn.Sequential(nn.Linear(16, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 2))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

model.train()
for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in [next(iter(val_loader))])
        for x, y in val_loader:
            correct += (model(x).argmax(1) == y).sum().item()
    print(epoch, correct)
