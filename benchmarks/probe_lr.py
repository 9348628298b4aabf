"""LR range tests side by side: `hplint probe` and torch-lr-finder on three reference recipes.

    python benchmarks/probe_lr.py [--recipes mnist_cnn,cifar_resnet18,lstm_classifier] [--timeout 60]
                                  [--skip-finder] [--json results.json]

Each recipe is a model written here, the optimizer and learning rate it is known to train well
with, and generated data with the shape of a real dataset and something to learn in it:
- mnist_cnn: the PyTorch MNIST example's Net (two convolutions, dropout, log-softmax) on 28×28
  grey digit-like images, 10 classes of a few pen strokes each, shifted, scaled and noised;
  Adadelta lr 1.0, batch 64, as the example trains it (mnist_cnn_adam: Adam lr 1e-3);
- cifar_resnet18: a ResNet-18 written the torchvision way (7×7 stem, max pool, four stages of
  two basic blocks) on 32×32 colour images, 10 classes of a class colour, an oriented grating and
  a blob, shifted and noised; SGD lr 0.1, momentum 0.9, weight decay 5e-4, batch 128;
- lstm_classifier: an embedding, a 2-layer LSTM (dropout 0.2) and a linear head on the last
  hidden state, over 64 token ids from a 5,000-word vocabulary, 4 classes: Zipf-distributed
  filler with 40 % of the tokens drawn from the class's own 50 topic words; Adam lr 1e-3, batch 64.
The module's factories return bundles (model, optimizer, loss, data), so the probe reads them
as a user's factory: `hplint probe benchmarks/probe_lr.py:cifar_resnet18`.

For each recipe, in one run:
- hplint: the whole probe (every check) in a subprocess, `--timeout` seconds at most, timed from
  start to exit; HP904's range (the intersection of its sweeps' ranges), each sweep's range,
  and whether the known-good lr lies in the range;
- torch-lr-finder: `LRFinder.range_test` on the same model, data and optimizer, seeds 0, 1, 2
  (each in a subprocess set up as the probe's child: the same thread count, passive OpenMP
  waiting), over hplint's span for that optimizer, 100 iterations, its default smoothing and
  divergence threshold; its suggestion is the steepest gradient its `plot(suggest_lr=True)`
  reports. torch-lr-finder is pip-installed into this environment when it is missing; it is
  never a dependency of hplint.

Targets (issue 15): hplint's range holds the known-good lr in every recipe, its sweeps' ranges
overlap, HP904 never fails on a known-good lr, and the whole probe takes at most 60 s.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
FINDER_PACKAGE = "torch-lr-finder"
FINDER_ITERATIONS = 100

# recipe -> (known-good lr, what it is)
RECIPES = {
    "mnist_cnn": (1.0, "MNIST-like CNN (the PyTorch example's Net), Adadelta lr 1.0, batch 64"),
    "mnist_cnn_adam": (1e-3, "MNIST-like CNN (the PyTorch example's Net), Adam lr 1e-3, batch 64"),
    "cifar_resnet18": (0.1, "CIFAR-like ResNet-18 (torchvision style), SGD lr 0.1 momentum 0.9 wd 5e-4, batch 128"),
    "lstm_classifier": (1e-3, "LSTM classifier over token ids, Adam lr 1e-3, batch 64"),
}
DEFAULT_RECIPES = ("mnist_cnn", "cifar_resnet18", "lstm_classifier")


# ---------------------------------------------------------------- data with something to learn


def _blur(images: torch.Tensor, size: int = 5, sigma: float = 1.0) -> torch.Tensor:
    offsets = torch.arange(size, dtype=torch.float32) - size // 2
    kernel = torch.exp(-(offsets**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    channels = images.shape[1]
    images = F.conv2d(images, kernel.view(1, 1, 1, size).expand(channels, 1, 1, size), padding=(0, size // 2), groups=channels)
    return F.conv2d(images, kernel.view(1, 1, size, 1).expand(channels, 1, size, 1), padding=(size // 2, 0), groups=channels)


@functools.lru_cache(maxsize=None)
def digits(count: int = 6000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """28×28 grey images of 10 classes: three pen strokes per class, shifted ±3 pixels, scaled, noised."""
    generator = torch.Generator().manual_seed(1234)  # the classes' strokes: the same for every sample seed
    templates = torch.zeros(10, 1, 28, 28)
    for label in range(10):
        for _ in range(3):
            y, x = torch.randint(6, 22, (2,), generator=generator).tolist()
            angle = float(torch.rand(1, generator=generator)) * 2 * math.pi
            for _ in range(12):
                angle += float(torch.randn(1, generator=generator)) * 0.5
                y = min(23, max(4, y + round(math.sin(angle) * 1.5)))
                x = min(23, max(4, x + round(math.cos(angle) * 1.5)))
                templates[label, 0, y, x] = 1.0
    templates = _blur(templates)
    templates = templates / templates.amax(dim=(2, 3), keepdim=True)
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (count,), generator=generator)
    shifts = torch.randint(-3, 4, (count, 2), generator=generator).tolist()
    images = torch.stack([torch.roll(templates[label], (dy, dx), dims=(1, 2)) for label, (dy, dx) in zip(labels.tolist(), shifts)])
    images = images * (0.6 + 0.8 * torch.rand(count, 1, 1, 1, generator=generator))
    images = (images + 0.35 * torch.randn(images.shape, generator=generator)).clamp(0, 1)
    return (images - 0.1307) / 0.3081, labels  # MNIST's normalisation


@functools.lru_cache(maxsize=None)
def tiny_images(count: int = 6000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """32×32 colour images of 10 classes: a class colour, an oriented grating and a blob, shifted and noised."""
    generator = torch.Generator().manual_seed(1234)
    colours = torch.rand(10, 3, generator=generator)
    frequencies = 0.2 + 0.5 * torch.rand(10, generator=generator)
    angles = torch.rand(10, generator=generator) * math.pi
    generator = torch.Generator().manual_seed(seed)
    rows, columns = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    labels = torch.randint(0, 10, (count,), generator=generator)
    phase = (torch.rand(count, generator=generator) * 2 * math.pi).view(count, 1, 1)
    frequency, angle = frequencies[labels].view(count, 1, 1), angles[labels].view(count, 1, 1)
    grating = torch.sin(frequency * (columns * torch.cos(angle) + rows * torch.sin(angle)) + phase)
    centre_y, centre_x = (8 + 16 * torch.rand(count, 2, generator=generator)).unbind(1)
    blob = torch.exp(-((rows - centre_y.view(count, 1, 1)) ** 2 + (columns - centre_x.view(count, 1, 1)) ** 2) / 40)
    colour = (colours[labels] + 0.25 * torch.randn(count, 3, generator=generator)).view(count, 3, 1, 1)
    images = 0.5 * colour * (1 + 0.5 * grating).unsqueeze(1) + 0.5 * blob.unsqueeze(1) * colour
    images = images + 0.3 * torch.randn(images.shape, generator=generator)
    mean, std = images.mean(dim=(0, 2, 3), keepdim=True), images.std(dim=(0, 2, 3), keepdim=True)
    return (images - mean) / std, labels


@functools.lru_cache(maxsize=None)
def reviews(count: int = 6000, seed: int = 0, vocabulary: int = 5000, length: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids of 4 classes: Zipf-distributed filler, 40 % of the tokens from the class's own 50 topic words."""
    classes, topic_words, topical = 4, 50, 0.4
    generator = torch.Generator().manual_seed(seed)
    ranks = torch.arange(1, vocabulary - classes * topic_words + 1, dtype=torch.float32)
    zipf = (1 / ranks) / (1 / ranks).sum()
    filler = torch.multinomial(zipf, count * length, replacement=True, generator=generator).view(count, length)
    filler = filler + classes * topic_words
    labels = torch.randint(0, classes, (count,), generator=generator)
    topics = labels.view(count, 1) * topic_words + torch.randint(0, topic_words, (count, length), generator=generator)
    return torch.where(torch.rand(count, length, generator=generator) < topical, topics, filler), labels


