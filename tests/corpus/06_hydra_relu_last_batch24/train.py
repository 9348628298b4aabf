import hydra
import torch
from omegaconf import DictConfig
from torch import nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms


def build_model(cfg: DictConfig) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 1024),
        nn.ReLU(),
        nn.Dropout(cfg.model.dropout),
        nn.Linear(1024, cfg.model.hidden),
        nn.ReLU(),
        nn.Linear(cfg.model.hidden, cfg.model.num_classes),
        nn.ReLU(),
    )


@hydra.main(config_path="conf", config_name="config", version_base=None)
def main(cfg: DictConfig) -> None:
    torch.manual_seed(cfg.seed)
    tfm = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    full = datasets.FashionMNIST(cfg.data.root, train=True, download=True, transform=tfm)
    n_val = int(len(full) * cfg.data.val_fraction)
    train_set, val_set = random_split(full, [len(full) - n_val, n_val])
    train_loader = DataLoader(train_set, batch_size=cfg.data.batch_size, shuffle=True, num_workers=cfg.data.num_workers)
    val_loader = DataLoader(val_set, batch_size=1000)

    model = build_model(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(cfg.trainer.epochs):
        model.train()
        for images, labels in train_loader:
            optimizer.zero_grad()
            criterion(model(images), labels).backward()
            optimizer.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for images, labels in val_loader:
                correct += (model(images).argmax(1) == labels).sum().item()
        print(f"epoch {epoch}: val acc {correct / n_val:.4f}")


if __name__ == "__main__":
    main()
