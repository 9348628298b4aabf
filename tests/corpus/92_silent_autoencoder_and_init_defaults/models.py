import torch.nn.functional as F
from torch import nn

N_GENES = 2000


class DenoisingAutoencoder(nn.Module):
    """Compresses expression profiles to 64 numbers; the encoder narrows on purpose."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(N_GENES, 512), nn.ReLU(), nn.Linear(512, 64))
        self.decoder = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, N_GENES))

    def forward(self, x):
        noisy = F.dropout(x, p=0.2, training=self.training)
        return self.decoder(self.encoder(noisy))


class TissueClassifier(nn.Module):
    def __init__(self, n_inputs=N_GENES, hidden=128, n_tissues=12):
        super().__init__()
        self.fc1 = nn.Linear(n_inputs, hidden)
        self.fc2 = nn.Linear(hidden, n_tissues)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))
