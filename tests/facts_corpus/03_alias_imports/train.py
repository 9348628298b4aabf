"""Bag-of-embeddings text classifier on pre-tokenised AG News tensors."""
import torch
from torch import nn
from torch.nn import functional as F
from torch.optim import Adam as A
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.utils.data import DataLoader as Loader, TensorDataset

VOCAB = 20_000
EMBED_DIM = 128
NUM_CLASSES = 4
WARMUP_LR = 10 ** -(2 + 2)


class BagClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, mode="mean")
        self.hidden = nn.Linear(embed_dim, 64)
        self.out = nn.Linear(64, num_classes)

    def forward(self, tokens):
        h = F.relu(self.hidden(self.embedding(tokens)))
        return F.log_softmax(self.out(h), dim=-1)


def load_split(name):
    data = torch.load(f"data/ag_news_{name}.pt")
    return TensorDataset(data["tokens"], data["labels"])


def main():
    train_ds, test_ds = load_split("train"), load_split("test")
    train_dl = Loader(train_ds, batch_size=32 * 2, shuffle=True)
    test_dl = Loader(test_ds, batch_size=-(-1000))

    model = BagClassifier(VOCAB, EMBED_DIM, NUM_CLASSES)
    model = torch.compile(model)
    loss_fn = nn.NLLLoss()
    warmup = A(model.parameters(), lr=WARMUP_LR)
    optimizer = A(
        model.parameters(),
        lr=3e-4 * 4,
        betas=(0.9, 0.98),
    )
    scheduler = CosineAnnealingLR(optimizer, T_max=10)

    # one step at a tiny LR so torch.compile traces the graph before timing starts
    for tokens, labels in train_dl:
        warmup.zero_grad()
        loss_fn(model(tokens), labels).backward()
        warmup.step()
        break

    for epoch in range(10):
        model.train()
        for tokens, labels in train_dl:
            optimizer.zero_grad()
            log_probs = model(tokens)
            loss = loss_fn(log_probs, labels)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        scheduler.step()

        model.eval()
        hits = 0
        with torch.inference_mode():
            for tokens, labels in test_dl:
                hits += (model(tokens).argmax(-1) == labels).sum().item()
        print(epoch, hits / len(test_ds))


if __name__ == "__main__":
    main()
