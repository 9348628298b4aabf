import torch
from torch.utils.data import DataLoader, random_split

from expression import ExpressionProfiles
from models import TissueClassifier

profiles = ExpressionProfiles("data/gtex.h5")
train_set, val_set = random_split(profiles, [0.9, 0.1])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=256)

model = TissueClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = torch.nn.CrossEntropyLoss()

for epoch in range(20):
    model.train()
    for x, tissue in train_loader:
        optimizer.zero_grad()
        criterion(model(x), tissue).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == t).sum().item() for x, t in val_loader)
    print(f"epoch {epoch}: val accuracy {correct / len(val_set):.3f}")
