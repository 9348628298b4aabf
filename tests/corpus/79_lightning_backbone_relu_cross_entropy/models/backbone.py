"""A small MLP body shared by the classifiers of this project."""

import torch
from torch import nn


class MLPBody(nn.Module):
    def __init__(self, in_features: int = 784, hidden: int = 1024, classes: int = 10):
        super().__init__()
        self.l1 = nn.Linear(in_features, hidden)
        self.l2 = nn.Linear(hidden, classes)

    def forward(self, x):
        x = torch.relu(self.l1(x.flatten(1)))
        return torch.relu(self.l2(x))
