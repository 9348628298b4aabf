import torch
import torch.nn as nn
from torchvision.models import resnet34


class PlanetTagger(nn.Module):
    """Multi-label tags for Amazon rainforest satellite chips (17 tags)."""

    def __init__(self, num_tags=17):
        super().__init__()
        self.backbone = resnet34(weights="IMAGENET1K_V1")
        self.backbone.fc = nn.Linear(self.backbone.fc.in_features, num_tags)

    def forward(self, x):
        return torch.sigmoid(self.backbone(x))
