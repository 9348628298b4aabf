import random
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Dataset


class PatchPairs(Dataset):
    """Random HR crops and their bicubic-downscaled LR (low-resolution) counterparts."""

    def __init__(self, root, hr_size, scale, train=True):
        self.paths = sorted(Path(root).glob("*.png"))
        self.hr_size, self.scale, self.train = hr_size, scale, train

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        img = np.asarray(Image.open(self.paths[i]).convert("RGB"), dtype=np.float32) / 255.0
        hr = torch.from_numpy(img).permute(2, 0, 1)
        top = random.randint(0, hr.shape[1] - self.hr_size) if self.train else 0
        left = random.randint(0, hr.shape[2] - self.hr_size) if self.train else 0
        hr = hr[:, top : top + self.hr_size, left : left + self.hr_size]
        lr = F.interpolate(hr.unsqueeze(0), scale_factor=1 / self.scale, mode="bicubic", align_corners=False).squeeze(0)
        if self.train and random.random() < 0.5:
            lr, hr = lr.flip(-1), hr.flip(-1)
        return lr.clamp(0, 1), hr
