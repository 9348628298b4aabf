import tomllib

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from dataset import BratsPatches
from model import VolumeSegNet

with open("configs/train.toml", "rb") as f:
    cfg = tomllib.load(f)

train_ds = BratsPatches(cfg["data"]["train_dir"], patch=cfg["data"]["patch"], augment=True)
val_ds = BratsPatches(cfg["data"]["val_dir"], patch=cfg["data"]["patch"], augment=False)
train_loader = DataLoader(train_ds, batch_size=cfg["train"]["batch_size"], shuffle=True, num_workers=6)
val_loader = DataLoader(val_ds, batch_size=1)

model = VolumeSegNet(**cfg["model"]).cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["optim"]["lr"], weight_decay=cfg["optim"]["weight_decay"])
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["train"]["epochs"])

for epoch in range(cfg["train"]["epochs"]):
    model.train()
    for volume, mask in train_loader:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(volume.cuda()), mask.cuda())
        loss.backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    with torch.inference_mode():
        dice = [F.cross_entropy(model(v.cuda()), m.cuda()).item() for v, m in val_loader]
    print(epoch, sum(dice) / len(dice))
