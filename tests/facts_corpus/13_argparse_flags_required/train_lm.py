"""Character-level GRU language model."""
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CharDataset(Dataset):
    def __init__(self, text: str, block: int, vocab: list[str]):
        self.stoi = {ch: i for i, ch in enumerate(vocab)}
        self.data = torch.tensor([self.stoi[c] for c in text], dtype=torch.long)
        self.block = block

    def __len__(self):
        return len(self.data) - self.block - 1

    def __getitem__(self, i):
        chunk = self.data[i : i + self.block + 1]
        return chunk[:-1], chunk[1:]


class CharGRU(nn.Module):
    def __init__(self, vocab_size, emb=128, hidden=512, layers=2, dropout=0.2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb)
        self.rnn = nn.GRU(emb, hidden, num_layers=layers, dropout=dropout, batch_first=True)
        self.proj = nn.Linear(hidden, vocab_size)

    def forward(self, idx):
        out, _ = self.rnn(self.embed(idx))
        return self.proj(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--text", required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--batch_size", type=int, default=2 ** 5)
    parser.add_argument("--block", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20_000)
    FLAGS = parser.parse_args()

    text = open(FLAGS.text, encoding="utf-8").read()
    vocab = sorted(set(text))
    split = int(0.9 * len(text))
    train_ds = CharDataset(text[:split], FLAGS.block, vocab)
    val_ds = CharDataset(text[split:], FLAGS.block, vocab)
    train_dl = DataLoader(train_ds, batch_size=FLAGS.batch_size, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, FLAGS.batch_size)

    model = CharGRU(len(vocab))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=FLAGS.lr)

    step = 0
    while step < FLAGS.steps:
        for x, y in train_dl:
            logits = model(x)
            loss = criterion(logits.view(-1, len(vocab)), y.view(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            step += 1
            if step % 1000 == 0:
                model.eval()
                with torch.no_grad():
                    x, y = next(iter(val_dl))
                    vl = criterion(model(x).view(-1, len(vocab)), y.view(-1)).item()
                print(f"step {step}: train {loss.item():.3f} val {vl:.3f} ppl {math.exp(vl):.1f}")
                model.train()
            if step >= FLAGS.steps:
                break


if __name__ == "__main__":
    main()
