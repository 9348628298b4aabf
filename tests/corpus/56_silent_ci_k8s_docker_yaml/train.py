import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader

from reviews import ReviewDataset, collate


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size=30000, dim=128, num_classes=3):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, dim, mode="mean")
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, tokens, offsets):
        return self.fc(self.embedding(tokens, offsets))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args()

    train_loader = DataLoader(ReviewDataset("/data/train.jsonl"), batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(ReviewDataset("/data/val.jsonl"), batch_size=512, collate_fn=collate)
    model = BagOfEmbeddings()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()

    step = 0
    for epoch in range(args.epochs):
        model.train()
        for tokens, offsets, labels in train_loader:
            optimizer.zero_grad()
            criterion(model(tokens, offsets), labels).backward()
            optimizer.step()
            step += 1
            if args.max_steps and step >= args.max_steps:
                return

        model.eval()
        with torch.no_grad():
            correct = sum((model(t, o).argmax(1) == y).sum().item() for t, o, y in val_loader)
        print(f"epoch {epoch}: val acc {correct / len(val_loader.dataset):.4f}")


if __name__ == "__main__":
    main()
