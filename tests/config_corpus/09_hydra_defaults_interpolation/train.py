"""ResNet-18 on Imagenette. python train.py [optim=sgd] [data.batch_size=...]"""
import hydra
import torch
import torch.nn as nn
from omegaconf import DictConfig
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms


def loaders(cfg: DictConfig):
    normalize = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    train_tf = transforms.Compose(
        [transforms.RandomResizedCrop(cfg.data.image_size), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize]
    )
    val_tf = transforms.Compose(
        [transforms.Resize(256), transforms.CenterCrop(cfg.data.image_size), transforms.ToTensor(), normalize]
    )
    train_set = datasets.ImageFolder(f"{cfg.data.root}/train", train_tf)
    val_set = datasets.ImageFolder(f"{cfg.data.root}/val", val_tf)
    train_loader = DataLoader(train_set, batch_size=cfg.data.batch_size, shuffle=True, num_workers=cfg.data.num_workers)
    val_loader = DataLoader(val_set, batch_size=cfg.eval.batch_size, num_workers=cfg.data.num_workers)
    return train_loader, val_loader


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    torch.manual_seed(cfg.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader, val_loader = loaders(cfg)
    model = models.resnet18(num_classes=10).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.trainer.epochs)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(cfg.trainer.epochs):
        model.train()
        for step, (images, targets) in enumerate(train_loader):
            images, targets = images.to(device), targets.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), targets)
            loss.backward()
            optimizer.step()
            if step % cfg.trainer.log_every_n_steps == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f}")
        scheduler.step()

        model.eval()
        correct = total = 0
        with torch.no_grad():
            for images, targets in val_loader:
                images, targets = images.to(device), targets.to(device)
                correct += (model(images).argmax(1) == targets).sum().item()
                total += targets.numel()
        print(f"epoch {epoch} val acc {correct / total:.4f}")


if __name__ == "__main__":
    main()
