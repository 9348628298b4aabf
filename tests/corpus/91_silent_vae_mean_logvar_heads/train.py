import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from binarized_mnist import BinarizedMNIST
from vae import VAE

train_set = BinarizedMNIST("data", split="train")
test_set = BinarizedMNIST("data", split="test")
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
test_loader = DataLoader(test_set, batch_size=32)

model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def elbo_loss(reconstruction, x, mu, logvar):
    bce = F.binary_cross_entropy(reconstruction, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


for epoch in range(10):
    model.train()
    for x, _ in train_loader:
        optimizer.zero_grad()
        loss = elbo_loss(*model(x), x)
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        test_loss = sum(elbo_loss(*model(x), x).item() for x, _ in test_loader) / len(test_set)
    print(f"epoch {epoch}: test loss {test_loss:.4f}")
