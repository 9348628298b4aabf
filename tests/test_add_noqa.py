"""--add-noqa: every current finding suppressed in place, in Python, YAML, TOML and shell; clean afterwards."""

from __future__ import annotations

import difflib
import os
import stat
import textwrap
from pathlib import Path

import pytest
from conftest import run_hplint, write_project

from hplint.diagnostics import Diagnostic, Severity
from hplint.edit import atomic
from hplint.edit.add_noqa import add_noqa
from hplint.location import Location

TRAIN = '''
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, random_split

from model import SentimentRNN

parser = argparse.ArgumentParser(description="Sentiment classifier on the review corpus")
parser.add_argument("--lr", type=float, default=2.5, help="""peak learning rate;
the schedule decays it linearly""")
parser.add_argument("--batch-size", type=int, default=256)  # hplint: ignore[HP102]
parser.add_argument("--epochs", type=int, default=20)
args = parser.parse_args()

model = SentimentRNN(vocab=30000, classes=2)
train_set, val_set = random_split(reviews, [0.9, 0.1])
train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
val_loader = DataLoader(val_set, batch_size=64)
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, \\
    momentum=0.9)
for epoch in range(args.epochs):
    model.train()
    for tokens, labels in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(tokens), labels).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for tokens, labels in val_loader:
            model(tokens)
'''

MODEL = '''
from torch import nn


class SentimentRNN(nn.Module):
    def __init__(self, vocab: int, classes: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, 128)
        self.rnn = nn.RNN(128, 128, batch_first=True)  # hplint: ignore[HP101]
        self.drop = nn.Dropout(0.8)
        self.head = nn.Linear(128, classes)

    def forward(self, tokens):
        output, _ = self.rnn(self.embed(tokens))
        return self.head(self.drop(output[:, -1]))
'''

CONFIG_YAML = '''
# Fine-tuning recipe for the large variant
optimizer:
  name: adamw
  lr: 0.5  # tuned on the small variant
  weight_decay: 0.01
data:
  batch_size: 1024
  num_workers: 8
trainer:
  max_epochs: 3
'''

CONFIG_TOML = '''
[optim]
name = "sgd"
lr = 12.0
momentum = 0.9

[data]
batch_size = 512
'''

LAUNCH = '''
#!/usr/bin/env bash
set -euo pipefail
python train.py \\
  --lr 6.0 \\
  --batch-size 2048 \\
  --epochs 20
'''

MAKEFILE = "LR := 4.0\n\ntrain:\n\tpython train.py --lr $(LR)\n"

DEEPSPEED = '{"train_micro_batch_size_per_gpu": 512, "optimizer": {"type": "Adam", "params": {"lr": 0.5}}}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write_project(tmp_path, {
        "train.py": TRAIN, "model.py": MODEL, "configs/finetune.yaml": CONFIG_YAML, "configs/sgd.toml": CONFIG_TOML,
        "scripts/run.sh": LAUNCH, "configs/ds_config.json": DEEPSPEED,
    })
    (tmp_path / "Makefile").write_text(MAKEFILE)
    return tmp_path


def _texts(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*")) if path.is_file() and ".hplint_cache" not in path.parts and ".git" not in path.parts
    }


