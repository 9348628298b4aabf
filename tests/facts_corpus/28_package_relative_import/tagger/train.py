import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

from .model import BiLSTMTagger

PAD = 0
EPOCHS = 12
TRAIN_BATCH = 16


def collate(batch):
    words, tags = zip(*batch)
    return pad_sequence(words, batch_first=True), pad_sequence(tags, batch_first=True, padding_value=-100)


def evaluate(model, loader, loss_function):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for words, tags in loader:
            scores = model(words)
            total += loss_function(scores.view(-1, scores.size(-1)), tags.view(-1)).item()
    model.train()
    return total / len(loader)


def main():
    corpus = torch.load("data/ud_english.pt")
    train_loader = DataLoader(corpus["train"], batch_size=TRAIN_BATCH, shuffle=True, collate_fn=collate)
    dev_loader = DataLoader(corpus["dev"], batch_size=TRAIN_BATCH * 8, collate_fn=collate)

    model = BiLSTMTagger(len(corpus["vocab"]), len(corpus["tags"]))
    loss_function = nn.NLLLoss(ignore_index=-100)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    for epoch in range(EPOCHS):
        for words, tags in train_loader:
            model.zero_grad()
            tag_scores = model(words)
            loss = loss_function(tag_scores.view(-1, tag_scores.size(-1)), tags.view(-1))
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: dev nll {evaluate(model, dev_loader, loss_function):.4f}")


if __name__ == "__main__":
    main()
