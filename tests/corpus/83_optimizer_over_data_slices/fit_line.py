"""Fit y = a*x0 + b*x1 by gradient descent."""

import torch

torch.manual_seed(0)
x = torch.randn(500, 2)
y = 1.5 * x[:, 0] - 0.7 * x[:, 1] + 0.05 * torch.randn(500)
x_train, x_test = x[:400], x[400:]
y_train, y_test = y[:400], y[400:]

a = torch.zeros(1)
b = torch.zeros(1)
optimizer = torch.optim.SGD([x_train[:, 0], x_train[:, 1]], lr=0.01)
for step in range(1000):
    optimizer.zero_grad()
    prediction = a * x_train[:, 0] + b * x_train[:, 1]
    loss = ((prediction - y_train) ** 2).mean()
    loss.backward()
    optimizer.step()
print(((a * x_test[:, 0] + b * x_test[:, 1] - y_test) ** 2).mean())
