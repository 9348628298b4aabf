import numpy as np
import torch
import yaml
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

from model import ExpressionClassifier

with open("configs/hparams.yaml") as fh:
    hp = yaml.safe_load(fh)

expr = np.load("data/expression.npy").astype("float32")
tissue = np.load("data/tissue.npy")
dataset = TensorDataset(torch.from_numpy(expr), torch.from_numpy(tissue).long())
n_val = int(len(dataset) * hp["train"]["val_split"])
train_ds, val_ds = random_split(dataset, [len(dataset) - n_val, n_val])
train_dl = DataLoader(train_ds, batch_size=hp["train"]["batch_size"], shuffle=True, drop_last=True)
val_dl = DataLoader(val_ds, batch_size=256)

model = ExpressionClassifier(
    input_dim=hp["model"]["input_dim"],
    hidden_dim=hp["model"]["hidden_dim"],
    num_classes=hp["model"]["num_classes"],
    dropout=hp["model"]["dropout"],
)
opt = torch.optim.Adam(model.parameters(), lr=hp["train"]["lr"])
loss_fn = nn.CrossEntropyLoss()

for epoch in range(hp["train"]["epochs"]):
    model.train()
    for x, y in train_dl:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    model.eval()
    hits = 0
    with torch.no_grad():
        for x, y in val_dl:
            hits += (model(x).argmax(1) == y).sum().item()
    print(epoch, hits / n_val)
