import torch
from torch.utils.data import DataLoader

from model import SpamClassifier
from sms import SMSSpam, collate

train_loader = DataLoader(SMSSpam("train"), batch_size=32, shuffle=True, collate_fn=collate)
val_loader = DataLoader(SMSSpam("val"), batch_size=256, collate_fn=collate)

model = SpamClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = torch.nn.CrossEntropyLoss()

for epoch in range(5):
    model.train()
    for tokens, offsets, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(tokens, offsets), labels)
        loss.backward()
        optimizer.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for tokens, offsets, labels in val_loader:
            correct += (model(tokens, offsets).argmax(1) == labels).sum().item()
    if epoch % 2 == 0
        print(f"epoch {epoch}: val acc {correct / len(val_loader.dataset):.4f}")