def _loader(data: tuple[torch.Tensor, torch.Tensor], batch_size: int) -> DataLoader:
    return DataLoader(
        TensorDataset(*data), batch_size=batch_size, shuffle=True, drop_last=True,
        generator=torch.Generator().manual_seed(0),
    )


# ---------------------------------------------------------------- models


class Net(nn.Module):
    """The PyTorch MNIST example's network."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18(nn.Module):
    """ResNet-18 the way torchvision builds it: a 7×7 stride-2 stem, a max pool, four stages of two blocks."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._stage(64, 1)
        self.layer2 = self._stage(128, 2)
        self.layer3 = self._stage(256, 2)
        self.layer4 = self._stage(512, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def _stage(self, planes: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        blocks = [BasicBlock(self.inplanes, planes, stride, downsample), BasicBlock(planes, planes)]
        self.inplanes = planes
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class LSTMClassifier(nn.Module):
    def __init__(self, vocabulary: int = 5000, embedding: int = 64, hidden: int = 128, classes: int = 4) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=2, batch_first=True, dropout=0.2)
        self.head = nn.Linear(hidden, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(self.embed(tokens))
        return self.head(hidden[-1])


# ---------------------------------------------------------------- the recipes, as the probe reads them


def mnist_cnn() -> dict[str, Any]:
    model = Net()
    return {"model": model, "optimizer": torch.optim.Adadelta(model.parameters(), lr=1.0), "loss": F.nll_loss,
            "data": _loader(digits(), 64)}


def mnist_cnn_adam() -> dict[str, Any]:
    model = Net()
    return {"model": model, "optimizer": torch.optim.Adam(model.parameters(), lr=1e-3), "loss": F.nll_loss,
            "data": _loader(digits(), 64)}


def cifar_resnet18() -> dict[str, Any]:
    model = ResNet18()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    return {"model": model, "optimizer": optimizer, "loss": nn.CrossEntropyLoss(), "data": _loader(tiny_images(), 128)}


def lstm_classifier() -> dict[str, Any]:
    model = LSTMClassifier()
    return {"model": model, "optimizer": torch.optim.Adam(model.parameters(), lr=1e-3), "loss": nn.CrossEntropyLoss(),
            "data": _loader(reviews(), 64)}


# ---------------------------------------------------------------- hplint


def run_hplint(recipe: str, timeout: float, *select: str) -> dict[str, Any]:
    # From the benchmarks folder, as a user runs it from their project: the facts read are this folder's.
    command = [sys.executable, "-m", "hplint", "probe", f"{HERE.name}:{recipe}", "--format", "json",
               "--timeout", f"{timeout:g}", *(("--select", ",".join(select)) if select else ())]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=HERE.parent, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    try:
        probe = json.loads(done.stdout)["probe"]
    except (ValueError, KeyError):
        return {"seconds": seconds, "error": done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]}
    checks = {check["code"]: check for check in probe["checks"]}
    lr_check = checks.get("HP904", {})
    details = lr_check.get("details", {})
    return {
        "seconds": seconds, "exit": done.returncode,
        "statuses": {code: check["status"] for code, check in checks.items()},
        "hp904": lr_check.get("status"), "message": lr_check.get("message", ""), "measured": lr_check.get("measured", ""),
        "range": details.get("suggested_range"), "suggested": details.get("suggested_lr"),
        "sweeps": [sweep.get("range") for sweep in details.get("sweeps", [])],
        "steps": details.get("steps"), "seconds_per_step": details.get("seconds_per_step"),
        "span": details.get("span"), "recipe": probe.get("recipe", {}), "errors": probe.get("errors", []),
    }


# ---------------------------------------------------------------- torch-lr-finder


def ensure_finder() -> None:
    if importlib.util.find_spec("torch_lr_finder") is not None:
        return
    print(f"installing {FINDER_PACKAGE} into {sys.prefix} (for this benchmark only) ...", file=sys.stderr)
    pinned = f"torch=={torch.__version__}"  # never let pip replace the torch build hplint is measured with
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", FINDER_PACKAGE, pinned], check=True)


def run_finder(recipe: str, seed: int) -> dict[str, Any]:
    """One torch-lr-finder range test in a subprocess set up as the probe's child (threads, OpenMP)."""
    from hplint.probe.threads import CHILD_ENVIRONMENT

    command = [sys.executable, str(HERE), "--finder", recipe, "--seed", str(seed)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**CHILD_ENVIRONMENT, **os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"seconds": seconds, "error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return {**json.loads(lines[-1]), "seconds": seconds}


def finder_child(recipe: str, seed: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from torch_lr_finder import LRFinder

    from hplint.probe import lr_range
    from hplint.probe.threads import busy_cores, thread_count, usable_cores

    torch.manual_seed(seed)
    bundle = globals()[recipe]()
    model, optimizer = bundle["model"], bundle["optimizer"]
    threads = thread_count(sum(p.numel() for p in model.parameters()), usable_cores(), busy_cores(), os.environ)
    if threads is not None:
        torch.set_num_threads(threads)
    start, end = lr_range.span(type(optimizer).__name__)
    finder = LRFinder(model, optimizer, bundle["loss"], device="cpu")
    started = time.perf_counter()
    finder.range_test(bundle["data"], start_lr=start, end_lr=end, num_iter=FINDER_ITERATIONS)
    seconds = time.perf_counter() - started
    figure, axes = plt.subplots()
    plotted = finder.plot(suggest_lr=True, ax=axes)
    plt.close(figure)
    suggested = plotted[1] if isinstance(plotted, tuple) else None
    print(json.dumps({"suggested": suggested, "test_seconds": seconds, "threads": threads}))


# ---------------------------------------------------------------- the table


def within(lr: float, bounds: list[float] | None) -> bool:
    return bool(bounds) and bounds[0] <= lr <= bounds[1]


def overlap(ranges: list[list[float] | None]) -> bool:
    if not ranges or any(bounds is None for bounds in ranges):
        return False
    return max(bounds[0] for bounds in ranges) <= min(bounds[1] for bounds in ranges)


def describe(recipe: str, known: float, probe: dict[str, Any], finder: list[dict[str, Any]]) -> list[str]:
    lines = [f"{recipe}: {RECIPES[recipe][1]}"]
    if "error" in probe:
        lines.append(f"  hplint: no report ({probe['error']}), {probe['seconds']:.0f} s")
    else:
        bounds = probe["range"]
        shown = f"{bounds[0]:.1e} to {bounds[1]:.1e}" if bounds else "none"
        sweeps = ", ".join(f"{b[0]:.1e}–{b[1]:.1e}" if b else "none" for b in probe["sweeps"]) or "none"
        lines.append(
            f"  hplint HP904 {probe['hp904']}: range {shown}, suggested {_number(probe['suggested'])}; "
            f"sweeps {sweeps} ({probe['steps']} steps, {_number(probe['seconds_per_step'])} s/step)"
        )
        lines.append(
            f"    known-good {known:g} in range: {'yes' if within(known, bounds) else 'no'}; sweeps overlap: "
            f"{'yes' if overlap(probe['sweeps']) else 'no'}; HP904 failed: {'yes' if probe['hp904'] == 'fail' else 'no'}; "
            f"whole probe {probe['seconds']:.1f} s ({', '.join(f'{c} {s}' for c, s in sorted(probe['statuses'].items()))})"
        )
        if probe["message"] and probe["hp904"] != "pass":
            lines.append(f"    {probe['message']}")
    if finder:
        suggestions = [run.get("suggested") for run in finder]
        ratios = [f"{value / known:.2g}×" for value in suggestions if value]
        lines.append(
            f"  torch-lr-finder suggestions (seeds 0-2): {', '.join(_number(value) for value in suggestions)} "
            f"= {', '.join(ratios) or '-'} the known-good lr; "
            f"{', '.join(format(run['seconds'], '.0f') for run in finder)} s"
            + ("".join(f"; error: {run['error']}" for run in finder if "error" in run))
        )
    return lines


def _number(value: float | None) -> str:
    return f"{value:.1e}" if isinstance(value, (int, float)) else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", default=",".join(DEFAULT_RECIPES))
    parser.add_argument("--timeout", type=float, default=60.0, help="the probe's --timeout (the target is 60 s)")
    parser.add_argument("--long-timeout", type=float, default=300.0,
                        help="when HP904 had too little time, run it alone with this --timeout too (0: never)")
    parser.add_argument("--skip-finder", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--finder", help=argparse.SUPPRESS)  # internal: one torch-lr-finder run
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.finder:
        finder_child(arguments.finder, arguments.seed)
        return 0
    recipes = [name.strip() for name in arguments.recipes.split(",") if name.strip()]
    unknown = [name for name in recipes if name not in RECIPES]
    if unknown:
        parser.error(f"unknown recipes {unknown}; known: {', '.join(RECIPES)}")
    if not arguments.skip_finder:
        ensure_finder()
    results: dict[str, Any] = {}
    met = {"in range": True, "overlap": True, "no failure": True, "60 s": True}
    for recipe in recipes:
        known = RECIPES[recipe][0]
        probe = run_hplint(recipe, arguments.timeout)
        longer = None
        if arguments.long_timeout and "too slow" in str(probe.get("message", "")) + str(probe.get("measured", "")):
            longer = run_hplint(recipe, arguments.long_timeout, "HP904")
        finder = [] if arguments.skip_finder else [run_finder(recipe, seed) for seed in range(3)]
        results[recipe] = {"known_good": known, "hplint": probe, "hplint_hp904_alone": longer, "torch_lr_finder": finder}
        print("\n".join(describe(recipe, known, probe, finder)), flush=True)
        if longer is not None:
            print(f"  with --select HP904 --timeout {arguments.long_timeout:g}:", flush=True)
            print("\n".join(describe(recipe, known, longer, [])[1:]), flush=True)
        met["in range"] &= within(known, probe.get("range"))
        met["overlap"] &= overlap(probe.get("sweeps", []))
        met["no failure"] &= probe.get("hp904") != "fail"
        met["60 s"] &= probe.get("seconds", math.inf) <= 60
    print("targets: " + "; ".join(f"{name}: {'met' if value else 'NOT met'}" for name, value in met.items()))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
