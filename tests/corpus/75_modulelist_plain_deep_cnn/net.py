import torch.nn as nn
import torch.nn.functional as F


class DeepPlainCNN(nn.Module):
    """Twelve 3x3 conv layers at constant width, no shortcuts (denoising autoencoder body)."""

    def __init__(self, width=64):
        super().__init__()
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.convs = nn.ModuleList([nn.Conv2d(width, width, 3, padding=1, bias=False) for _ in range(12)])
        self.norms = nn.ModuleList([nn.BatchNorm2d(width) for _ in range(12)])
        self.tail = nn.Conv2d(width, 1, 3, padding=1)
        for conv in self.convs:
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")

    def forward(self, noisy):
        x = F.relu(self.stem(noisy))
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x)))
        return self.tail(x)
