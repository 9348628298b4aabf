"""Speaker-ID on precomputed x-vectors with Lightning 2.x."""
import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE = 32
LEARNING_RATE = 0.05
NUM_SPEAKERS = 250


class XVectorData(pl.LightningDataModule):
    def __init__(self, root="features"):
        super().__init__()
        self.root = root

    def setup(self, stage=None):
        train = torch.load(f"{self.root}/train.pt")
        dev = torch.load(f"{self.root}/dev.pt")
        self.train_ds = TensorDataset(train["xvec"], train["speaker"])
        self.dev_ds = TensorDataset(dev["xvec"], dev["speaker"])

    def train_dataloader(self):
        return DataLoader(self.train_ds, batch_size=BATCH_SIZE, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.dev_ds, batch_size=BATCH_SIZE * 8)


class SpeakerClassifier(pl.LightningModule):
    def __init__(self, dim=512, n_speakers=NUM_SPEAKERS):
        super().__init__()
        self.fc1 = nn.Linear(dim, 256)
        self.bn = nn.BatchNorm1d(256)
        self.fc2 = nn.Linear(256, n_speakers)
        self.loss_fn = nn.CrossEntropyLoss()

    def forward(self, x):
        h = torch.relu(self.bn(self.fc1(x)))
        return torch.softmax(self.fc2(h), dim=1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = self.loss_fn(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = self.loss_fn(self(x), y)
        self.log("val_loss", loss, prog_bar=True)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=LEARNING_RATE, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=2)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "val_loss"}}


def main():
    trainer = pl.Trainer(
        max_epochs=100,
        callbacks=[
            EarlyStopping(monitor="val_loss", patience=5),
            ModelCheckpoint(monitor="val_loss", save_top_k=1),
        ],
    )
    trainer.fit(SpeakerClassifier(), datamodule=XVectorData())


if __name__ == "__main__":
    main()
