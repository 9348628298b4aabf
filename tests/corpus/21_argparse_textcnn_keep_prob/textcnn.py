"""Kim (2014) CNN for sentence classification, ported from the TensorFlow version."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader

from corpus import MRSentences, build_vocab, pad_batch


class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.convs = nn.ModuleList([nn.Conv1d(embed_dim, 100, k) for k in (3, 4, 5)])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(300, num_classes)

    def forward(self, tokens):
        x = self.embedding(tokens).transpose(1, 2)
        pooled = [F.relu(conv(x)).max(dim=2).values for conv in self.convs]
        return self.fc(self.dropout(torch.cat(pooled, dim=1)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--embed-dim", type=int, default=300)
    parser.add_argument("--dropout", type=float, default=0.9, help="keep probability")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--lr", type=float, default=1.0)
    args = parser.parse_args()

    vocab = build_vocab("data/rt-polarity")
    train_loader = DataLoader(MRSentences("train", vocab), batch_size=args.batch_size, shuffle=True, collate_fn=pad_batch)
    dev_loader = DataLoader(MRSentences("dev", vocab), batch_size=256, collate_fn=pad_batch)

    model = TextCNN(len(vocab), args.embed_dim, 2, args.dropout)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr, rho=0.95)

    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        for tokens, labels in train_loader:
            optimizer.zero_grad()
            F.cross_entropy(model(tokens), labels).backward()
            optimizer.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for tokens, labels in dev_loader:
                correct += (model(tokens).argmax(1) == labels).sum().item()
        best = max(best, correct / len(dev_loader.dataset))
        print(f"epoch {epoch} dev acc {correct / len(dev_loader.dataset):.4f} (best {best:.4f})")


if __name__ == "__main__":
    main()
