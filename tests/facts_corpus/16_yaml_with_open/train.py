"""Sentiment classification on IMDB with a BiLSTM; everything comes from the YAML."""
import sys

import torch
import torch.nn as nn
import yaml
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

from data import load_imdb


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden, bidirectional):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), 1)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.embed(tokens))
        h = torch.cat([h[-2], h[-1]], dim=-1)
        return self.out(h).squeeze(-1)


def collate(batch):
    tokens, labels = zip(*batch)
    return pad_sequence(tokens, batch_first=True), torch.tensor(labels, dtype=torch.float32)


def main():
    with open("configs/train.yaml") as f:
        cfg = yaml.safe_load(f)
    train_cfg = cfg["train"]

    train_ds, test_ds = load_imdb(vocab_size=cfg["vocab_size"])
    train_loader = DataLoader(train_ds, batch_size=train_cfg["batch_size"], shuffle=True, collate_fn=collate)
    test_loader = DataLoader(test_ds, batch_size=cfg["eval"]["batch_size"], collate_fn=collate)

    model = SentimentLSTM(cfg["vocab_size"], **cfg["model"])
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=train_cfg["learning_rate"])

    for epoch in range(train_cfg["epochs"]):
        model.train()
        for tokens, labels in train_loader:
            optimizer.zero_grad()
            logits = model(tokens)
            loss = loss_fn(logits, labels)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), train_cfg["clip"])
            optimizer.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for tokens, labels in test_loader:
                correct += ((model(tokens) > 0).float() == labels).sum().item()
        print(f"epoch {epoch}: acc {correct / len(test_ds):.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
