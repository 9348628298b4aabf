import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    """MNIST VAE: 784 -> 400 -> (mu, logvar) of 20 -> 400 -> 784."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 400)
        self.to_mu = nn.Linear(400, 20)
        self.to_logvar = nn.Linear(400, 20)
        self.from_z = nn.Linear(20, 400)
        self.to_pixels = nn.Linear(400, 784)

    def encode(self, x):
        h = F.relu(self.hidden(x))
        return self.to_mu(h), self.to_logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + std * torch.randn_like(std)

    def decode(self, z):
        return torch.sigmoid(self.to_pixels(F.relu(self.from_z(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar
