import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split


class GenreTagger(nn.Module):
    """A film can be several genres at once: five independent labels."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(300, 128)
        self.labels = nn.Linear(128, 5)

    def forward(self, plot_embedding):
        x = self.labels(torch.relu(self.hidden(plot_embedding)))
        return x


films = TensorDataset(torch.randn(900, 300), (torch.rand(900, 5) > 0.7).float())
train_set, val_set = random_split(films, [800, 100])
model = GenreTagger()
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(12):
    for emb, genres in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        criterion(model(emb), genres).backward()
        optimizer.step()
