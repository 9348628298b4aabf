from torch import nn


class ToxicityClassifier(nn.Module):
    def __init__(self, vocab_size=20000, embed_dim=128, hidden=128, num_labels=6):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, mode="mean")
        self.mlp = nn.Sequential(
            nn.Linear(embed_dim, hidden),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(hidden, num_labels),
        )

    def forward(self, tokens, offsets):
        return self.mlp(self.embedding(tokens, offsets))
