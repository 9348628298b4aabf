import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

from model import ToxicityHead

embeddings = torch.randn(5000, 384)
labels = (torch.rand(5000, 6) > 0.8).float()
train_set, val_set = random_split(TensorDataset(embeddings, labels), [4500, 500])

model = ToxicityHead()
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)

for epoch in range(4):
    for emb, y in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        criterion(model(emb), y).backward()
        optimizer.step()
