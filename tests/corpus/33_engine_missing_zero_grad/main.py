import torch
from torch import nn
from torch.utils.data import DataLoader

from engine import evaluate, train_one_epoch
from road_dataset import RoadSegmentation


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.mid = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(64, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU())
        self.head = nn.Conv2d(32, 1, 1)

    def forward(self, x):
        return self.head(self.up(self.mid(self.down(x))))


def main():
    device = "cuda"
    train_loader = DataLoader(RoadSegmentation("train"), batch_size=8, shuffle=True, num_workers=4)
    val_loader = DataLoader(RoadSegmentation("val"), batch_size=8, num_workers=4)
    model = TinyUNet().to(device)
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(25):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion, device)
        val_loss = evaluate(model, val_loader, criterion, device)
        print(f"{epoch}: train {train_loss:.4f} val {val_loss:.4f}")


if __name__ == "__main__":
    main()
