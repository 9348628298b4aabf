import torch
from torch import nn
from torch.utils.data import DataLoader

from comments import CommentDataset, collate
from models import ToxicityClassifier


def evaluate(model, loader, criterion):
    total, batches = 0.0, 0
    with torch.no_grad():
        for tokens, offsets, labels in loader:
            total += criterion(model(tokens, offsets), labels).item()
            batches += 1
    return total / batches


def main():
    train_loader = DataLoader(CommentDataset("data/train.csv"), batch_size=32, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(CommentDataset("data/val.csv"), batch_size=256, collate_fn=collate)

    model = ToxicityClassifier()
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4)

    for epoch in range(10):
        model.train()
        for tokens, offsets, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(tokens, offsets), labels)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: val loss {evaluate(model, val_loader, criterion):.4f}")


if __name__ == "__main__":
    main()
