import os

import numpy as np
import torch
import torch.optim as optim
from torch.nn import *
from torch.utils.data import DataLoader, TensorDataset

NUM_CLASSES = 5
SEQ_FEATURES = 40


class FrameClassifier(Module):
    """Classifies each frame of an acoustic feature sequence."""

    def __init__(self, in_features=SEQ_FEATURES, hidden=256, num_classes=NUM_CLASSES):
        super().__init__()
        self.net = Sequential(
            Linear(in_features, hidden),
            ReLU(),
            Dropout(0.3),
            Linear(hidden, hidden),
            ReLU(),
            Linear(hidden, num_classes),
            Softmax(dim=-1),
        )

    def forward(self, frames):
        return self.net(frames)


def load(path):
    arr = np.load(path)
    x = torch.from_numpy(arr["features"]).float()
    y = torch.from_numpy(arr["labels"]).long()
    return TensorDataset(x, y)


batch_size = int(os.environ["BS"])
train_loader = DataLoader(load("data/train.npz"), batch_size=batch_size, shuffle=True)
dev_loader = DataLoader(load("data/dev.npz"), batch_size=512)

model = FrameClassifier()
criterion = CrossEntropyLoss()
optimizer = optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9)

for epoch in range(20):
    model.train()
    for frames, labels in train_loader:
        optimizer.zero_grad()
        out = model(frames).view(-1, NUM_CLASSES)
        loss = criterion(out, labels.view(-1))
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        errors = sum((model(f).argmax(-1) != l).sum().item() for f, l in dev_loader)
    print(f"epoch {epoch} frame errors: {errors}")
