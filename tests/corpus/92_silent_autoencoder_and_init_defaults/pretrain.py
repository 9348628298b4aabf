import torch
from torch.utils.data import DataLoader, random_split

from expression import ExpressionProfiles
from models import DenoisingAutoencoder

profiles = ExpressionProfiles("data/gtex.h5")
train_set, val_set = random_split(profiles, [0.9, 0.1])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=256)

model = DenoisingAutoencoder()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
mse = torch.nn.MSELoss()

for epoch in range(20):
    model.train()
    for x, _ in train_loader:
        optimizer.zero_grad()
        loss = mse(model(x), x)
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        val = sum(mse(model(x), x).item() for x, _ in val_loader) / len(val_loader)
    print(f"epoch {epoch}: val reconstruction {val:.4f}")
torch.save(model.encoder.state_dict(), "encoder.pt")
