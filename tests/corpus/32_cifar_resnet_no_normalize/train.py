import torch
import torch.nn as nn
from torchvision.models import resnet18

from data import get_loaders

EPOCHS = 40

train_loader, test_loader = get_loaders()
model = resnet18(num_classes=10)
model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
model.maxpool = nn.Identity()
model = model.cuda()

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[20, 30], gamma=0.1)

for epoch in range(EPOCHS):
    model.train()
    for inputs, targets in train_loader:
        inputs, targets = inputs.cuda(), targets.cuda()
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for inputs, targets in test_loader:
            correct += model(inputs.cuda()).argmax(1).eq(targets.cuda()).sum().item()
    print(f"epoch {epoch}: test acc {correct / len(test_loader.dataset):.4f}")
