import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

spectra = TensorDataset(torch.randn(1200, 64), torch.randint(0, 4, (1200,)))
train_part, held_out = random_split(spectra, [1000, 200])

net = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 4), nn.Softmax(dim=1))
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
for epoch in range(30):
    for x, y in DataLoader(train_part, batch_size=16, shuffle=True):
        optimizer.zero_grad()
        criterion(net(x), y).backward()
        optimizer.step()
