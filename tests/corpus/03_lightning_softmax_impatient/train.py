import lightning as L
from lightning.pytorch.callbacks import EarlyStopping
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

from model import SmallCNN

transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
])


class CIFARData(L.LightningDataModule):
    def __init__(self, root="data", batch_size=32):
        super().__init__()
        self.root = root
        self.batch_size = batch_size

    def setup(self, stage=None):
        full = datasets.CIFAR10(self.root, train=True, download=True, transform=transform)
        self.train_set, self.val_set = random_split(full, [45000, 5000])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, num_workers=4)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=256, num_workers=4)


if __name__ == "__main__":
    early_stop = EarlyStopping(
        monitor="val_loss",
        mode="min",
        patience=1,
    )
    trainer = L.Trainer(max_epochs=30, accelerator="auto", callbacks=[early_stop])
    trainer.fit(SmallCNN(), datamodule=CIFARData())
