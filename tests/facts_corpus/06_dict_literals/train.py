import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {"lr": 0.1, "batch_size": 64, "epochs": 25, "seed": 7}

HP = {
    "data": {
        "batch_size": 256,
        "num_workers": 4,
    },
    "optim": {
        "name": "adamw",
        "lr": 5e-4,
        "weight_decay": 0.05,
    },
}


class MultiLabelNet(nn.Module):
    """Predicts 12 independent tags for a 300-d document embedding."""

    def __init__(self, dim=300, n_tags=12):
        super().__init__()
        self.proj = nn.Linear(dim, 512)
        self.act = nn.GELU()
        self.norm = nn.LayerNorm(512)
        self.head = nn.Linear(512, n_tags)

    def forward(self, x):
        x = self.norm(self.act(self.proj(x)))
        return torch.sigmoid(self.head(x))


def make_dataset(split):
    blob = torch.load(f"embeddings/{split}.pt")
    return TensorDataset(blob["emb"], blob["tags"].float())


torch.manual_seed(CONFIG["seed"])
device = "cuda" if torch.cuda.is_available() else "cpu"

train_loader = DataLoader(make_dataset("train"), batch_size=CONFIG["batch_size"], shuffle=True)
val_loader = DataLoader(
    make_dataset("val"),
    batch_size=HP["data"]["batch_size"],
    num_workers=HP["data"]["num_workers"],
)

model = MultiLabelNet().to(device)
criterion = nn.BCEWithLogitsLoss()
head_opt = torch.optim.SGD(model.head.parameters(), lr=CONFIG["lr"])
optimizer = torch.optim.AdamW(
    model.parameters(), lr=HP["optim"]["lr"], weight_decay=HP["optim"]["weight_decay"]
)

# linear probe of the head first, then the full network
for phase, opt in (("probe", head_opt), ("full", optimizer)):
    for epoch in range(CONFIG["epochs"]):
        model.train()
        for emb, tags in train_loader:
            emb, tags = emb.to(device), tags.to(device)
            opt.zero_grad()
            loss = criterion(model(emb), tags)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            total = 0.0
            for emb, tags in val_loader:
                total += criterion(model(emb.to(device)), tags.to(device)).item()
        print(phase, epoch, total / len(val_loader))
