"""Reduced from timm: an attention block's q/k/v/out projections are four Linear layers but not
a deep MLP, and a patch embedding built on one of two branches is not 2 x 3 convolutions."""
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int = 8):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.q(x), self.k(x), self.v(x)
        attn = (q @ k.transpose(-2, -1)) * (c ** -0.5)
        return self.proj(attn.softmax(dim=-1) @ v)


class PatchEmbed(nn.Module):
    def __init__(self, embed_dim: int = 768, multi_conv: bool = False):
        super().__init__()
        if multi_conv:
            self.proj = nn.Sequential(
                nn.Conv2d(3, embed_dim // 4, kernel_size=7, stride=4, padding=3),
                nn.ReLU(inplace=True),
                nn.Conv2d(embed_dim // 4, embed_dim // 2, kernel_size=3, stride=2, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(embed_dim // 2, embed_dim, kernel_size=3, stride=2, padding=1),
            )
        else:
            self.proj = nn.Conv2d(3, embed_dim, kernel_size=16, stride=16)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)
