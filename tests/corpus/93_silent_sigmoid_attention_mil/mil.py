import torch
import torch.nn.functional as F
from torch import nn


class AttentionMIL(nn.Module):
    """Whole-slide classification: a bag of tile features, pooled with one learned weight per tile."""

    def __init__(self, feature_dim=1024, hidden=256, classes=2):
        super().__init__()
        self.embed = nn.Linear(feature_dim, hidden)
        self.attention = nn.Linear(hidden, 1)
        self.classifier = nn.Linear(hidden, classes)

    def pool(self, tiles, weights):
        return weights.mm(tiles) / weights.sum()

    def forward(self, bag):
        tiles = F.relu(self.embed(bag.squeeze(0)))
        weights = torch.sigmoid(self.attention(tiles)).t()
        return self.classifier(self.pool(tiles, weights))
