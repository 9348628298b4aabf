"""The bundled examples/ project: what README's first command shows."""

from __future__ import annotations

from pathlib import Path

from conftest import run_hplint

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_examples_show_the_planted_problems_and_exit_1():
    run = run_hplint(".", "--format", "json", cwd=EXAMPLES)
    assert run.exit_code == 1
    found = sorted((d["code"], d["path"], d["line"]) for d in run.json()["diagnostics"])
    assert found == [
        ("HP101", "configs/train.yaml", 10),  # data.batch_size: 1024
        ("HP101", "train.py", 10),  # BATCH_SIZE = 256, used by the training DataLoader
        ("HP103", "train.py", 35),  # SGD lr=2.0
        ("HP201", "model.py", 28),  # softmax before CrossEntropyLoss in train.py
        ("HP206", "model.py", 37),  # nn.RNN
    ]
