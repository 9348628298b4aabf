import torch.nn as nn
import torch.nn.functional as F


class PriceRegressor(nn.Module):
    """Predicts the log sale price of a house from 12 engineered features."""

    def __init__(self, in_features: int = 12, hidden: int = 64, dropout: float = 0.1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        return F.relu(self.head(self.body(x)))
