"""Implicit-feedback matrix factorisation on MovieLens-20M."""
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

NUM_USERS = 138_493
NUM_ITEMS = 26_744


class Interactions(Dataset):
    def __init__(self, frame):
        self.users = torch.tensor(frame["user"].values)
        self.items = torch.tensor(frame["item"].values)
        self.labels = torch.tensor(frame["label"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.users[i], self.items[i], self.labels[i]


class MatrixFactorization(nn.Module):
    def __init__(self):
        super().__init__()
        self.user_emb = nn.Embedding(NUM_USERS, 64, sparse=True)
        self.item_emb = nn.Embedding(NUM_ITEMS, 2048, sparse=True)
        self.item_proj = nn.Linear(2048, 64)

    def forward(self, users, items):
        return (self.user_emb(users) * self.item_proj(self.item_emb(items))).sum(-1)


train_loader = DataLoader(Interactions(pd.read_parquet("data/ml20m_train.parquet")), batch_size=1024, shuffle=True)
val_loader = DataLoader(Interactions(pd.read_parquet("data/ml20m_val.parquet")), batch_size=8192)

model = MatrixFactorization()
optimizer = torch.optim.SparseAdam(list(model.user_emb.parameters()) + list(model.item_emb.parameters()), lr=1e-3)
dense_optimizer = torch.optim.Adam(model.item_proj.parameters(), lr=1e-3)
criterion = nn.BCEWithLogitsLoss()

for epoch in range(5):
    model.train()
    for users, items, labels in train_loader:
        optimizer.zero_grad()
        dense_optimizer.zero_grad()
        loss = criterion(model(users, items), labels)
        loss.backward()
        optimizer.step()
        dense_optimizer.step()

    model.eval()
    with torch.no_grad():
        val_loss = sum(criterion(model(u, i), l).item() for u, i, l in val_loader) / len(val_loader)
    print(f"epoch {epoch}: val bce {val_loss:.4f}")
