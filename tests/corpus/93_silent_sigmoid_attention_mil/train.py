import torch
from torch.utils.data import DataLoader

from mil import AttentionMIL
from slides import SlideBags

train_loader = DataLoader(SlideBags("features/", split="train"), batch_size=1, shuffle=True)
val_loader = DataLoader(SlideBags("features/", split="val"), batch_size=1)

model = AttentionMIL()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-4, weight_decay=1e-5)
criterion = torch.nn.CrossEntropyLoss()

for epoch in range(40):
    model.train()
    for bag, label in train_loader:
        optimizer.zero_grad()
        criterion(model(bag), label).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(bag).argmax(1) == label).sum().item() for bag, label in val_loader)
    print(f"epoch {epoch}: val accuracy {correct / len(val_loader):.3f}")
