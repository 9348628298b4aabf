import json

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from net import TrafficSignNet

with open("configs/train_config.json") as f:
    config = json.load(f)

tf = transforms.Compose([
    transforms.Resize((32, 32)),
    transforms.ToTensor(),
    transforms.Normalize((0.3403, 0.3121, 0.3214), (0.2724, 0.2608, 0.2669)),
])
train_set = datasets.GTSRB(config["data_dir"], split="train", transform=tf, download=True)
test_set = datasets.GTSRB(config["data_dir"], split="test", transform=tf, download=True)
train_loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
test_loader = DataLoader(test_set, batch_size=512)

model = TrafficSignNet(config["num_classes"])
optimizer = torch.optim.Adam(model.parameters(), lr=config["learning_rate"], weight_decay=config["weight_decay"])

for epoch in range(config["epochs"]):
    model.train()
    for images, labels in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += (model(images).argmax(1) == labels).sum().item()
    print(f"epoch {epoch}: test acc {correct / len(test_set):.4f}")
