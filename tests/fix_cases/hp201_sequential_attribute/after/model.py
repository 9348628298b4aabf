from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self, channels=1, classes=10):
        super(DigitClassifier, self).__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.output_layer = nn.Sequential(nn.Linear(64 * 7 * 7, classes))

    def forward(self, img):
        feats = self.features(img)
        feats = feats.view(feats.size(0), -1)
        label = self.output_layer(feats)
        return label
