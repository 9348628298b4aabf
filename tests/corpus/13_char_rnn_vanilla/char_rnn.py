"""Character-level language model on tiny-shakespeare."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEQ_LEN = 128
BATCH_SIZE = 32
EMBED = 64
HIDDEN = 256

text = open("data/tinyshakespeare.txt").read()
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
split = int(0.9 * len(ids))
train_ids, val_ids = ids[:split], ids[split:]


class Chunks(Dataset):
    def __init__(self, data):
        self.data = data

    def __len__(self):
        return (len(self.data) - 1) // SEQ_LEN

    def __getitem__(self, i):
        chunk = self.data[i * SEQ_LEN : (i + 1) * SEQ_LEN + 1]
        return chunk[:-1], chunk[1:]


class CharRNN(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, EMBED)
        self.rnn = nn.RNN(EMBED, HIDDEN, num_layers=2, batch_first=True)
        self.proj = nn.Linear(HIDDEN, vocab_size)

    def forward(self, x):
        out, _ = self.rnn(self.embed(x))
        return self.proj(out)


train_loader = DataLoader(Chunks(train_ids), batch_size=BATCH_SIZE, shuffle=True)
val_loader = DataLoader(Chunks(val_ids), batch_size=BATCH_SIZE)

model = CharRNN(len(chars))
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(20):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    model.eval()
    with torch.no_grad():
        val_loss = sum(criterion(model(x).flatten(0, 1), y.flatten()).item() for x, y in val_loader) / len(val_loader)
    print(f"epoch {epoch} val loss {val_loss:.3f}")
