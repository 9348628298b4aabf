"""Character-level language identification with a small GRU and NLLLoss."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

VOCAB, LANGUAGES = 128, 12


class LanguageId(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 32)
        self.gru = nn.GRU(32, hidden, batch_first=True)
        self.out = nn.Linear(hidden, LANGUAGES)

    def forward(self, chars):
        _, h = self.gru(self.embed(chars))
        return F.log_softmax(self.out(h[-1]), dim=-1)


pairs = TensorDataset(torch.randint(0, VOCAB, (4000, 40)), torch.randint(0, LANGUAGES, (4000,)))
train_set, dev_set = random_split(pairs, [3600, 400])
model = LanguageId()
criterion = nn.NLLLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(8):
    for chars, lang in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        criterion(model(chars), lang).backward()
        optimizer.step()
