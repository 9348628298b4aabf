import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from net import PlainConvNet

normalize = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize])
test_tf = transforms.Compose([transforms.ToTensor(), normalize])
train_loader = DataLoader(datasets.CIFAR10("data", train=True, download=True, transform=train_tf), batch_size=32, shuffle=True)
test_loader = DataLoader(datasets.CIFAR10("data", train=False, transform=test_tf), batch_size=256)

model = PlainConvNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)
criterion = torch.nn.CrossEntropyLoss()

for epoch in range(30):
    model.train()
    for images, labels in train_loader:
        optimizer.zero_grad()
        criterion(model(images), labels).backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)
    print(f"epoch {epoch}: test accuracy {correct / 10000:.3f}")