def _added_lines(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """For each changed file, the new lines; every change must be a comment appended to a line."""
    changes = {}
    for name, old in before.items():
        new = after[name]
        if new == old:
            continue
        old_lines, new_lines = old.splitlines(), new.splitlines()
        assert len(old_lines) == len(new_lines), name
        changed = []
        for old_line, new_line in zip(old_lines, new_lines):
            if old_line != new_line:
                assert new_line.startswith(old_line.rstrip()) or "# hplint: ignore[" in old_line, (old_line, new_line)
                changed.append(new_line)
        changes[name] = changed
    return changes


def test_adds_a_comment_for_every_finding_then_lint_is_clean(repo):
    before = _texts(repo)
    found = run_hplint(".", "--format", "json", cwd=repo).json()["diagnostics"]
    assert len(found) >= 10
    run = run_hplint(".", "--add-noqa", cwd=repo)
    assert run.exit_code == 0, run.stderr
    assert run.output == ""
    assert run.stderr.splitlines() == [
        "hplint: warning: configs/ds_config.json:1: HP101, HP104 not suppressed: JSON has no comments (use "
        + "per-file-ignores in the configuration)",
        "Added 11 suppressions.",
    ]
    assert _added_lines(before, _texts(repo)) == {
        "Makefile": ["LR := 4.0# hplint: ignore[HP103]"],
        "configs/finetune.yaml": ["  lr: 0.5  # tuned on the small variant  # hplint: ignore[HP104]",
                                  "  batch_size: 1024  # hplint: ignore[HP101]"],
        "configs/sgd.toml": ["lr = 12.0  # hplint: ignore[HP103]", "batch_size = 512  # hplint: ignore[HP101]"],
        "model.py": ["        self.rnn = nn.RNN(128, 128, batch_first=True)  # hplint: ignore[HP004, HP101, HP206]",
                     "        self.drop = nn.Dropout(0.8)  # hplint: ignore[HP210]"],
        "scripts/run.sh": ["  --epochs 20  # hplint: ignore[HP101, HP103]"],
        # The lr's default is inside a call whose help string runs over two lines: the comment
        # goes after the string, where Python accepts it and where hplint reads it.
        "train.py": ['the schedule decays it linearly""")  # hplint: ignore[HP103]',
                     "parser.add_argument(\"--batch-size\", type=int, default=256)  # hplint: ignore[HP101, HP102]",
                     # HP105 sits on the optimizer's first line, which a backslash continues: after the call.
                     "    momentum=0.9)  # hplint: ignore[HP105]"],
    }
    after = run_hplint(".", "--format", "json", cwd=repo)
    assert [(d["path"], d["code"]) for d in after.json()["diagnostics"]] == [
        ("configs/ds_config.json", "HP101"), ("configs/ds_config.json", "HP104"),
    ]
    written = _texts(repo)
    again = run_hplint(".", "--add-noqa", cwd=repo)
    assert again.stderr.splitlines()[-1] == "Added 0 suppressions."
    assert _texts(repo) == written


def test_idempotent_and_clean_with_the_json_left_out(repo):
    run_hplint(".", "--add-noqa", cwd=repo)
    written = _texts(repo)
    again = run_hplint(".", "--add-noqa", cwd=repo)
    assert again.exit_code == 0
    assert "Added 0 suppressions." in again.stderr
    assert _texts(repo) == written
    clean = run_hplint(".", "--extend-exclude", "*.json", cwd=repo)
    assert clean.exit_code == 0 and clean.output.startswith("no problems in"), clean.output


def test_merges_into_the_comment_already_on_the_line(tmp_path):
    write_project(tmp_path, {"model.py": """
        import torch.nn as nn

        encoder = nn.RNN(64, 64, num_layers=6)  # hplint: ignore[HP207]  legacy checkpoint layout
        decoder = nn.RNNCell(64, 64)  # noqa: E501
        """})
    run = run_hplint(".", "--add-noqa", cwd=tmp_path)
    assert run.stderr.strip() == "Added 2 suppressions."
    assert (tmp_path / "model.py").read_text().splitlines()[2:] == [
        "encoder = nn.RNN(64, 64, num_layers=6)  # hplint: ignore[HP206, HP207]  legacy checkpoint layout",
        "decoder = nn.RNNCell(64, 64)  # noqa: E501  # hplint: ignore[HP206]",
    ]
    assert run_hplint(".", cwd=tmp_path).exit_code == 0


def test_keeps_newlines_byte_order_mark_and_encoding(tmp_path):
    (tmp_path / "crlf.py").write_bytes(b"import torch.nn as nn\r\n\r\nrnn = nn.RNN(8, 8)\r\nx = 1\r\n")
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfimport torch.nn as nn\n\nrnn = nn.RNN(8, 8)\n")
    latin = "# -*- coding: latin-1 -*-\n# Modèle de référence\nimport torch.nn as nn\n\nrnn = nn.RNN(8, 8)\n"
    (tmp_path / "latin.py").write_bytes(latin.encode("latin-1"))
    (tmp_path / "cr.yaml").write_bytes(b"optimizer:\r  lr: 3.0\rdata:\r  batch_size: 8\r")
    (tmp_path / "configs").mkdir()
    os.replace(tmp_path / "cr.yaml", tmp_path / "configs" / "train.yaml")
    assert "Added 4 suppressions." in run_hplint(".", "--add-noqa", cwd=tmp_path).stderr
    assert (tmp_path / "crlf.py").read_bytes() == b"import torch.nn as nn\r\n\r\nrnn = nn.RNN(8, 8)  # hplint: ignore[HP206]\r\nx = 1\r\n"
    assert (tmp_path / "bom.py").read_bytes() == b"\xef\xbb\xbfimport torch.nn as nn\n\nrnn = nn.RNN(8, 8)  # hplint: ignore[HP206]\n"
    assert (tmp_path / "latin.py").read_bytes() == (latin.replace("8, 8)", "8, 8)  # hplint: ignore[HP206]")).encode("latin-1")
    assert (tmp_path / "configs" / "train.yaml").read_bytes() == (
        b"optimizer:\r  lr: 3.0  # hplint: ignore[HP103]\rdata:\r  batch_size: 8\r"
    )
    assert run_hplint(".", cwd=tmp_path).exit_code == 0


def test_never_touches_a_file_that_does_not_parse(tmp_path):
    broken = "import torch.nn as nn\n\nrnn = nn.RNN(8, 8\n"
    (tmp_path / "model.py").write_text(broken)
    run = run_hplint(".", "--add-noqa", cwd=tmp_path)
    assert run.exit_code == 0
    assert "model.py:3: HP001 not suppressed: the file does not parse; hplint leaves it as it is" in run.stderr
    assert (tmp_path / "model.py").read_text() == broken


def test_suppresses_hp003_and_hp004_on_their_own_lines(tmp_path):
    write_project(tmp_path, {"model.py": """
        import torch.nn as nn

        rnn = nn.RNN(8, 8)  # hplint: ignore HP206
        head = nn.Linear(8, 2)  # hplint: ignore[HP206]
        """})
    run_hplint(".", "--add-noqa", cwd=tmp_path)
    assert (tmp_path / "model.py").read_text().splitlines()[2:] == [
        "rnn = nn.RNN(8, 8)  # hplint: ignore HP206  # hplint: ignore[HP003]",
        "head = nn.Linear(8, 2)  # hplint: ignore[HP004, HP206]",
    ]
    assert run_hplint(".", cwd=tmp_path).exit_code == 0


def _finding(path: str, line: int, code: str = "HP103") -> Diagnostic:
    return Diagnostic(code, "lr-out-of-range", Severity.WARNING, "lr", Location(path, line, 1, line, 2))


def test_a_line_inside_a_multi_line_string_of_a_config_is_left_and_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yaml_text = "optimizer:\n  lr: 3.0\nnotes: |\n  lr: 9.0 was tried\n  and diverged\n"
    toml_text = 'lr = 3.0\nnotes = """\nlr = 9.0 was tried\n"""\n'
    Path("train.yaml").write_text(yaml_text)
    Path("train.toml").write_text(toml_text)
    result = add_noqa([_finding("train.yaml", 2), _finding("train.yaml", 4), _finding("train.toml", 1), _finding("train.toml", 3)])
    assert result.added == 2
    assert [(s.path, s.line) for s in result.skipped] == [("train.toml", 3), ("train.yaml", 4)]
    assert result.skipped[0].reason.startswith("a comment on that line would change the file")
    assert Path("train.yaml").read_text() == yaml_text.replace("lr: 3.0", "lr: 3.0  # hplint: ignore[HP103]")
    assert Path("train.toml").read_text() == toml_text.replace("lr = 3.0\n", "lr = 3.0  # hplint: ignore[HP103]\n")


def test_a_line_inside_a_python_string_gets_its_comment_where_the_string_ends(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = textwrap.dedent('''\
        import torch

        USAGE = """Train with a peak lr of 3.0,
        warmed up over 500 steps."""
        optimizer = torch.optim.SGD(params, lr=3.0)
        ''')
    Path("train.py").write_text(source)
    result = add_noqa([_finding("train.py", 3), _finding("train.py", 5)])
    assert result.added == 2 and result.skipped == []
    assert Path("train.py").read_text().splitlines()[2:5] == [
        'USAGE = """Train with a peak lr of 3.0,',
        'warmed up over 500 steps."""  # hplint: ignore[HP103]',
        "optimizer = torch.optim.SGD(params, lr=3.0)  # hplint: ignore[HP103]",
    ]


def test_a_crash_mid_write_leaves_the_original(repo, monkeypatch):
    before = _texts(repo)
    calls = []

    def crash(descriptor: int) -> None:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):  # a file's data, not its folder
            calls.append(descriptor)
            if len(calls) == 2:
                raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "fsync", crash)
    run = run_hplint(".", "--add-noqa", cwd=repo)
    assert run.exit_code == 2
    failed = [line for line in run.stderr.splitlines() if line.startswith("hplint: error:")]
    assert len(failed) == 1 and failed[0].endswith("cannot write the file: disk full")
    name = failed[0].split()[2].rstrip(":")
    after = _texts(repo)
    assert after[name] == before[name]  # the file being written when the crash came is whole, as it was
    assert sum(after[other] != before[other] for other in before) >= 4  # the others were written
    assert not [path for path in repo.rglob("*.hplint-tmp")]


