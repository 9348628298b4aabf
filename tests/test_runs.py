"""Runs (SPEC §5b): a folder of programs is linted as programs, and facts never cross from one to another."""

from __future__ import annotations

import textwrap

from conftest import run_hplint

# A Lightning example: its Trainer accumulates 8 batches per step.
LIGHTNING_ACCUMULATES = """
import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms


class LitAutoEncoder(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return nn.functional.mse_loss(self.decoder(self.encoder(x)), x)

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", nn.functional.mse_loss(self.decoder(self.encoder(x)), x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


if __name__ == "__main__":
    dataset = datasets.MNIST("data", download=True, transform=transforms.ToTensor())
    train_set, val_set = random_split(dataset, [55000, 5000])
    trainer = L.Trainer(max_epochs=5, accumulate_grad_batches=8)
    trainer.fit(LitAutoEncoder(), DataLoader(train_set, batch_size=4), DataLoader(val_set, batch_size=256))
"""

# A plain PyTorch example in another folder: batch 16, no accumulation of its own.
PLAIN_MNIST = """
import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 32, 3)
        self.fc = nn.Linear(32 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.conv(x)), 1))


def train(model, loader, optimizer):
    model.train()
    for data, target in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(data), target).backward()
        optimizer.step()


def test(model, loader):
    model.eval()
    with torch.no_grad():
        for data, target in loader:
            print(F.cross_entropy(model(data), target).item())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default={batch})
    parser.add_argument("--epochs", type=int, default=14)
    args = parser.parse_args()
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_loader = DataLoader(datasets.MNIST("data", train=True, transform=transform), batch_size=args.batch_size)
    test_loader = DataLoader(datasets.MNIST("data", train=False, transform=transform), batch_size=1000)
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, args.epochs + 1):
        train(model, train_loader, optimizer)
        test(model, test_loader)
        scheduler.step()


if __name__ == "__main__":
    main()
"""


def plain_mnist(batch: int = 16) -> str:
    return PLAIN_MNIST.replace("{batch}", str(batch))


def test_one_scripts_accumulation_does_not_multiply_another_scripts_batch(project):
    linted = project({
        "autoencoder/train.py": LIGHTNING_ACCUMULATES,
        "mnist/main.py": plain_mnist(batch=16),
        "mnist_big/main.py": plain_mnist(batch=64),
    })
    messages = {(f["path"], f["line"]): f["message"] for f in linted.findings("HP101")}
    # 16 stays 16: the autoencoder's accumulation of 8 belongs to its own run only.
    assert not any(path == "mnist/main.py" for path, _ in messages)
    [big] = [message for (path, _), message in messages.items() if path == "mnist_big/main.py"]
    assert "accumulation" not in big and ": 64 samples per optimizer step" in big
    # The autoencoder's own batch of 4 is 32 per step with its accumulation: not above 32.
    assert not any(path.startswith("autoencoder/") for path, _ in messages)


TRAIN_FROM_PY_CONFIG = """
import sys

import torch
from torch.utils.data import DataLoader

batch_size = 12
learning_rate = 6e-4
exec(open(sys.argv[1]).read())

loader = DataLoader(dataset, batch_size=batch_size)
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
for x, y in loader:
    optimizer.zero_grad()
    model(x, y).backward()
    optimizer.step()
"""


def test_a_launch_lines_devices_multiply_only_the_configs_it_launches(project):
    linted = project({
        "train.py": TRAIN_FROM_PY_CONFIG,
        "config/a.yaml": "data:\n  batch_size: 16\noptim:\n  lr: 0.0006\n",
        "config/b.yaml": "data:\n  batch_size: 16\noptim:\n  lr: 0.0003\n",
        "launch.sh": "torchrun --standalone --nproc_per_node=8 train.py config/a.yaml\npython train.py config/b.yaml\n",
    })
    findings = {f["path"]: f["message"] for f in linted.findings("HP101")}
    assert "× 8 devices (launch.sh:1) = 128 samples per optimizer step" in findings["config/a.yaml"]
    assert "config/b.yaml" not in findings


