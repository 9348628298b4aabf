import torch.nn as nn


def conv_block(cin, cout, k):
    return nn.Sequential(
        nn.Conv3d(cin, cout, kernel_size=k, padding=k // 2, bias=False),
        nn.InstanceNorm3d(cout, affine=True),
        nn.LeakyReLU(0.01, inplace=True),
    )


class VolumeSegNet(nn.Module):
    def __init__(self, in_channels=4, num_classes=4, base_width=16):
        super().__init__()
        self.stem = nn.Conv3d(in_channels, base_width, kernel_size=9, padding=4)
        self.enc = conv_block(base_width, base_width * 2, 3)
        self.dec = conv_block(base_width * 2, base_width, 3)
        self.out = nn.Conv3d(base_width, num_classes, kernel_size=1)

    def forward(self, x):
        return self.out(self.dec(self.enc(self.stem(x))))
