"""Binary defect detection on 128x128 grayscale crops (pytorch_lightning 1.x style)."""
import os
from argparse import ArgumentParser

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class DefectNet(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, 16, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        return torch.sigmoid(self.head(self.backbone(x).flatten(1))).squeeze(1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        probs = self(x)
        loss = F.binary_cross_entropy_with_logits(probs, y.float())
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_acc", ((self(x) > 0.5).long() == y).float().mean())

    def configure_optimizers(self):
        lr = float(os.environ.get("DEFECT_LR", "3e-4"))
        return torch.optim.Adam(self.parameters(), lr=lr)


if __name__ == "__main__":
    parser = ArgumentParser()
    parser.add_argument("--data_dir", default="crops")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--max_epochs", type=int, default=20)
    args = parser.parse_args()

    tfm = transforms.Compose([transforms.Grayscale(), transforms.ToTensor()])
    train_ds = datasets.ImageFolder(os.path.join(args.data_dir, "train"), transform=tfm)
    val_ds = datasets.ImageFolder(os.path.join(args.data_dir, "val"), transform=tfm)

    trainer = pl.Trainer(max_epochs=args.max_epochs, gpus=1)
    trainer.fit(
        DefectNet(),
        DataLoader(train_ds, batch_size=args.batch_size, shuffle=True),
        DataLoader(val_ds, batch_size=args.batch_size),
    )
