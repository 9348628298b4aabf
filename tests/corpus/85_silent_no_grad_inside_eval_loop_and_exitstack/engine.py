import contextlib

import torch
from torch import nn


def validate(model, val_loader, use_amp=False):
    model.eval()
    losses = []
    for images, targets in val_loader:
        with torch.no_grad():
            logits = model(images)
        losses.append(nn.functional.cross_entropy(logits, targets).item())
    return sum(losses) / len(losses)


def test(model, test_loader, use_amp=False):
    model.eval()
    correct = 0
    with contextlib.ExitStack() as stack:
        stack.enter_context(torch.inference_mode())
        if use_amp:
            stack.enter_context(torch.autocast("cuda"))
        for images, targets in test_loader:
            correct += (model(images).argmax(1) == targets).sum().item()
    return correct
