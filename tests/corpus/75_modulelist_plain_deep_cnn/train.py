import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from bsd import NoisyPatches
from net import DeepPlainCNN

train_loader = DataLoader(NoisyPatches("data/BSD400", sigma=25, patch=40), batch_size=32, shuffle=True, num_workers=8)
val_loader = DataLoader(NoisyPatches("data/BSD68", sigma=25, patch=None), batch_size=1)

model = DeepPlainCNN().cuda()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[30], gamma=0.1)

for epoch in range(40):
    model.train()
    for noisy, clean in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(noisy.cuda()), clean.cuda())
        loss.backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    with torch.no_grad():
        mse = [F.mse_loss(model(n.cuda()).clamp(0, 1), c.cuda()).item() for n, c in val_loader]
    print(f"epoch {epoch}: val PSNR {sum(-10 * torch.log10(torch.tensor(m)).item() for m in mse) / len(mse):.2f}")
