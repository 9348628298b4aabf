import torch
from torch import nn
from torch.utils.data import DataLoader, random_split

train_set, val_set = random_split(load_dataset(), [0.9, 0.1])
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for x, y in DataLoader(train_set, batch_size=16):
    optimizer.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()
