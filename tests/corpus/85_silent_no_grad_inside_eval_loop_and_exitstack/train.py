import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms

from engine import test, validate

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
train_set = datasets.CIFAR10("data", train=True, download=True, transform=transform)
test_set = datasets.CIFAR10("data", train=False, transform=transform)
model = models.resnet18(num_classes=10)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)
for epoch in range(30):
    model.train()
    for images, targets in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images), targets).backward()
        optimizer.step()
    scheduler.step()
    print(validate(model, DataLoader(test_set, batch_size=500)))
print(test(model, DataLoader(test_set, batch_size=500)))
