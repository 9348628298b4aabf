import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3)
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(16 * 13 * 13, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(self.drop(torch.flatten(x, 1)))


def train(model, loader, optimizer):
    model.train()
    for data, target in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(data), target).backward()
        optimizer.step()


@torch.no_grad()
def test(model, loader):
    correct = 0

    # count the right answers
    for data, target in loader:
        correct += (model(data).argmax(1) == target).sum().item()
    return correct / len(loader.dataset)


def main():
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_loader = DataLoader(datasets.MNIST("../data", train=True, download=True, transform=tf), batch_size=32, shuffle=True)
    test_loader = DataLoader(datasets.MNIST("../data", train=False, transform=tf), batch_size=1000)
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    for epoch in range(1, 15):
        train(model, train_loader, optimizer)
        print(f"epoch {epoch}: accuracy {test(model, test_loader):.4f}")


if __name__ == "__main__":
    main()
