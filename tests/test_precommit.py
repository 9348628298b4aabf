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
    assert hook["types_or"] == ["python", "yaml", "toml", "json"]
    assert hook["require_serial"] is True
    assert hook["entry"].split()[0] == "hplint"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_try_repo_runs_the_hook_on_staged_files(tmp_path):
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is part of the test extra; install it with the README's test command")
    pre_commit = [sys.executable, "-m", "pre_commit"]
    repo = tmp_path / "user-project"
    repo.mkdir()
    (repo / "model.py").write_text("import torch.nn as nn\n\nrnn = nn.RNN(32, 64)\n")
    (repo / "notes.txt").write_text("not linted\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    result = subprocess.run(
        [*pre_commit, "try-repo", str(ROOT), "hplint", "--files", "model.py", "notes.txt"],
        cwd=repo, capture_output=True, text=True, env=env, timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "model.py:3:7: HP206 [warning]" in output
    assert "notes.txt:" not in output  # types_or keeps other files away from hplint

    (repo / "model.py").write_text("import torch.nn as nn\n\nrnn = nn.LSTM(32, 64)\n")
    _git(repo, "add", ".")
    clean = subprocess.run(
        [*pre_commit, "try-repo", str(ROOT), "hplint", "--files", "model.py"],
        cwd=repo, capture_output=True, text=True, env=env, timeout=900,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
