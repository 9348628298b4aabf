"""Wine-quality classification (11 physico-chemical features, 6 quality classes)."""
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

frame = pd.read_csv("data/winequality.csv", sep=";")
x = frame.drop(columns=["quality"]).to_numpy("float32")
y = (frame["quality"] - frame["quality"].min()).to_numpy()
x_tr, x_val, y_tr, y_val = train_test_split(x, y, test_size=0.2, random_state=1, stratify=y)
mean, std = x_tr.mean(0), x_tr.std(0)

train_loader = DataLoader(TensorDataset(torch.tensor((x_tr - mean) / std), torch.tensor(y_tr)), batch_size=16, shuffle=True)
val_x, val_y = torch.tensor((x_val - mean) / std), torch.tensor(y_val)


class WineNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(11, 64)
        self.bn1 = nn.BatchNorm1d(64)
        self.fc2 = nn.Linear(64, 64)
        self.drop = nn.Dropout(0.2)
        self.fc3 = nn.Linear(64, 6)

    def forward(self, x):
        x = F.relu(self.bn1(self.fc1(x)))
        x = self.drop(F.relu(self.fc2(x)))
        return F.log_softmax(self.fc3(x), dim=-1)


model = WineNet()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)

for epoch in range(40):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        criterion(model(xb), yb).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        acc = (model(val_x).argmax(1) == val_y).float().mean().item()
    print(f"epoch {epoch}: val acc {acc:.3f}")
