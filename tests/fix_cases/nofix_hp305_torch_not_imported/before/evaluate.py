from torch import nn, optim
from torch.utils.data import DataLoader

from data import load_splits

train_set, test_set = load_splits()
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
for epoch in range(5):
    for x, y in DataLoader(train_set, batch_size=16, shuffle=True):
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
model.eval()
test_loss = 0.0
for x, y in DataLoader(test_set, batch_size=64):
    test_loss += criterion(model(x), y).item()
print(test_loss)
