import timm
import torch
import torch.nn.functional as F
import yaml
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

cfg = yaml.safe_load(open("configs/finetune.yaml"))

tf = transforms.Compose([transforms.Resize(224), transforms.ToTensor(), transforms.Normalize([0.5] * 3, [0.5] * 3)])
full = datasets.EuroSAT(cfg["data"]["root"], transform=tf, download=True)
n_val = int(len(full) * cfg["data"]["val_fraction"])
train_set, val_set = random_split(full, [len(full) - n_val, n_val])
train_loader = DataLoader(train_set, batch_size=cfg["data"]["batch_size"], shuffle=True, num_workers=8)
val_loader = DataLoader(val_set, batch_size=256, num_workers=8)

model = timm.create_model(cfg["model"]["name"], pretrained=cfg["model"]["pretrained"], num_classes=cfg["model"]["num_classes"], drop_rate=cfg["model"]["drop_rate"]).cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["optimizer"]["learning_rate"], weight_decay=cfg["optimizer"]["weight_decay"])
epochs = cfg["schedule"]["epochs"]
warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=cfg["schedule"]["warmup_epochs"])
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs - cfg["schedule"]["warmup_epochs"])
scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[cfg["schedule"]["warmup_epochs"]])

for epoch in range(epochs):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x.cuda()), y.cuda()).backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    with torch.no_grad():
        acc = sum((model(x.cuda()).argmax(1).cpu() == y).float().sum().item() for x, y in val_loader) / n_val
    print(epoch, acc)
