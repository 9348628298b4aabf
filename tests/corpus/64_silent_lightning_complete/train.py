import pytorch_lightning as pl
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from torch.utils.data import DataLoader, random_split

from litmodel import WaferDefectNet
from wm811k import WaferMaps


class WaferData(pl.LightningDataModule):
    def __init__(self, batch_size=32):
        super().__init__()
        self.batch_size = batch_size

    def setup(self, stage=None):
        self.train_set, self.val_set = random_split(WaferMaps("data/wm811k.pkl"), [0.9, 0.1])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, num_workers=4)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=512, num_workers=4)


if __name__ == "__main__":
    trainer = pl.Trainer(
        max_epochs=200,
        callbacks=[
            EarlyStopping(monitor="val_loss", mode="min"),
            ModelCheckpoint(monitor="val_acc", mode="max"),
        ],
    )
    trainer.fit(WaferDefectNet(), datamodule=WaferData())
