"""Batch inference: writes the top-3 classes and their probabilities for every image in a folder."""
import argparse
import csv
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from model import LeafDiseaseClassifier

preprocess = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])


class ImageFolderFlat(Dataset):
    def __init__(self, root):
        self.paths = sorted(p for p in Path(root).iterdir() if p.suffix.lower() in {".jpg", ".png"})

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return preprocess(Image.open(self.paths[i]).convert("RGB")), str(self.paths[i])


@torch.inference_mode()
def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images")
    parser.add_argument("--weights", default="checkpoints/leaf_best.pt")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", default="predictions.csv")
    args = parser.parse_args()

    model = LeafDiseaseClassifier()
    model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    model.eval()
    classes = Path("classes.txt").read_text().split()

    loader = DataLoader(ImageFolderFlat(args.images), batch_size=args.batch_size, num_workers=4)
    with open(args.out, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "top1", "p1", "top2", "p2", "top3", "p3"])
        for images, paths in loader:
            probs = F.softmax(model(images), dim=1)
            top_p, top_i = probs.topk(3, dim=1)
            for path, ps, idx in zip(paths, top_p.tolist(), top_i.tolist()):
                writer.writerow([path] + [v for pair in zip((classes[i] for i in idx), ps) for v in pair])


if __name__ == "__main__":
    main()
