import lightning.pytorch as pl
from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from module import FlowerClassifier

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
train_tf = transforms.Compose([
    transforms.RandomResizedCrop(224),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize(MEAN, STD),
])
eval_tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])

train_loader = DataLoader(datasets.Flowers102("data", split="train", transform=train_tf, download=True), batch_size=32, shuffle=True, num_workers=8)
val_loader = DataLoader(datasets.Flowers102("data", split="val", transform=eval_tf), batch_size=128, num_workers=8)

checkpoint = ModelCheckpoint(monitor="val_acc", mode="max", save_top_k=1, filename="best-{epoch}-{val_acc:.3f}")
trainer = pl.Trainer(
    max_epochs=100,
    precision="16-mixed",
    callbacks=[checkpoint, LearningRateMonitor("epoch")],
)
trainer.fit(FlowerClassifier(), train_loader, val_loader)
