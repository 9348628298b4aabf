import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

from models.backbone import MLPBody


class LitMNIST(L.LightningModule):
    def __init__(self, lr: float = 1e-3):
        super().__init__()
        self.backbone = MLPBody()
        self.lr = lr

    def forward(self, x):
        return self.backbone(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.cross_entropy(self(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


if __name__ == "__main__":
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    mnist = datasets.MNIST("data", train=True, download=True, transform=transform)
    train_set, val_set = random_split(mnist, [55000, 5000])
    trainer = L.Trainer(max_epochs=5)
    trainer.fit(LitMNIST(), DataLoader(train_set, batch_size=32, shuffle=True), DataLoader(val_set, batch_size=256))
