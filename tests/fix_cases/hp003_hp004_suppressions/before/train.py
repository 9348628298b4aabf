"""Sequence tagging baseline; the old suppressions predate the move to a GRU."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

BATCH_SIZE = 16  # hplint: ignore[HP101]
LEARNING_RATE = 1e-3


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(1000, 64)
        self.rnn = nn.RNN(64, 64, batch_first=True)  # hplint: ignore HP206
        self.gru = nn.GRU(64, 64, batch_first=True)  # hplint: ignore[HP206, HP207]  # baseline cell
        self.context = nn.RNNCell(64, 64)  # hplint: ignore[HP206, HP101]
        self.out = nn.Linear(64, 9)

    def forward(self, tokens):
        h, _ = self.gru(self.rnn(self.embed(tokens))[0])
        return self.out(h)


# hplint: ignore[HP103]
data = TensorDataset(torch.randint(0, 1000, (500, 20)), torch.randint(0, 9, (500, 20)))
train_set, val_set = random_split(data, [450, 50])
model = Tagger()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)  # noqa: HP104 -- checked
for tokens, tags in DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True):
    optimizer.zero_grad()
    criterion(model(tokens).flatten(0, 1), tags.flatten()).backward()
    optimizer.step()
