"""A small Fixup ResNet (Zhang et al., 2019): no normalisation layers, zero-initialised residual branches."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class FixupBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bias1a = nn.Parameter(torch.zeros(1))
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bias1b = nn.Parameter(torch.zeros(1))
        self.bias2a = nn.Parameter(torch.zeros(1))
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.scale = nn.Parameter(torch.ones(1))
        self.bias2b = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        out = F.relu(self.conv1(x + self.bias1a) + self.bias1b)
        out = self.conv2(out + self.bias2a) * self.scale + self.bias2b
        return F.relu(out + x)


class FixupResNet(nn.Module):
    def __init__(self, num_classes=10, width=64, num_blocks=2):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.blocks = nn.Sequential(FixupBlock(width), FixupBlock(width))
        self.fc = nn.Linear(width, num_classes)
        for block in self.blocks:
            nn.init.normal_(block.conv1.weight, mean=0, std=(2 / (9 * width)) ** 0.5 * num_blocks ** -0.5)
            nn.init.zeros_(block.conv2.weight)
        nn.init.zeros_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
