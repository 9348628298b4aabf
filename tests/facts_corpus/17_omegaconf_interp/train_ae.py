"""Convolutional autoencoder on MNIST, configured with OmegaConf."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from omegaconf import OmegaConf
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class AutoEncoder(nn.Module):
    def __init__(self, latent_dim: int):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(32 * 7 * 7, latent_dim),
        )
        self.dec_fc = nn.Linear(latent_dim, 32 * 7 * 7)
        self.dec = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
        )

    def forward(self, x):
        z = self.enc(x)
        h = self.dec_fc(z).view(-1, 32, 7, 7)
        return torch.sigmoid(self.dec(h))


cfg = OmegaConf.load("configs/train.yaml")
print(OmegaConf.to_yaml(cfg))

tfm = transforms.ToTensor()
train_set = datasets.MNIST(cfg.data.root, train=True, download=True, transform=tfm)
val_set = datasets.MNIST(cfg.data.root, train=False, download=True, transform=tfm)
train_loader = DataLoader(train_set, batch_size=cfg.data.batch_size, shuffle=True,
                          num_workers=cfg.data.num_workers)
val_loader = DataLoader(val_set, batch_size=cfg.val.batch_size)

model = AutoEncoder(cfg.model.latent_dim)
optimizer = torch.optim.Adam(model.parameters(), lr=cfg.optim.lr, betas=tuple(cfg.optim.betas))

for epoch in range(cfg.trainer.epochs):
    model.train()
    for x, _ in train_loader:
        recon = model(x)
        loss = F.binary_cross_entropy(recon, x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(model(x), x).item() for x, _ in val_loader) / len(val_loader)
    print(f"epoch {epoch}: train bce {loss.item():.4f}, val mse {val:.4f}")
