import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import transforms

from planet import PlanetChips
from tagger import PlanetTagger

stats = ([0.311, 0.340, 0.299], [0.167, 0.144, 0.138])
train_tf = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.RandomVerticalFlip(), transforms.ToTensor(), transforms.Normalize(*stats)])
val_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(*stats)])

train_loader = DataLoader(PlanetChips("train", train_tf), batch_size=32, shuffle=True, num_workers=8)
val_loader = DataLoader(PlanetChips("val", val_tf), batch_size=128, num_workers=8)

model = PlanetTagger().cuda()
criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=1, factor=0.3)

for epoch in range(15):
    model.train()
    for images, tags in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images.cuda()), tags.cuda())
        loss.backward()
        optimizer.step()

    model.eval()
    val_loss = 0.0
    with torch.no_grad():
        for images, tags in val_loader:
            val_loss += criterion(model(images.cuda()), tags.cuda()).item()
    scheduler.step(val_loss)
    print(f"epoch {epoch}: val bce {val_loss / len(val_loader):.4f}")
