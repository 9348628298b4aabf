"""Launch scripts override a script's values for that launch; batch factors multiply (HP101)."""

from __future__ import annotations

import pytest

from hplint.extract.launch import extract_launch

TRAIN = """
import argparse

import torch
from torch.utils.data import DataLoader

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--batch-size", type=int, default=16)
args = parser.parse_args()
loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
for x, y in loader:
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    optimizer.step()
"""


@pytest.mark.parametrize("line, script, arguments, devices", [
    ("python train.py --lr 0.3 --batch-size 512", "train.py", [("--lr", 0.3), ("--batch-size", 512)], None),
    ("torchrun --nproc_per_node=4 train.py --lr=1e-3", "train.py", [("--lr", 0.001)], 4),
    ("accelerate launch --num_processes 2 src/train.py optim.lr=0.3 +trainer.devices=2", "src/train.py",
     [("optim.lr", 0.3), ("+trainer.devices", 2)], 2),
    ("deepspeed --num_gpus 8 train.py --deepspeed ds.json --fp16", "train.py",
     [("--deepspeed", "ds.json"), ("--fp16", True)], 8),
    ("\tpython3 -m torch.distributed.run --nproc-per-node 2 train.py --lr $LR > log.txt", "train.py",
     [("--lr", None)], 2),
    ("@$(PYTHON) train.py --lr 0.2", "train.py", [("--lr", 0.2)], None),
    ("deepspeed --include localhost:0,1,2,3 train.py --fp16", "train.py", [("--fp16", True)], 4),
    ("deepspeed --include=worker-0:0,1@worker-1:0,1 train.py", "train.py", [], 4),
])
def test_commands(line, script, arguments, devices):
    [command] = extract_launch("run.sh", line + "\n")
    assert command.script == script
    assert [(argument.name, argument.value.value) for argument in command.arguments] == arguments
    assert (command.devices.value if command.devices else None) == devices


def test_continuation_lines_keep_each_argument_on_its_own_line():
    [command] = extract_launch("run.sh", "python train.py \\\n    --lr 0.3 \\\n    --batch-size 64\n")
    assert [(a.name, a.value.location.line, a.value.location.column) for a in command.arguments] == [
        ("--lr", 2, 10), ("--batch-size", 3, 18),
    ]


@pytest.mark.parametrize("text", ["echo python is great", "pip install -r requirements.txt", "ls *.py", "cat 'unbalanced"])
def test_lines_that_launch_nothing(text):
    assert extract_launch("run.sh", text + "\n") == []


def test_launch_arguments_override_the_defaults_for_that_launch(project):
    linted = project({
        "train.py": TRAIN,
        "scripts/train.sh": "#!/usr/bin/env bash\nset -e\npython train.py --lr 3.0 --batch-size 16\n",
    })
    [finding] = linted.findings("HP103")
    assert (finding["path"], finding["line"], finding["column"]) == ("scripts/train.sh", 3, 22)
    assert finding["message"].startswith("SGD lr=3.0 via args.lr ← --lr (used at train.py:11)")
    assert linted.findings("HP101") == []


def test_an_environment_variable_in_a_launch_is_unknown_not_the_default(project):
    linted = project({"train.py": TRAIN.replace("default=0.1", "default=5.0"), "run.sh": "python train.py --lr $LR\n"})
    assert [f["path"] for f in linted.findings("HP103")] == ["train.py"]  # the default, not the launch


def test_devices_of_a_launch_multiply_the_batch(project):
    linted = project({
        "train.py": TRAIN,
        "Makefile": "train:\n\ttorchrun --nproc_per_node=4 train.py --batch-size 16\n",
    })
    findings = linted.findings("HP101")
    # The default (16) is not what the 4-device launch runs: it passes its own --batch-size.
    assert [(f["path"], f["line"]) for f in findings] == [("Makefile", 2)]
    assert "× 4 devices (Makefile:2) = 64 samples per optimizer step" in findings[0]["message"]


@pytest.mark.parametrize("launcher", [
    "torchrun --nproc_per_node=$NGPU", "torchrun --nproc_per_node=auto", "deepspeed --include worker-0:${GPUS}",
])
def test_devices_no_reader_can_know_make_the_batch_a_lower_bound(project, launcher):
    linted = project({"train.py": TRAIN, "run.sh": f"{launcher} train.py --batch-size 64\n"})
    [finding] = linted.findings("HP101")
    assert "64 per device × unknown devices (run.sh:1) ≥ 64 samples per optimizer step" in finding["message"]


def test_accumulation_and_devices_in_one_config(project):
    linted = project({"configs/lightning.yaml": """
        trainer:
          max_epochs: 20
          accumulate_grad_batches: 4
          devices: 2
        data:
          class_path: my_project.data.ImageNetData
          init_args:
            batch_size: 16
    """})
    [finding] = linted.findings("HP101")
    assert finding["line"] == 8
    assert finding["message"] == (
        "batch_size=16 (key data.init_args.batch_size): 16 per device × 4 accumulation steps "
        "(configs/lightning.yaml:3) × 2 devices (configs/lightning.yaml:4) = 128 samples per optimizer step, "
        "above 32: small batches often generalise better (Masters & Luschi); to keep it large, scale the lr with "
        "the batch and warm up (Goyal et al.)"
    )


def test_hugging_face_arguments_in_one_call(project):
    linted = project({"train.py": """
        from transformers import Trainer, TrainingArguments

        args = TrainingArguments(
            output_dir="out",
            per_device_train_batch_size=8,
            gradient_accumulation_steps=8,
            learning_rate=2e-5,
        )
        Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds).train()
    """})
    [finding] = linted.findings("HP101")
    assert "× 8 accumulation steps (train.py:6) = 64 samples" in finding["message"]


def test_a_global_batch_is_not_multiplied(project):
    linted = project({"configs/detectron2.yaml": """
        SOLVER:
          IMS_PER_BATCH: 16
          BASE_LR: 0.02
          MAX_ITER: 90000
        trainer:
          devices: 8
    """})
    assert linted.findings("HP101") == []


def test_devices_from_a_constant_do_not_multiply(project):
    linted = project({"train.py": """
        import lightning as L
        from torch.utils.data import DataLoader

        GPUS = 4
        loader = DataLoader(train_set, batch_size=16, shuffle=True)
        trainer = L.Trainer(devices=GPUS, max_epochs=10)
        trainer.fit(model, loader)
    """})
    assert linted.findings("HP101") == []
