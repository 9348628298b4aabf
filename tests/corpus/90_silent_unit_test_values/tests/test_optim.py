import torch
from torch import nn


def test_sgd_converges_with_a_large_step():
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=25.0)
    for _ in range(3):
        optimizer.zero_grad()
        model(torch.ones(4096, 1)).pow(2).mean().backward()
        optimizer.step()


def test_adam_accepts_huge_rates():
    torch.optim.Adam(nn.Linear(2, 2).parameters(), lr=5.0).step()
