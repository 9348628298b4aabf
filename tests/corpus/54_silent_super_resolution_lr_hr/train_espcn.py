import torch
import torch.nn as nn
import yaml
from torch.utils.data import DataLoader

from sr_data import PatchPairs


class ESPCN(nn.Module):
    def __init__(self, scale=4, channels=3):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 64, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(64, 32, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, channels * scale ** 2, kernel_size=3, padding=1),
        )
        self.upsample = nn.PixelShuffle(scale)

    def forward(self, lr):
        return self.upsample(self.body(lr))


def psnr(sr, hr):
    mse = torch.mean((sr.clamp(0, 1) - hr) ** 2)
    return 10 * torch.log10(1.0 / mse)


def main():
    cfg = yaml.safe_load(open("configs/espcn_x4.yaml"))
    scale = cfg["scale"]
    train_loader = DataLoader(PatchPairs(cfg["train_dir"], cfg["hr_patch_size"], scale), batch_size=cfg["batch_size"], shuffle=True, num_workers=8)
    val_loader = DataLoader(PatchPairs(cfg["val_dir"], 256, scale, train=False), batch_size=1)

    model = ESPCN(scale).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["learning_rate"])
    l1 = nn.L1Loss()

    for epoch in range(cfg["epochs"]):
        model.train()
        for lr, hr in train_loader:
            lr, hr = lr.cuda(), hr.cuda()
            optimizer.zero_grad()
            loss = l1(model(lr), hr)
            loss.backward()
            optimizer.step()

        model.eval()
        with torch.no_grad():
            scores = [psnr(model(lr.cuda()), hr.cuda()).item() for lr, hr in val_loader]
        print(f"epoch {epoch}: val PSNR {sum(scores) / len(scores):.2f} dB")


if __name__ == "__main__":
    main()
