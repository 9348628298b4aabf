import torch.nn as nn

WIDTHS = [32, 32, 32, 64, 64, 64, 128, 128, 128, 256, 256, 256]


class PlainNet13(nn.Module):
    """A 'plain' network in the sense of He et al. (2015): the same stack without shortcuts."""

    def __init__(self, num_classes=100):
        super().__init__()
        layers, cin = [], 3
        for i, cout in enumerate(WIDTHS):
            stride = 2 if i in (3, 6, 9) else 1
            layers += [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.body = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return self.fc(self.pool(self.body(x)).flatten(1))
