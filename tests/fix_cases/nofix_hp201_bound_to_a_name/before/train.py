import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class IntentClassifier(nn.Module):
    def __init__(self, dim=256, intents=20):
        super().__init__()
        self.fc = nn.Linear(dim, intents)

    def forward(self, x):
        probs = F.softmax(self.fc(x), dim=1)
        return probs


data = TensorDataset(torch.randn(1000, 256), torch.randint(0, 20, (1000,)))
train_set, val_set = random_split(data, [900, 100])
model = IntentClassifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    optimizer.step()
