"""Wide ResNet on CIFAR-10 under Hydra; batch size and data root come from the job environment."""
import hydra
import torch
import torch.nn as nn
import torchvision
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch.utils.data import DataLoader
from torchvision import transforms

OmegaConf.register_new_resolver("mul", lambda factor, value: int(factor) * int(value))

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_tf = transforms.Compose(
        [transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(MEAN, STD)]
    )
    test_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    train_set = torchvision.datasets.CIFAR10(cfg.data.root, train=True, download=False, transform=train_tf)
    test_set = torchvision.datasets.CIFAR10(cfg.data.root, train=False, download=False, transform=test_tf)
    train_loader = DataLoader(train_set, batch_size=cfg.data.batch_size, shuffle=True, num_workers=cfg.data.num_workers)
    test_loader = DataLoader(test_set, batch_size=cfg.data.eval_batch_size, num_workers=cfg.data.num_workers)

    model = torchvision.models.resnet18(num_classes=10).to(device)
    optimizer = instantiate(cfg.optim, params=model.parameters())
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.trainer.max_epochs, eta_min=cfg.scheduler.min_lr)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(cfg.trainer.max_epochs):
        model.train()
        for inputs, targets in train_loader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
        scheduler.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for inputs, targets in test_loader:
                correct += (model(inputs.to(device)).argmax(1).cpu() == targets).sum().item()
        print(f"epoch {epoch}: test acc {correct / len(test_set):.4f}")


if __name__ == "__main__":
    main()
