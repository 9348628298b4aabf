from pathlib import Path

import torch
from torch.utils.data import Dataset


class SlideBags(Dataset):
    def __init__(self, root, split):
        self.files = sorted(Path(root, split).glob("*.pt"))

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        bag = torch.load(self.files[index])
        return bag["features"], bag["label"]
