import torch
from torch.utils.data import DataLoader

from churn_data import load_churn
from model import ChurnModel

train_set, val_set = load_churn("data/churn.csv", val_fraction=0.2)
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=1024)

model = ChurnModel()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
criterion = torch.nn.CrossEntropyLoss()

for epoch in range(10):
    model.train()
    for features, churned in train_loader:
        optimizer.zero_grad()
        criterion(model(features), churned).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        acc = sum((model(f).argmax(1) == c).float().sum().item() for f, c in val_loader) / len(val_set)
    print(f"epoch {epoch}: val acc {acc:.3f}")
