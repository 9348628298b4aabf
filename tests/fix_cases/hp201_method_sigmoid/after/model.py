import torch
from torch import nn


class ToxicityHead(nn.Module):
    """Six independent labels on top of a frozen sentence encoder's 384-dim embedding."""

    def __init__(self, dim: int = 384, labels: int = 6) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, 256)
        self.head = nn.Linear(256, labels)

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.proj(emb))
        return self.head(h)
