import h5py
import torch
from torch.utils.data import Dataset


class ExpressionProfiles(Dataset):
    def __init__(self, path):
        with h5py.File(path) as store:
            self.x = torch.log1p(torch.tensor(store["tpm"][:], dtype=torch.float32))
            self.tissue = torch.tensor(store["tissue"][:], dtype=torch.long)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index], self.tissue[index]
