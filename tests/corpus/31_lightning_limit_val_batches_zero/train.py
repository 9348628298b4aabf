import lightning as L
import torch
import torch.nn.functional as F
import yaml
from torch import nn
from torch.utils.data import DataLoader

from tiles import SatelliteTiles


class TileClassifier(L.LightningModule):
    def __init__(self, lr, weight_decay, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.Conv2d(13, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(128, num_classes),
        )

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.cross_entropy(self(x), y))

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)}


if __name__ == "__main__":
    with open("configs/trainer.yaml") as f:
        cfg = yaml.safe_load(f)
    train_loader = DataLoader(SatelliteTiles("train"), batch_size=cfg["data"]["batch_size"], shuffle=True, num_workers=cfg["data"]["num_workers"])
    val_loader = DataLoader(SatelliteTiles("val"), batch_size=256, num_workers=cfg["data"]["num_workers"])
    model = TileClassifier(lr=cfg["optimizer"]["lr"], weight_decay=cfg["optimizer"]["weight_decay"])
    trainer = L.Trainer(**cfg["trainer"])
    trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
