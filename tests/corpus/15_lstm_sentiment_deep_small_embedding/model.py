import torch
from torch import nn

VOCAB_SIZE = 50000


class SentimentLSTM(nn.Module):
    def __init__(self, num_classes=2, pad_idx=0):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_SIZE, 32, padding_idx=pad_idx)
        self.lstm = nn.LSTM(32, 256, num_layers=4, dropout=0.3, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * 256, num_classes)

    def forward(self, tokens, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.fc(torch.cat([h[-2], h[-1]], dim=1))
