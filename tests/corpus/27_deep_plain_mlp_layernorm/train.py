"""Very deep MLP for the HIGGS benchmark (28 features)."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class DeepMLP(nn.Module):
    def __init__(self, in_dim=28, width=300):
        super().__init__()
        layers = [nn.Linear(in_dim, width), nn.LayerNorm(width), nn.ReLU()]
        for _ in range(10):
            layers += [nn.Linear(width, width), nn.LayerNorm(width), nn.ReLU()]
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)
        for m in self.net:
            if isinstance(m, nn.Linear):
                nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.net(x).squeeze(-1)


data = torch.load("data/higgs.pt")
dataset = TensorDataset(data["x"], data["y"].float())
train_set, val_set = random_split(dataset, [0.95, 0.05], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=4)
val_loader = DataLoader(val_set, batch_size=4096)

model = DeepMLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
criterion = nn.BCEWithLogitsLoss()

for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        val_loss = sum(criterion(model(x), y).item() for x, y in val_loader) / len(val_loader)
    print(f"epoch {epoch}: val loss {val_loss:.4f}")
