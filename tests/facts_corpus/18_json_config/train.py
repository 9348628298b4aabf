import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

config = json.load(open("config.json"))


class PatchEmbedClassifier(nn.Module):
    """A tiny ViT-style model: patchify, two transformer layers, mean-pool, classify."""

    def __init__(self, image_size=64, patch=8, dim=192, num_classes=10):
        super().__init__()
        self.patchify = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        n_patches = (image_size // patch) ** 2
        self.pos = nn.Parameter(torch.zeros(1, n_patches, dim))
        layer = nn.TransformerEncoderLayer(dim, nhead=3, dim_feedforward=4 * dim, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patchify(x).flatten(2).transpose(1, 2) + self.pos
        x = self.encoder(x)
        return self.head(self.norm(x.mean(dim=1)))


def main():
    tfm = transforms.Compose([
        transforms.Resize(config["data"]["image_size"]),
        transforms.ToTensor(),
        transforms.Normalize([0.34, 0.38, 0.41], [0.2, 0.14, 0.12]),
    ])
    full = datasets.EuroSAT(config["data"]["root"], transform=tfm, download=True)
    train_set, val_set = random_split(full, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    val_loader = DataLoader(val_set, batch_size=config["eval_batch_size"])

    model = PatchEmbedClassifier(image_size=config["data"]["image_size"])
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=config["learning_rate"],
        weight_decay=config["weight_decay"],
    )

    for epoch in range(config["epochs"]):
        model.train()
        for images, labels in train_loader:
            loss = F.cross_entropy(model(images), labels, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        model.eval()
        with torch.no_grad():
            val_loss = 0.0
            for images, labels in val_loader:
                val_loss += F.cross_entropy(model(images), labels).item()
        print(json.dumps({"epoch": epoch, "val_loss": val_loss / len(val_loader)}))


if __name__ == "__main__":
    main()
