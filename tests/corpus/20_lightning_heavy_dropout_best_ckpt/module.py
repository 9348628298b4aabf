import lightning.pytorch as pl
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class FlowerClassifier(pl.LightningModule):
    def __init__(self, num_classes=102, lr=3e-4):
        super().__init__()
        self.save_hyperparameters()
        backbone = torchvision.models.resnet18(weights="IMAGENET1K_V1")
        backbone.fc = nn.Identity()
        self.backbone = backbone
        self.head = nn.Sequential(nn.Dropout(p=0.8), nn.Linear(512, num_classes))

    def forward(self, x):
        return self.head(self.backbone(x))

    def training_step(self, batch, _):
        images, labels = batch
        loss = F.cross_entropy(self(images), labels, label_smoothing=0.1)
        self.log("train_loss", loss, on_epoch=True)
        return loss

    def validation_step(self, batch, _):
        images, labels = batch
        logits = self(images)
        self.log("val_loss", F.cross_entropy(logits, labels), prog_bar=True)
        self.log("val_acc", (logits.argmax(-1) == labels).float().mean(), prog_bar=True)

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=0.05)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.trainer.max_epochs)
        return {"optimizer": optimizer, "lr_scheduler": scheduler}
