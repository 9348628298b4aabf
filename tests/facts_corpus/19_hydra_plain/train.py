import logging

import hydra
import torch
import torch.nn as nn
from omegaconf import DictConfig
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

log = logging.getLogger(__name__)


class VGGish(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            )

        self.features = nn.Sequential(block(3, 64), block(64, 128), block(128, 256))
        self.classifier = nn.Linear(256 * 4 * 4, num_classes)

    def forward(self, x):
        logits = self.classifier(self.features(x).flatten(1))
        return torch.softmax(logits, dim=-1)


@hydra.main(config_path="conf", config_name="config", version_base=None)
def main(cfg: DictConfig) -> None:
    torch.manual_seed(cfg.seed)
    tfm = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.25,) * 3)])
    train_ds = datasets.CIFAR10(cfg.dataset.root, train=True, download=True, transform=tfm)
    test_ds = datasets.CIFAR10(cfg.dataset.root, train=False, download=True, transform=tfm)
    train_loader = DataLoader(train_ds, batch_size=cfg.dataset.batch_size, shuffle=True, num_workers=8)
    test_loader = DataLoader(test_ds, batch_size=cfg.dataset.test_batch_size)

    model = VGGish().cuda()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=cfg.optimizer.lr,
        momentum=cfg.optimizer.momentum,
        weight_decay=cfg.optimizer.weight_decay,
    )
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.trainer.epochs)

    for epoch in range(cfg.trainer.epochs):
        model.train()
        for x, y in train_loader:
            x, y = x.cuda(), y.cuda()
            logits = model(x)
            loss = criterion(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in test_loader:
                correct += (model(x.cuda()).argmax(-1).cpu() == y).sum().item()
        log.info("epoch %d acc %.4f", epoch, correct / len(test_ds))


if __name__ == "__main__":
    main()
