import numpy as np
import torch
from torch.utils.data import Dataset


class BinarizedMNIST(Dataset):
    """Pixels thresholded to {0, 1}: the targets of the Bernoulli likelihood."""

    def __init__(self, root, split):
        images = np.load(f"{root}/mnist_{split}.npy").astype(np.float32) / 255.0
        self.images = torch.from_numpy((images > 0.5).astype(np.float32))

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index], 0
