import torch
from torch import nn
from torch.utils.data import DataLoader, random_split


class TextClassifier(nn.Module):
    def __init__(self, vocab=20000, dim=128, classes=4):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(dim, classes)

    def forward(self, tokens, offsets):
        return self.fc(self.dropout(self.embed(tokens, offsets)))


def evaluate(model, loader):
    model.eval()

    def accuracy():
        hits = total = 0
        for tokens, offsets, labels in loader:
            hits += (model(tokens, offsets).argmax(1) == labels).sum().item()
            total += labels.numel()
        return hits / total

    with torch.no_grad():
        return accuracy()


if __name__ == "__main__":
    train_set, val_set = random_split(load_ag_news(), [0.95, 0.05])
    model = TextClassifier()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.9)
    for epoch in range(10):
        model.train()
        for tokens, offsets, labels in DataLoader(train_set, batch_size=16, shuffle=True, collate_fn=collate):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(tokens, offsets), labels).backward()
            optimizer.step()
        scheduler.step()
        print(evaluate(model, DataLoader(val_set, batch_size=16, collate_fn=collate)))
