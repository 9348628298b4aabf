"""Classify surnames by language of origin (after the PyTorch char-RNN tutorial, with a GRU)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.data import DataLoader, random_split

from surnames import SurnameDataset, pad_collate

N_LETTERS = 57


class SurnameGRU(nn.Module):
    def __init__(self, hidden=128, n_languages=18):
        super().__init__()
        self.embed = nn.Embedding(N_LETTERS, 32)
        self.gru = nn.GRU(32, hidden, num_layers=2, batch_first=True)
        self.out = nn.Linear(hidden, n_languages)

    def forward(self, chars, lengths):
        packed = pack_padded_sequence(self.embed(chars), lengths, batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return F.log_softmax(self.out(h[-1]), dim=1)


dataset = SurnameDataset("data/names")
train_set, val_set = random_split(dataset, [0.9, 0.1])
train_loader = DataLoader(train_set, batch_size=16, shuffle=True, collate_fn=pad_collate)
val_loader = DataLoader(val_set, batch_size=256, collate_fn=pad_collate)

model = SurnameGRU()
criterion = nn.NLLLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)

for epoch in range(12):
    model.train()
    for chars, lengths, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(chars, lengths), labels)
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(c, l).argmax(1) == y).sum().item() for c, l, y in val_loader)
    print(f"epoch {epoch}: val acc {correct / len(val_set):.3f}")
