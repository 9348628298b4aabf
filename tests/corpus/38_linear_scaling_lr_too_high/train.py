"""ResNet-50 fine-tuning on iNaturalist mini with the linear LR scaling rule."""
import torch
import torch.nn as nn
import torchvision
from torch.utils.data import DataLoader
from torchvision import transforms

BATCH_SIZE = 32
BASE_LR = 0.1
LR = BASE_LR * BATCH_SIZE  # linear scaling rule
EPOCHS = 24

mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
train_tf = transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(mean, std)])
val_tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize(mean, std)])

train_loader = DataLoader(torchvision.datasets.ImageFolder("data/inat_mini/train", train_tf), batch_size=BATCH_SIZE, shuffle=True, num_workers=8)
val_loader = DataLoader(torchvision.datasets.ImageFolder("data/inat_mini/val", val_tf), batch_size=256, num_workers=8)

model = torchvision.models.resnet50(weights="IMAGENET1K_V2")
model.fc = nn.Linear(model.fc.in_features, 500)
model = model.cuda()

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)

for epoch in range(EPOCHS):
    model.train()
    for images, labels in train_loader:
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(model(images.cuda()), labels.cuda())
        loss.backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(x.cuda()).argmax(1).cpu() == y).sum().item() for x, y in val_loader)
    print(f"epoch {epoch}: val top-1 {correct / len(val_loader.dataset):.4f}")
