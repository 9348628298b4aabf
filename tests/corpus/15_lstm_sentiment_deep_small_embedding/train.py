import torch
from torch import nn
from torch.utils.data import DataLoader

from data import IMDBReviews, collate_batch
from model import SentimentLSTM

train_loader = DataLoader(IMDBReviews("train"), batch_size=32, shuffle=True, collate_fn=collate_batch)
valid_loader = DataLoader(IMDBReviews("valid"), batch_size=128, collate_fn=collate_batch)

model = SentimentLSTM()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(6):
    model.train()
    for tokens, lengths, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(tokens, lengths), labels)
        loss.backward()
        optimizer.step()

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for tokens, lengths, labels in valid_loader:
            correct += (model(tokens, lengths).argmax(1) == labels).sum().item()
            total += labels.numel()
    print(f"epoch {epoch}: valid acc {correct / total:.3f}")
