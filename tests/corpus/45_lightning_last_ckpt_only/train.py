import lightning as L
import torch
import torch.nn.functional as F
from lightning.pytorch.callbacks import ModelCheckpoint
from torch import nn
from torch.utils.data import DataLoader

from ecg import PTBXL


class ECGNet(L.LightningModule):
    def __init__(self, n_leads=12, n_classes=5, lr=1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.encoder = nn.Sequential(
            nn.Conv1d(n_leads, 64, kernel_size=15, padding=7), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 128, kernel_size=15, stride=2, padding=7), nn.BatchNorm1d(128), nn.ReLU(),
            nn.Conv1d(128, 128, kernel_size=9, stride=2, padding=4), nn.BatchNorm1d(128), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(),
        )
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.encoder(x))

    def training_step(self, batch, batch_idx):
        signals, labels = batch
        loss = F.binary_cross_entropy_with_logits(self(signals), labels)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        signals, labels = batch
        self.log("val_loss", F.binary_cross_entropy_with_logits(self(signals), labels), prog_bar=True)

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)}


if __name__ == "__main__":
    train_loader = DataLoader(PTBXL(folds=range(1, 9)), batch_size=32, shuffle=True, num_workers=8)
    val_loader = DataLoader(PTBXL(folds=[9]), batch_size=128, num_workers=8)
    checkpoint = ModelCheckpoint(dirpath="checkpoints", save_last=True, every_n_epochs=5)
    trainer = L.Trainer(
        max_epochs=100,
        callbacks=[checkpoint],
    )
    trainer.fit(ECGNet(), train_loader, val_loader)
