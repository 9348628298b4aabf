import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

features, targets = torch.randn(3000, 40), torch.randint(0, 5, (3000,))
train_set, val_set = random_split(TensorDataset(features, targets), [2700, 300])

model = nn.Sequential(
    nn.Linear(40, 128),
    nn.ReLU(),
    nn.Dropout(0.1),  # light regularisation
    nn.Linear(128, 5),
)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(20):
    model.train()
    for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
