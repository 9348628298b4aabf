import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

cfg = yaml.safe_load(open("configs/train.yaml"))


class SVHNNet(nn.Module):
    def __init__(self, width, dropout):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, 3, padding=1)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(2 * width * 8 * 8, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.drop(x.flatten(1))
        return F.log_softmax(self.fc(x), dim=1)


def main():
    torch.manual_seed(cfg["seed"])
    data_cfg = cfg["data"]
    tfm = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.44, 0.44, 0.47), (0.2, 0.2, 0.2))])
    train_ds = datasets.SVHN(data_cfg["root"], split="train", download=True, transform=tfm)
    test_ds = datasets.SVHN(data_cfg["root"], split="test", download=True, transform=tfm)
    train_loader = DataLoader(train_ds, batch_size=cfg["data"]["batch_size"], shuffle=True,
                              num_workers=data_cfg["num_workers"])
    test_loader = DataLoader(test_ds, batch_size=data_cfg["eval_batch_size"])

    model = SVHNNet(cfg["model"]["width"], cfg["model"]["dropout"])
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["optim"]["lr"],
                                 weight_decay=cfg["optim"]["weight_decay"])

    for epoch in range(cfg["train"]["epochs"]):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in test_loader:
                correct += (model(x).argmax(1) == y).sum().item()
        print(f"{cfg['experiment']} epoch {epoch}: test acc {correct / len(test_ds):.4f}")


if __name__ == "__main__":
    main()
