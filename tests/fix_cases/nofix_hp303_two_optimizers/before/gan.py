import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

generator = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
adversarial = nn.BCEWithLogitsLoss()
opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
real_images = DataLoader(TensorDataset(torch.randn(1024, 784)), batch_size=64, shuffle=True)

for epoch in range(50):
    for (real,) in real_images:
        fake = generator(torch.randn(real.size(0), 64))
        d_loss = adversarial(discriminator(real), torch.ones(real.size(0), 1)) + adversarial(
            discriminator(fake.detach()), torch.zeros(real.size(0), 1)
        )
        d_loss.backward()
        opt_d.step()
        g_loss = adversarial(discriminator(fake), torch.ones(real.size(0), 1))
        g_loss.backward()
        opt_g.step()
