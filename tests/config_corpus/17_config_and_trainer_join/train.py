"""Keyword spotting on Speech Commands: config from configs/train.yaml, 4-GPU DDP with Lightning."""
import lightning as L
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml
from torch.utils.data import DataLoader
from torchaudio.datasets import SPEECHCOMMANDS

with open("configs/train.yaml") as f:
    cfg = yaml.safe_load(f)


class KWS(L.LightningModule):
    def __init__(self, lr, weight_decay, n_classes=35):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.Conv1d(1, 64, kernel_size=80, stride=16),
            nn.BatchNorm1d(64),
            nn.ReLU(),
            nn.MaxPool1d(4),
            nn.Conv1d(64, 128, kernel_size=3),
            nn.BatchNorm1d(128),
            nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Linear(128, n_classes),
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
        self.log("val_loss", F.cross_entropy(self(x), y), sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)


def collate(items):
    waves = torch.stack([F.pad(w, (0, 16000 - w.shape[-1])) for w, *_ in items])
    labels = torch.tensor([hash(label) % 35 for _, _, label, *_ in items])
    return waves, labels


def main():
    train_set = SPEECHCOMMANDS(cfg["data"]["root"], subset="training", download=True)
    val_set = SPEECHCOMMANDS(cfg["data"]["root"], subset="validation", download=True)
    train_loader = DataLoader(
        train_set, batch_size=cfg["data"]["batch_size"], shuffle=True, num_workers=cfg["data"]["num_workers"], collate_fn=collate
    )
    val_loader = DataLoader(val_set, batch_size=cfg["data"]["batch_size"], num_workers=cfg["data"]["num_workers"], collate_fn=collate)
    model = KWS(lr=cfg["optim"]["lr"], weight_decay=cfg["optim"]["weight_decay"])
    trainer = L.Trainer(
        max_epochs=cfg["trainer"]["max_epochs"],
        accelerator="gpu",
        devices=4,
        strategy="ddp",
        accumulate_grad_batches=2,
    )
    trainer.fit(model, train_loader, val_loader)


if __name__ == "__main__":
    main()
