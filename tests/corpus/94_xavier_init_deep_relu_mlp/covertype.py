import pandas as pd
import torch
from torch.utils.data import Dataset


class CoverType(Dataset):
    def __init__(self, path):
        frame = pd.read_csv(path)
        self.x = torch.tensor(frame.drop(columns="cover").values, dtype=torch.float32)
        self.y = torch.tensor(frame["cover"].values - 1, dtype=torch.long)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, index):
        return self.x[index], self.y[index]
