import torch.nn.functional as F
from torch import nn

N_FEATURES = 96
N_CLASSES = 7


class ForestCoverNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(N_FEATURES, 256)
        self.hidden = nn.ModuleList([nn.Linear(256, 256) for _ in range(6)])
        self.out = nn.Linear(256, N_CLASSES)

    def forward(self, x):
        x = F.relu(self.inp(x))
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)


def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)
