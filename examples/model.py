"""Models for the CIFAR-10 example and a small sequence tagger."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvClassifier(nn.Module):
    """A small CNN for 32x32 RGB images."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x).flatten(1)
        logits = self.classifier(x)
        return F.softmax(logits, dim=1)


class SequenceTagger(nn.Module):
    """Tags every token of a sentence."""

    def __init__(self, vocab_size: int, hidden: int = 128, num_tags: int = 9) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 100)
        self.rnn = nn.RNN(100, hidden, batch_first=True)
        self.head = nn.Linear(hidden, num_tags)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out)


class AttentionPool(nn.Module):
    """Softmax here weights the sequence; it is not an output activation."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = torch.softmax(self.score(x), dim=1)
        return (weights * x).sum(dim=1)
