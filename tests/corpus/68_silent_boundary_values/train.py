import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from resnet_small import ResNetSmall

BATCH_SIZE = 32
LR = 0.01
EPOCHS = 9

norm = transforms.Normalize((0.480, 0.448, 0.398), (0.277, 0.269, 0.282))
train_tf = transforms.Compose([transforms.RandomResizedCrop(64, scale=(0.5, 1.0)), transforms.RandomHorizontalFlip(), transforms.ToTensor(), norm])
val_tf = transforms.Compose([transforms.ToTensor(), norm])
train_loader = DataLoader(datasets.ImageFolder("data/tiny-imagenet-200/train", train_tf), batch_size=BATCH_SIZE, shuffle=True, num_workers=8)
val_loader = DataLoader(datasets.ImageFolder("data/tiny-imagenet-200/val", val_tf), batch_size=BATCH_SIZE, num_workers=8)

model = ResNetSmall().cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9, weight_decay=1e-4)
criterion = nn.CrossEntropyLoss()

for epoch in range(EPOCHS):
    model.train()
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images.cuda()), labels.cuda())
        loss.backward()
        optimizer.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in val_loader:
            correct += (model(images.cuda()).argmax(1).cpu() == labels).sum().item()
    print(f"epoch {epoch}: val acc {correct / len(val_loader.dataset):.4f}")