def test_a_config_launched_by_one_of_two_launch_lines_is_multiplied_by_that_line_only(project):
    linted = project({
        "train.py": TRAIN_FROM_PY_CONFIG,
        "config/small.yaml": "data:\n  batch_size: 8\noptim:\n  lr: 0.0006\n",
        "scripts/single.sh": "python train.py config/small.yaml\n",
        "scripts/multi.sh": "cd ..\ntorchrun --nproc_per_node=2 train.py config/small.yaml\n",
    })
    # 8 × 2 = 16 from the two-device line, 8 from the single one: nothing above 32.
    assert linted.findings("HP101") == []
    runs = run_hplint(".", "--show-runs", "--format", "json", cwd=linted.root).json()["runs"]
    launched = {run["launch"]["path"]: run for run in runs if run["launch"]}
    assert launched["scripts/multi.sh"]["configs"] == ["config/small.yaml"]
    assert launched["scripts/multi.sh"]["launch"]["devices"] == 2
    assert launched["scripts/single.sh"]["launch"]["devices"] is None


RESNET_TRAIN = """
import argparse

import torch
from torch import nn
from torchvision import models

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
args = parser.parse_args()
model = models.resnet18()
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
for images, labels in loader:
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(images), labels).backward()
    optimizer.step()
"""


def test_a_makefile_launches_the_script_in_its_own_folder(project):
    linted = project({
        "a_resnet/train.py": RESNET_TRAIN,
        "b_mlp/train.py": RESNET_TRAIN.replace("models.resnet18()", "nn.Sequential(nn.Linear(20, 3))"),
        "b_mlp/Makefile": "train:\n\tpython train.py --lr 3.0\n",
    })
    [finding] = linted.findings("HP103")
    assert (finding["path"], finding["line"]) == ("b_mlp/Makefile", 2)
    assert "(used at b_mlp/train.py:11)" in finding["message"]


def test_a_root_makefile_that_changes_folder_launches_that_folders_script(project):
    linted = project({
        "a_resnet/train.py": RESNET_TRAIN,
        "b_mlp/train.py": RESNET_TRAIN,
        "Makefile": "mlp:\n\tcd b_mlp && python train.py --lr 3.0\n",
    })
    [finding] = linted.findings("HP103")
    assert "(used at b_mlp/train.py:11)" in finding["message"]


HYDRA_TRAIN = """
import hydra
import torch


@hydra.main(config_path="conf", config_name="config", version_base=None)
def main(cfg):
    model = build_model(cfg.model)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.optim.lr, momentum=0.9)
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
"""


def test_hydra_overrides_of_a_makefile_reach_only_the_script_it_launches(project):
    config = "optim:\n  lr: 0.1\nmodel:\n  depth: 18\n"
    linted = project({
        "a_resnet/train.py": HYDRA_TRAIN,
        "a_resnet/conf/config.yaml": config,
        "b_mlp/train.py": HYDRA_TRAIN,
        "b_mlp/conf/config.yaml": config,
        "b_mlp/Makefile": "train:\n\tpython train.py optim.lr=3.0 model.depth=4\n",
    })
    [finding] = linted.findings("HP103")
    assert (finding["path"], finding["line"]) == ("b_mlp/Makefile", 2)
    assert "(used at b_mlp/train.py:8)" in finding["message"]


EVALUATES_WITHOUT_EVAL_MODE = """
import torch
from torch import nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), {extra}nn.Linear(64, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for x, y in train_loader:
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
with torch.no_grad():
    for x, y in val_loader:
        print((model(x).argmax(1) == y).float().mean())
"""


def test_one_tutorials_batch_norm_does_not_switch_eval_mode_on_for_another(project):
    linted = project({
        "tutorial_bn/train.py": EVALUATES_WITHOUT_EVAL_MODE.format(extra="nn.BatchNorm1d(64), "),
        "tutorial_plain/train.py": EVALUATES_WITHOUT_EVAL_MODE.format(extra=""),
    })
    assert [finding["path"] for finding in linted.findings("HP304")] == ["tutorial_bn/train.py"]


SGD_NO_VALIDATION = """
import torch
from torch import nn
from torchvision import transforms

transform = transforms.Compose([transforms.ToTensor()])
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(100):
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
"""

VALIDATES_AND_SCHEDULES = """
import torch
from torch import nn
from torch.utils.data import random_split
from torchvision import transforms
from lightning.pytorch.callbacks import EarlyStopping

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
train_set, val_set = random_split(dataset, [0.9, 0.1])
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
stopper = EarlyStopping(monitor="val_loss", patience=5)
for epoch in range(100):
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    scheduler.step()
"""


def test_another_programs_validation_schedule_and_normalize_silence_nothing(project):
    linted = project({
        "monorepo/classifier/train.py": SGD_NO_VALIDATION,
        "monorepo/segmenter/train.py": VALIDATES_AND_SCHEDULES,
    })
    found = {(f["code"], f["path"]) for f in linted.diagnostics()}
    for code in ("HP301", "HP302", "HP105"):
        assert (code, "monorepo/classifier/train.py") in found
        assert (code, "monorepo/segmenter/train.py") not in found


