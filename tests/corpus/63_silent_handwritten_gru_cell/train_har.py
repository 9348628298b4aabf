import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from gru_cell import SensorActivity
from uci_har import HARWindows

train_loader = DataLoader(HARWindows("train"), batch_size=32, shuffle=True)
test_loader = DataLoader(HARWindows("test"), batch_size=512)

model = SensorActivity()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)

for epoch in range(20):
    model.train()
    for seq, activity in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(seq), activity)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    model.eval()
    with torch.inference_mode():
        acc = sum((model(s).argmax(1) == a).sum().item() for s, a in test_loader) / len(test_loader.dataset)
    print(f"epoch {epoch}: test acc {acc:.4f}")
