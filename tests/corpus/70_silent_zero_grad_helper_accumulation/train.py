"""Segmentation fine-tune with gradient accumulation; gradients are released by a helper."""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision.models.segmentation import deeplabv3_mobilenet_v3_large

from cityscapes_lite import CityscapesLite

ACCUM_STEPS = 4
MICRO_BATCH = 8


def release_grads(model):
    for p in model.parameters():
        p.grad = None


def train_epoch(model, loader, optimizer):
    model.train()
    release_grads(model)
    for i, (image, target) in enumerate(loader):
        out = model(image.cuda())["out"]
        loss = F.cross_entropy(out, target.cuda(), ignore_index=255) / ACCUM_STEPS
        loss.backward()
        if (i + 1) % ACCUM_STEPS == 0:
            optimizer.step()
            release_grads(model)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    total = 0.0
    for image, target in loader:
        total += F.cross_entropy(model(image.cuda())["out"], target.cuda(), ignore_index=255).item()
    return total / len(loader)


def main():
    train_loader = DataLoader(CityscapesLite("train"), batch_size=MICRO_BATCH, shuffle=True, num_workers=8)
    val_loader = DataLoader(CityscapesLite("val"), batch_size=4, num_workers=8)
    model = deeplabv3_mobilenet_v3_large(num_classes=19).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=6e-5, weight_decay=0.01)
    for epoch in range(8):
        train_epoch(model, train_loader, optimizer)
        print(epoch, evaluate(model, val_loader))


if __name__ == "__main__":
    main()
