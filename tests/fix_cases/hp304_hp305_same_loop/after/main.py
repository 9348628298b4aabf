import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class Tagger(nn.Module):
    def __init__(self, vocab=5000, tags=17):
        super().__init__()
        self.embed = nn.Embedding(vocab, 100)
        self.lstm = nn.LSTM(100, 128, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(256, tags)

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        return self.out(self.drop(h))


def run(model, train_loader, dev_loader, epochs=5):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        for tokens, tags in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(tokens).flatten(0, 1), tags.flatten())
            loss.backward()
            optimizer.step()

        # accuracy on the dev set
        hits = total = 0
        model.eval()
        with torch.no_grad():
            for tokens, tags in dev_loader:
                hits += (model(tokens).argmax(-1) == tags).sum().item()
                total += tags.numel()
        print(f"epoch {epoch}: dev accuracy {hits / total:.3f}")


if __name__ == "__main__":
    corpus = TensorDataset(torch.randint(0, 5000, (1000, 30)), torch.randint(0, 17, (1000, 30)))
    train_set, dev_set = random_split(corpus, [900, 100])
    run(Tagger(), DataLoader(train_set, batch_size=32, shuffle=True), DataLoader(dev_set, batch_size=100))
