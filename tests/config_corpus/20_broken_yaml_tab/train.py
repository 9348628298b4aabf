"""U-Net for car segmentation; hyperparameters in configs/train.yaml."""
import torch
import torch.nn as nn
import yaml
from torch.utils.data import DataLoader

from unet import CarvanaDataset, UNet

with open("configs/train.yaml") as f:
    cfg = yaml.safe_load(f)


def main():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_set = CarvanaDataset("data/imgs", "data/masks", split="train")
    val_set = CarvanaDataset("data/imgs", "data/masks", split="val")
    train_loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, num_workers=4)
    val_loader = DataLoader(val_set, batch_size=cfg["batch_size"], num_workers=4)
    model = UNet(cfg["model"]["in_channels"], 1, cfg["model"]["base_width"]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["optimizer"]["lr"], weight_decay=cfg["optimizer"]["weight_decay"])
    criterion = nn.BCEWithLogitsLoss()
    for epoch in range(cfg["epochs"]):
        model.train()
        for images, masks in train_loader:
            images, masks = images.to(device), masks.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), masks)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = sum(criterion(model(x.to(device)), y.to(device)).item() for x, y in val_loader)
        print(f"epoch {epoch}: val loss {val_loss / len(val_loader):.4f}")


if __name__ == "__main__":
    main()