def test_another_programs_early_stopping_does_not_count(project):
    with_validation = SGD_NO_VALIDATION.replace(
        "for epoch in range(100):", "train_set, val_set = random_split(dataset, [0.9, 0.1])\nfor epoch in range(100):"
    ).replace("from torch import nn", "from torch import nn\nfrom torch.utils.data import random_split")
    linted = project({
        "classifier/train.py": with_validation,
        "segmenter/train.py": VALIDATES_AND_SCHEDULES,
    })
    assert [f["path"] for f in linted.findings("HP107")] == ["classifier/train.py"]


SOFTMAX_MODEL = """
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))

    def forward(self, x):
        return torch.softmax(self.body(x), dim=1)
"""

TRAINS_CLASSIFIER = """
import torch
from torch import nn

from model import Classifier

model = Classifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for x, y in train_loader:
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    optimizer.step()
"""


def test_a_shared_model_module_is_judged_in_each_run_and_reported_once(project):
    linted = project({"model.py": SOFTMAX_MODEL, "train.py": TRAINS_CLASSIFIER, "finetune.py": TRAINS_CLASSIFIER})
    [finding] = linted.findings("HP201")
    assert (finding["path"], finding["line"]) == ("model.py", 11)
    runs = run_hplint(".", "--show-runs", "--format", "json", cwd=linted.root).json()["runs"]
    assert {run["entry"]: run["files"] for run in runs} == {
        "finetune.py": ["finetune.py", "model.py"], "train.py": ["model.py", "train.py"],
    }


def test_a_named_script_reports_the_model_it_trains_in_another_file(project):
    linted = project({"model.py": SOFTMAX_MODEL, "train.py": TRAINS_CLASSIFIER, "train2.py": TRAINS_CLASSIFIER})
    for script in ("train.py", "train2.py"):
        run = linted.run(script, "--format", "json", "--select", "HP2")
        assert run.exit_code == 1
        assert [(f["code"], f["path"]) for f in run.json()["diagnostics"]] == [("HP201", "model.py")]
    assert linted.run("model.py", "--select", "HP2").exit_code == 1
    unrelated = project({"notes/plot.py": "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n"})
    assert unrelated.run("notes/plot.py").exit_code == 0


def test_show_runs_lists_each_example_of_a_folder(project):
    linted = project({
        "examples/autoencoder/train.py": LIGHTNING_ACCUMULATES,
        "examples/mnist/main.py": plain_mnist(),
        "examples/classifier/model.py": SOFTMAX_MODEL,
        "examples/classifier/train.py": TRAINS_CLASSIFIER,
        "examples/classifier/run.sh": "python train.py --lr 0.01\n",
        "examples/classifier/configs/unused.yaml": "optim:\n  lr: 0.1\ndata:\n  batch_size: 8\n",
        "examples/common/utils.py": "import torch\n\n\ndef accuracy(logits, y):\n    return (logits.argmax(1) == y).float().mean()\n",
    })
    run = linted.run("examples", "--show-runs")
    assert run.exit_code == 0
    assert run.output == textwrap.dedent("""\
        run examples/autoencoder/train.py
          files:   examples/autoencoder/train.py

        run examples/classifier/train.py
          files:   examples/classifier/model.py, examples/classifier/train.py

        run examples/mnist/main.py
          files:   examples/mnist/main.py

        run examples/classifier/train.py via examples/classifier/run.sh:1
          launch:  examples/classifier/run.sh:1 train.py --lr=0.01
          files:   examples/classifier/model.py, examples/classifier/train.py

        run examples/classifier/configs/unused.yaml
          configs: examples/classifier/configs/unused.yaml

        in no run (judged on their own): examples/common/utils.py
    """)


UNIT_TEST = """
import torch
from torch import nn


def test_the_optimizer_steps():
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=10.0)
    model(torch.randn(8, 4)).sum().backward()
    optimizer.step()
"""


def test_test_code_is_not_a_training_run_unless_asked_for(project):
    files = {
        "tests/test_training.py": UNIT_TEST,
        "src/trainer_test.py": UNIT_TEST,
        "conftest.py": UNIT_TEST,
        "test/helpers.py": UNIT_TEST,
    }
    assert project(files).findings("HP103") == []
    linted = project({**files, "pyproject.toml": "[tool.hplint]\ninclude-tests = true\n"})
    assert sorted(f["path"] for f in linted.findings("HP103")) == [
        "conftest.py", "src/trainer_test.py", "test/helpers.py", "tests/test_training.py",
    ]
