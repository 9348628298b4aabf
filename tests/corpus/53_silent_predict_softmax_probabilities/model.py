import torch.nn as nn
from torchvision.models import efficientnet_b0


class LeafDiseaseClassifier(nn.Module):
    def __init__(self, num_classes=38):
        super().__init__()
        self.backbone = efficientnet_b0(weights=None)
        in_features = self.backbone.classifier[1].in_features
        self.backbone.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(in_features, num_classes))

    def forward(self, x):
        return self.backbone(x)
