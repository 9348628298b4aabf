import torch


def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    running = 0.0
    for step, (images, masks) in enumerate(loader):
        images, masks = images.to(device), masks.to(device)
        loss = criterion(model(images), masks)
        loss.backward()
        optimizer.step()
        running += loss.item()
    return running / len(loader)


@torch.no_grad()
def evaluate(model, loader, criterion, device):
    model.eval()
    total = 0.0
    for images, masks in loader:
        total += criterion(model(images.to(device)), masks.to(device)).item()
    return total / len(loader)
