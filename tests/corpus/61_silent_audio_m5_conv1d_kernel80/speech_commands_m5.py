"""Speech command recognition with the M5 network (Dai et al., 2017), after the torchaudio tutorial."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio
from torchaudio.datasets import SPEECHCOMMANDS


class SubsetSC(SPEECHCOMMANDS):
    def __init__(self, subset):
        super().__init__("./data", download=True)

        def load_list(filename):
            with open(os.path.join(self._path, filename)) as f:
                return [os.path.normpath(os.path.join(self._path, line.strip())) for line in f]

        if subset == "validation":
            self._walker = load_list("validation_list.txt")
        elif subset == "training":
            excludes = set(load_list("validation_list.txt") + load_list("testing_list.txt"))
            self._walker = [w for w in self._walker if w not in excludes]


class M5(nn.Module):
    def __init__(self, n_input=1, n_output=35, stride=16, n_channel=32):
        super().__init__()
        self.conv1 = nn.Conv1d(n_input, n_channel, kernel_size=80, stride=stride)
        self.bn1 = nn.BatchNorm1d(n_channel)
        self.pool1 = nn.MaxPool1d(4)
        self.conv2 = nn.Conv1d(n_channel, n_channel, kernel_size=3)
        self.bn2 = nn.BatchNorm1d(n_channel)
        self.pool2 = nn.MaxPool1d(4)
        self.conv3 = nn.Conv1d(n_channel, 2 * n_channel, kernel_size=3)
        self.bn3 = nn.BatchNorm1d(2 * n_channel)
        self.pool3 = nn.MaxPool1d(4)
        self.conv4 = nn.Conv1d(2 * n_channel, 2 * n_channel, kernel_size=3)
        self.bn4 = nn.BatchNorm1d(2 * n_channel)
        self.pool4 = nn.MaxPool1d(4)
        self.fc1 = nn.Linear(2 * n_channel, n_output)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.pool2(F.relu(self.bn2(self.conv2(x))))
        x = self.pool3(F.relu(self.bn3(self.conv3(x))))
        x = self.pool4(F.relu(self.bn4(self.conv4(x))))
        x = F.avg_pool1d(x, x.shape[-1]).permute(0, 2, 1)
        return F.log_softmax(self.fc1(x), dim=2)


def main():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_set, val_set = SubsetSC("training"), SubsetSC("validation")
    labels = sorted({datapoint[2] for datapoint in val_set})
    transform = torchaudio.transforms.Resample(orig_freq=16000, new_freq=8000)

    def collate_fn(batch):
        waves = [transform(w) for w, *_ in batch]
        waves = nn.utils.rnn.pad_sequence([w.t() for w in waves], batch_first=True).permute(0, 2, 1)
        targets = torch.tensor([labels.index(label) for _, _, label, *_ in batch])
        return waves, targets

    train_loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True, collate_fn=collate_fn, num_workers=2)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=256, collate_fn=collate_fn, num_workers=2)

    model = M5(n_output=len(labels)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.0001)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.1)

    for epoch in range(1, 3):
        model.train()
        for data, target in train_loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(data).squeeze(), target)
            loss.backward()
            optimizer.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for data, target in val_loader:
                pred = model(data.to(device)).argmax(dim=-1).squeeze()
                correct += pred.eq(target.to(device)).sum().item()
        scheduler.step()
        print(f"epoch {epoch}: validation accuracy {correct / len(val_loader.dataset):.3f}")


if __name__ == "__main__":
    main()
