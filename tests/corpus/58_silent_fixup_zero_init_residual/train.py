import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from fixup_resnet import FixupResNet

norm = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
train_loader = DataLoader(
    datasets.CIFAR10("data", train=True, download=True, transform=transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.ToTensor(), norm])),
    batch_size=32,
    shuffle=True,
)
test_loader = DataLoader(datasets.CIFAR10("data", train=False, transform=transforms.Compose([transforms.ToTensor(), norm])), batch_size=500)

model = FixupResNet().cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)

for epoch in range(30):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x.cuda()), y.cuda()).backward()
        optimizer.step()
    scheduler.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(x.cuda()).argmax(1).cpu() == y).sum().item() for x, y in test_loader)
    print(f"epoch {epoch}: test acc {correct / 10000:.4f}")
