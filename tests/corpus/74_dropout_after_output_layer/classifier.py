import torch.nn as nn


class PollenClassifier(nn.Module):
    def __init__(self, num_classes=23):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(128, num_classes)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = self.fc(self.features(x).flatten(1))
        return self.drop(x)
