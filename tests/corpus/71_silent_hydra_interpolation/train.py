import hydra
import torch
import torch.nn as nn
import torch.nn.functional as F
from omegaconf import DictConfig, OmegaConf
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

OmegaConf.register_new_resolver("eval", eval)


class ConvNet(nn.Module):
    def __init__(self, width, num_classes, drop_rate):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.BatchNorm2d(width), nn.SiLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.BatchNorm2d(2 * width), nn.SiLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.BatchNorm2d(4 * width), nn.SiLU(),
            nn.Conv2d(4 * width, 8 * width, 3, stride=2, padding=1), nn.BatchNorm2d(8 * width), nn.SiLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(drop_rate), nn.Linear(8 * width, num_classes))

    def forward(self, x):
        return self.head(self.features(x))


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    size = cfg.data.image_size
    norm = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    train_tf = transforms.Compose([transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(), transforms.ToTensor(), norm])
    eval_tf = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.ToTensor(), norm])
    train_loader = DataLoader(datasets.Flowers102(cfg.data.root, split="train", transform=train_tf), batch_size=cfg.data.batch_size, shuffle=True)
    val_loader = DataLoader(datasets.Flowers102(cfg.data.root, split="val", transform=eval_tf), batch_size=cfg.data.eval_batch_size)

    model = ConvNet(cfg.model.width, cfg.model.num_classes, cfg.model.drop_rate).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.optimizer.lr, betas=tuple(cfg.optimizer.betas), weight_decay=cfg.optimizer.weight_decay)
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1e-4, total_iters=cfg.optimizer.warmup_epochs)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.trainer.epochs - cfg.optimizer.warmup_epochs)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[cfg.optimizer.warmup_epochs])

    for epoch in range(cfg.trainer.epochs):
        model.train()
        optimizer.zero_grad()
        for step, (x, y) in enumerate(train_loader):
            loss = F.cross_entropy(model(x.cuda()), y.cuda()) / cfg.trainer.grad_accum
            loss.backward()
            if (step + 1) % cfg.trainer.grad_accum == 0:
                optimizer.step()
                optimizer.zero_grad()
        scheduler.step()

        model.eval()
        with torch.no_grad():
            acc = sum((model(x.cuda()).argmax(1).cpu() == y).sum().item() for x, y in val_loader) / len(val_loader.dataset)
        print(f"epoch {epoch}: val acc {acc:.4f}")


if __name__ == "__main__":
    main()
