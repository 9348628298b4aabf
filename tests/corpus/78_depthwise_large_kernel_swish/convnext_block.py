"""Reduced from timm/transformers: a depthwise 9x9 convolution (ConvNeXt style) and swish
written in place are designs, not a large dense kernel or a hidden sigmoid."""
import torch
from torch import nn


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=9, padding=4, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.pwconv2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        shortcut = x
        x = self.dwconv(x).permute(0, 2, 3, 1)
        x = self.pwconv1(self.norm(x))
        x *= torch.sigmoid(x)
        x = self.pwconv2(x).permute(0, 3, 1, 2)
        return shortcut + x
