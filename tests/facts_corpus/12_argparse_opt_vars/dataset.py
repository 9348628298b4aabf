import torch
import torchaudio
from torch.utils.data import Dataset
from torchaudio.datasets import SPEECHCOMMANDS


class SpeechCommands(Dataset):
    def __init__(self, subset: str, root: str = "data"):
        self.inner = SPEECHCOMMANDS(root, download=True, subset=subset)
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_mels=40)
        self.labels = sorted({item[2] for item in self.inner})

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, idx):
        wav, sr, label, *_ = self.inner[idx]
        wav = torch.nn.functional.pad(wav, (0, 16000 - wav.shape[-1]))
        return self.mel(wav).squeeze(0).log1p(), self.labels.index(label)
