import torch
import torch.nn.functional as F
from accelerate import Accelerator
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from model import PlainNet13

accelerator = Accelerator(mixed_precision="bf16")
stats = ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762))
train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(*stats)])
val_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(*stats)])

train_dl = DataLoader(datasets.CIFAR100("data", train=True, transform=train_tf, download=True), batch_size=32, shuffle=True, num_workers=4)
val_dl = DataLoader(datasets.CIFAR100("data", train=False, transform=val_tf), batch_size=256, num_workers=4)

model = PlainNet13()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, epochs=30, steps_per_epoch=len(train_dl))
model, optimizer, train_dl, val_dl, scheduler = accelerator.prepare(model, optimizer, train_dl, val_dl, scheduler)

for epoch in range(30):
    model.train()
    for images, labels in train_dl:
        loss = F.cross_entropy(model(images), labels)
        accelerator.backward(loss)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in val_dl:
            preds = accelerator.gather(model(images).argmax(1))
            correct += (preds == accelerator.gather(labels)).sum().item()
    accelerator.print(f"epoch {epoch}: val acc {correct / len(val_dl.dataset):.4f}")
