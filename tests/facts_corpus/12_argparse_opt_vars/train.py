"""Keyword spotting on log-mel spectrograms (Speech Commands v2, 35 words)."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader

from dataset import SpeechCommands

parser = argparse.ArgumentParser("kws")
parser.add_argument(
    "--lr",
    type=float,
    default=3e-4,
    help="peak learning rate",
)
parser.add_argument("--batch-size", type=int,
                    default=96)
parser.add_argument("-e", "--eval-batch-size", dest="eval_bs", type=int, default=200)
parser.add_argument("--epochs", type=int, default=40)
parser.add_argument("--weight-decay", type=float, default=1e-2)
opt = parser.parse_args()
hparams = vars(opt)


class KWSNet(nn.Module):
    def __init__(self, n_mels=40, n_classes=35):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, 128, kernel_size=9, padding=4), nn.BatchNorm1d(128), nn.ReLU(),
            nn.Conv1d(128, 128, kernel_size=9, padding=4), nn.BatchNorm1d(128), nn.ReLU(),
        )
        self.head = nn.Linear(128, n_classes)

    def forward(self, mel):
        h = self.conv(mel).mean(dim=-1)
        return self.head(h)


train_loader = DataLoader(SpeechCommands("train"), batch_size=opt.batch_size, shuffle=True)
valid_loader = DataLoader(SpeechCommands("validation"), batch_size=opt.eval_bs)

model = KWSNet()
optimizer = optim.AdamW(model.parameters(), lr=vars(opt)["lr"], weight_decay=hparams["weight_decay"])

for epoch in range(opt.epochs):
    model.train()
    for mel, label in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(mel), label)
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        acc = [(model(mel).argmax(-1) == label).float().mean() for mel, label in valid_loader]
    print(f"epoch {epoch}: valid acc {torch.stack(acc).mean():.3f}")
