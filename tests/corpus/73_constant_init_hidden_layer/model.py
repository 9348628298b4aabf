import torch.nn as nn
import torch.nn.functional as F


class DemandModel(nn.Module):
    """Weekly demand per store from 16 calendar and price features."""

    def __init__(self, n_features=16, hidden=64):
        super().__init__()
        self.hidden = nn.Linear(n_features, hidden)
        self.hidden2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 1)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.hidden.weight, nonlinearity="relu")
        nn.init.constant_(self.hidden2.weight, 0.01)
        nn.init.zeros_(self.hidden2.bias)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        x = F.relu(self.hidden2(x))
        return self.out(x)
