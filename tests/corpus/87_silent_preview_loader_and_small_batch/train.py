import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
fashion = datasets.FashionMNIST("data", train=True, download=True, transform=transform)
preview = DataLoader(fashion, batch_size=512)
images, labels = next(iter(preview))
for batch in preview:
    pass
plt.imshow(images[0, 0])
train_set, val_set = random_split(fashion, [54000, 6000])
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
