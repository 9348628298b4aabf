import hydra
import torch
import torch.nn.functional as F
from omegaconf import DictConfig
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def make_model(width: int, num_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.BatchNorm2d(4 * width), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(4 * width, num_classes),
    )


@hydra.main(config_path="configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig):
    stats = ((0.4467, 0.4398, 0.4066), (0.2603, 0.2566, 0.2713))
    train_tf = transforms.Compose([transforms.RandomCrop(96, padding=8), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(*stats)])
    test_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(*stats)])
    train_loader = DataLoader(datasets.STL10(cfg.data.root, split="train", transform=train_tf), batch_size=cfg.data.batch_size, shuffle=True)
    test_loader = DataLoader(datasets.STL10(cfg.data.root, split="test", transform=test_tf), batch_size=256)

    model = make_model(cfg.model.width, cfg.model.num_classes).cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.optim.lr, momentum=cfg.optim.momentum, weight_decay=cfg.optim.weight_decay)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=cfg.sched.milestones, gamma=cfg.sched.gamma)

    for epoch in range(cfg.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x.cuda()), y.cuda()).backward()
            optimizer.step()
        scheduler.step()

        model.eval()
        with torch.no_grad():
            acc = sum((model(x.cuda()).argmax(1).cpu() == y).sum().item() for x, y in test_loader) / len(test_loader.dataset)
        print(f"epoch {epoch}: test acc {acc:.4f}")


if __name__ == "__main__":
    main()
