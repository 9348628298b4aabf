import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from model import DigitClassifier

tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
train = DataLoader(datasets.MNIST("data", train=True, download=True, transform=tf), batch_size=32, shuffle=True)
test = DataLoader(datasets.MNIST("data", train=False, transform=tf), batch_size=512)

classifier = DigitClassifier()
task_loss = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(classifier.parameters(), lr=2e-4, betas=(0.5, 0.999))

for epoch in range(3):
    for imgs, labels in train:
        optimizer.zero_grad()
        loss = task_loss(classifier(imgs), labels)
        loss.backward()
        optimizer.step()
