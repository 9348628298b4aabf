"""Fine-tune a keyword-spotting head on frozen wav2vec2 features with gradient accumulation."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from features import KeywordFeatures

ACCUM_STEPS = 2
BATCH_SIZE = 16


class KeywordHead(nn.Module):
    def __init__(self, dim=768, n_keywords=35):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, n_keywords)

    def forward(self, feats):
        pooled = torch.relu(self.proj(feats)).mean(dim=1)
        return self.classifier(pooled)


def train(model, loader, optimizer, criterion):
    model.train()
    for i, (feats, labels) in enumerate(loader):
        loss = criterion(model(feats), labels) / ACCUM_STEPS
        loss.backward()
        if (i + 1) % ACCUM_STEPS == 0:
            optimizer.step()


def validate(model, loader):
    model.eval()
    hits = 0
    with torch.no_grad():
        for feats, labels in loader:
            hits += (model(feats).argmax(-1) == labels).sum().item()
    return hits / len(loader.dataset)


if __name__ == "__main__":
    train_loader = DataLoader(KeywordFeatures("train"), batch_size=BATCH_SIZE, shuffle=True)
    val_loader = DataLoader(KeywordFeatures("validation"), batch_size=64)
    model = KeywordHead()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(5):
        train(model, train_loader, optimizer, criterion)
        print(epoch, validate(model, val_loader))
