"""STL-10 classifier; the optimizer group is chosen on the command line (optim=adam|sgd)."""
import hydra
import torch
import torch.nn as nn
import torch.nn.functional as F
from omegaconf import DictConfig
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class STLNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.convs = nn.ModuleList([
            nn.Conv2d(3, 32, 3, padding=1),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.Conv2d(64, 128, 3, padding=1),
        ])
        self.norms = nn.ModuleList([nn.BatchNorm2d(c) for c in (32, 64, 128)])
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = F.max_pool2d(F.relu(norm(conv(x))), 2)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def build_optimizer(params, cfg):
    if cfg.name == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)
    return torch.optim.Adam(params, lr=cfg.lr, betas=tuple(cfg.betas))


@hydra.main(config_path="conf", config_name="config", version_base=None)
def main(cfg: DictConfig):
    tfm = transforms.Compose([
        transforms.Resize(cfg.data.image_size),
        transforms.ToTensor(),
        transforms.Normalize((0.44, 0.43, 0.40), (0.26, 0.26, 0.27)),
    ])
    train_ds = datasets.STL10("data", split="train", download=True, transform=tfm)
    test_ds = datasets.STL10("data", split="test", download=True, transform=tfm)
    train_loader = DataLoader(train_ds, batch_size=cfg.data.batch_size, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=500)

    model = STLNet()
    optimizer = build_optimizer(model.parameters(), cfg.optim)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(cfg.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader) / len(test_ds)
        print(f"epoch {epoch}: acc {acc:.3f}")


if __name__ == "__main__":
    main()
