import math

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

from vit import ViTTiny

EPOCHS = 30
WARMUP = 3

mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(mean, std)])
full = datasets.CIFAR10("data", train=True, download=True, transform=train_tf)
train_set, val_set = random_split(full, [45000, 5000])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=4)
val_loader = DataLoader(val_set, batch_size=500, num_workers=4)

model = ViTTiny().cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
scheduler = torch.optim.lr_scheduler.LambdaLR(
    optimizer,
    lambda e: (e + 1) / WARMUP if e < WARMUP else 0.5 * (1 + math.cos(math.pi * (e - WARMUP) / (EPOCHS - WARMUP))),
)

for epoch in range(EPOCHS):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x.cuda()), y.cuda(), label_smoothing=0.1)
        loss.backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in val_loader:
            correct += (model(x.cuda()).argmax(-1).cpu() == y).sum().item()
    print(f"epoch {epoch}: val acc {correct / len(val_set):.4f}")
