import torch
import torch.nn as nn


class GRUCellLN(nn.Module):
    """GRU cell with layer-normalised gates (hand-written so the gates can be normalised)."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.x2h = nn.Linear(input_size, 3 * hidden_size)
        self.h2h = nn.Linear(hidden_size, 3 * hidden_size)
        self.ln = nn.LayerNorm(3 * hidden_size)

    def forward(self, x, h):
        gx = self.x2h(x)
        gh = self.h2h(h)
        x_r, x_z, x_n = gx.chunk(3, dim=-1)
        h_r, h_z, h_n = self.ln(gh).chunk(3, dim=-1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return (1 - z) * n + z * h


class SensorActivity(nn.Module):
    def __init__(self, n_sensors=9, hidden=64, n_activities=6):
        super().__init__()
        self.hidden = hidden
        self.cell = GRUCellLN(n_sensors, hidden)
        self.classify = nn.Linear(hidden, n_activities)

    def forward(self, seq):
        h = seq.new_zeros(seq.size(0), self.hidden)
        for t in range(seq.size(1)):
            h = self.cell(seq[:, t], h)
        return self.classify(h)