def test_interrupted_write_leaves_the_original(tmp_path, monkeypatch):
    write_project(tmp_path, {"model.py": "import torch.nn as nn\n\nrnn = nn.RNN(8, 8)\n"})

    def interrupt(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupt)
    run = run_hplint(".", "--add-noqa", cwd=tmp_path)
    assert run.exit_code == 130
    assert (tmp_path / "model.py").read_text() == "import torch.nn as nn\n\nrnn = nn.RNN(8, 8)\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".hplint_cache") == ["model.py"]


def test_not_with_standard_input(tmp_path):
    run = run_hplint("-", "--add-noqa", cwd=tmp_path)
    assert run.exit_code == 2
    assert "--add-noqa writes files" in run.stderr


def test_the_diff_is_comments_only_on_a_larger_project(repo):
    before = _texts(repo)
    run_hplint(".", "--add-noqa", cwd=repo)
    after = _texts(repo)
    for name in before:
        for line in difflib.unified_diff(before[name].splitlines(), after[name].splitlines(), lineterm="", n=0):
            if line.startswith("+") and not line.startswith("+++"):
                assert "# hplint: ignore[" in line, line


def _notebook(cells: list[list[str]]) -> str:
    import json

    return json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tuning the classifier\n"]}] + [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
            for source in cells
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1) + "\n"


