"""The hook, through real pre-commit: `pre-commit try-repo` against this checkout."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_hook_definition():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "hplint" and hook["language"] == "python"
    assert hook["types_or"] == ["python", "jupyter", "yaml", "toml", "json", "shell", "makefile"]
    assert hook["require_serial"] is True
    assert hook["entry"].split()[0] == "hplint"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory):
    """`pre-commit try-repo` against this checkout, with one hook environment for the module's tests."""
    if shutil.which("git") is None:
        pytest.skip("pre-commit needs git")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is part of the test extra; install it with the README's test command")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }

    def run(repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "hplint", "--files", *files],
            cwd=repo, capture_output=True, text=True, env=env, timeout=900,
        )

    return run


def test_try_repo_runs_the_hook_on_staged_files(tmp_path, pre_commit):
    repo = tmp_path / "user-project"
    repo.mkdir()
    (repo / "model.py").write_text("import torch.nn as nn\n\nrnn = nn.RNN(32, 64)\n")
    (repo / "notes.txt").write_text("not linted\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    result = pre_commit(repo, "model.py", "notes.txt")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "model.py:3:7: HP206 [warning]" in output
    assert "notes.txt:" not in output  # types_or keeps other files away from hplint

    (repo / "model.py").write_text("import torch.nn as nn\n\nrnn = nn.LSTM(32, 64)\n")
    _git(repo, "add", ".")
    clean = pre_commit(repo, "model.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


SOFTMAX_CLASSIFIER = """\
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))

    def forward(self, x):
        return torch.softmax(self.body(x), dim=1)
"""

TRAIN = """\
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split

from model import Classifier

train_set, val_set = random_split(dataset, [0.9, 0.1])
model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for x, y in DataLoader(train_set, batch_size=16, shuffle=True):
    optimizer.zero_grad()
    {loss}
    optimizer.step()
"""


def test_a_staged_script_fails_for_the_committed_model_it_feeds_to_the_wrong_loss(tmp_path, pre_commit):
    repo = tmp_path / "user-project"
    repo.mkdir()
    (repo / "model.py").write_text(SOFTMAX_CLASSIFIER)
    (repo / "train.py").write_text(TRAIN.format(loss="nn.functional.nll_loss(torch.log(model(x)), y).backward()"))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "a classifier trained with NLL on log-probabilities")
    (repo / "train2.py").write_text(TRAIN.format(loss="nn.CrossEntropyLoss()(model(x), y).backward()"))
    _git(repo, "add", "train2.py")
    result = pre_commit(repo, "train2.py")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "model.py:11:16: HP201 [error] softmax on the output of Classifier before CrossEntropyLoss (train2.py:12)" in output


def test_a_changed_launch_line_is_linted(tmp_path, pre_commit):
    repo = tmp_path / "user-project"
    repo.mkdir()
    (repo / "train.py").write_text(
        "import argparse\n\nimport torch\n\nparser = argparse.ArgumentParser()\n"
        'parser.add_argument("--lr", type=float, default=0.01)\nargs = parser.parse_args()\n'
        "optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)\noptimizer.step()\n"
    )
    (repo / "Makefile").write_text("train:\n\tpython train.py --lr 30\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    result = pre_commit(repo, "Makefile")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Makefile:2:23: HP103 [warning] SGD lr=30" in output


def test_a_staged_notebook_is_linted(tmp_path, pre_commit):
    import json

    repo = tmp_path / "user-project"
    repo.mkdir()
    cells = [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# A recurrent baseline"]},
        {"cell_type": "code", "execution_count": 1, "id": "setup", "metadata": {}, "outputs": [],
         "source": ["!pip install -q torch\n", "import torch.nn as nn"]},
        {"cell_type": "code", "execution_count": 2, "id": "model", "metadata": {}, "outputs": [],
         "source": ["rnn = nn.RNN(32, 64)"]},
    ]
    document = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (repo / "baseline.ipynb").write_text(json.dumps(document, indent=1) + "\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    result = pre_commit(repo, "baseline.ipynb")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "baseline.ipynb:cell 3:1:7: HP206 [warning]" in output


def test_the_readme_local_hook_is_the_published_one():
    """README's `repo: local` snippet runs the hook as `.pre-commit-hooks.yaml` defines it."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [snippet] = [block for block in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repo: local" in block]
    [local] = yaml.safe_load(snippet)["repos"][0]["hooks"]
    [published] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for key in ("id", "entry", "types_or", "require_serial"):
        assert local[key] == published[key], key
    assert "rev: v" not in readme  # no pin to a tag that does not exist
