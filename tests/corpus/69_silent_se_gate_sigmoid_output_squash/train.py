import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split
from torchvision import transforms

from age_model import AgeRegressor
from utkface import UTKFace

tf = transforms.Compose([transforms.Resize((128, 128)), transforms.ToTensor(), transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])])
faces = UTKFace("data/UTKFace", transform=tf)
train_set, val_set = random_split(faces, [0.9, 0.1])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=6)
val_loader = DataLoader(val_set, batch_size=256, num_workers=6)

model = AgeRegressor().cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=25 * len(train_loader))
mse = nn.MSELoss()

for epoch in range(25):
    model.train()
    for images, age in train_loader:
        optimizer.zero_grad()
        loss = mse(model(images.cuda()), age.cuda() / 100.0)
        loss.backward()
        optimizer.step()
        scheduler.step()

    model.eval()
    with torch.no_grad():
        mae = sum((model(x.cuda()) * 100 - a.cuda()).abs().sum().item() for x, a in val_loader) / len(val_set)
    print(f"epoch {epoch}: val MAE {mae:.2f} years")