def test_a_notebook_gets_its_comments_in_the_cells(tmp_path):
    notebook = _notebook([
        ["%matplotlib inline\n", "import torch\n", "from torch import nn\n", "from torch.utils.data import DataLoader, random_split\n"],
        ["model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))\n",
         "rnn = nn.RNN(4, 4)  # hplint: ignore[HP101]\n",
         "train_set, val_set = random_split(data, [0.9, 0.1])\n",
         "loader = DataLoader(train_set, batch_size=512)\n",
         "val_loader = DataLoader(val_set, batch_size=32)\n",
         "optimizer = torch.optim.SGD(model.parameters(), lr=5.0)"],
        ["for x, y in loader:\n", "    optimizer.zero_grad()\n", "    nn.functional.cross_entropy(model(x), y).backward()\n",
         "    optimizer.step()\n"],
    ])
    (tmp_path / "train.ipynb").write_text(notebook)
    before = run_hplint(".", "--format", "json", cwd=tmp_path).json()["diagnostics"]
    assert [(d["code"], d["cell"], d["line"], d["column"]) for d in before] == [
        ("HP206", 3, 2, 7), ("HP004", 3, 2, 21), ("HP101", 3, 4, 43), ("HP103", 3, 6, 52),
    ]
    assert run_hplint(".", "--add-noqa", cwd=tmp_path).stderr.strip() == "Added 3 suppressions."
    after = (tmp_path / "train.ipynb").read_text()
    assert after == (
        notebook.replace('# hplint: ignore[HP101]\\n"', '# hplint: ignore[HP004, HP101, HP206]\\n"')
        .replace('batch_size=512)\\n"', 'batch_size=512)  # hplint: ignore[HP101]\\n"')
        .replace('lr=5.0)"', 'lr=5.0)  # hplint: ignore[HP103]"')
    )
    assert run_hplint(".", cwd=tmp_path).exit_code == 0
    assert "Added 0 suppressions." in run_hplint(".", "--add-noqa", cwd=tmp_path).stderr


def test_a_notebook_cell_keeps_its_line_endings(tmp_path):
    notebook = _notebook([[
        "import torch.nn as nn\r\n", "\r\n", "encoder = nn.RNN(16, 16)\r\n", "head = nn.Linear(16, 2)\r\n",
    ]])
    (tmp_path / "baseline.ipynb").write_text(notebook)
    assert run_hplint(".", "--add-noqa", cwd=tmp_path).stderr.strip() == "Added 1 suppression."
    assert (tmp_path / "baseline.ipynb").read_text() == notebook.replace(
        'nn.RNN(16, 16)\\r\\n"', 'nn.RNN(16, 16)  # hplint: ignore[HP206]\\r\\n"'
    )
