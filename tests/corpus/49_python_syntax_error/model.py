import torch.nn as nn


class SpamClassifier(nn.Module):
    def __init__(self, vocab_size=5000, embed_dim=100, num_classes=2):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, embed_dim)
        self.fc = nn.Linear(embed_dim, num_classes)

    def forward(self, tokens, offsets):
        return self.fc(self.embed(tokens, offsets))
