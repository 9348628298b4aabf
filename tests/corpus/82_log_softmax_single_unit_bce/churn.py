import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.model_selection import train_test_split


class ChurnNet(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.fc1 = nn.Linear(n_features, 64)
        self.fc2 = nn.Linear(64, 1)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


frame = pd.read_csv("churn.csv")
x = torch.tensor(frame.drop(columns=["churned"]).values, dtype=torch.float32)
y = torch.tensor(frame["churned"].values, dtype=torch.float32).unsqueeze(1)
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2)
model = ChurnNet(x.shape[1])
criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(20):
    for xb, yb in DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True):
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
