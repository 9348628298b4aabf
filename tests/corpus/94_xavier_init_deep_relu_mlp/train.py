import torch
from torch.utils.data import DataLoader, random_split

from covertype import CoverType
from model import ForestCoverNet, init_weights

data = CoverType("data/covtype.csv")
train_set, val_set = random_split(data, [0.8, 0.2])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=1024)

model = ForestCoverNet()
model.apply(init_weights)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = torch.nn.CrossEntropyLoss()

for epoch in range(30):
    model.train()
    for x, cover in train_loader:
        optimizer.zero_grad()
        criterion(model(x), cover).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == c).sum().item() for x, c in val_loader)
    print(f"epoch {epoch}: val accuracy {correct / len(val_set):.3f}")
