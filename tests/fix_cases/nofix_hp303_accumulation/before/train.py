import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

ACCUMULATE = 4

clips = TensorDataset(torch.randn(640, 40, 100), torch.randint(0, 12, (640,)))
train_set, val_set = random_split(clips, [600, 40])
model = nn.Sequential(nn.Flatten(), nn.Linear(4000, 256), nn.ReLU(), nn.Linear(256, 12))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)

for epoch in range(3):
    for step, (x, y) in enumerate(DataLoader(train_set, batch_size=8, shuffle=True)):
        loss = criterion(model(x), y) / ACCUMULATE
        loss.backward()
        if (step + 1) % ACCUMULATE == 0:
            optimizer.step()
