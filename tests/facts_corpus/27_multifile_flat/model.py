import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)


class Net(nn.Module):
    """Traffic-sign classifier."""

    def __init__(self, num_classes):
        super().__init__()
        self.blocks = nn.Sequential(ConvBlock(3, 32), ConvBlock(32, 64), ConvBlock(64, 128))
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(128 * 6 * 6, num_classes)

    def forward(self, x):
        x = self.blocks(x).flatten(1)
        return F.softmax(self.fc(self.dropout(x)), dim=1)
