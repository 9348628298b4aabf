"""The probe's child runs the user's code: it dies with hplint, has a memory limit, and its output is capped."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hplint.probe.limits import OUTPUT_KEPT, parse_size

ROOT = Path(__file__).resolve().parent.parent
SHAPE = ["--input-shape", "8", "--num-classes", "4", "--select", "HP901,HP903"]
MODELS = '''
import os, subprocess, sys, time
import torch
from torch import nn


class Sleeper(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        helper = subprocess.Popen(["sleep", "600"])  # like a DataLoader worker
        with open("helpers.txt", "a") as pids:
            pids.write(f"{os.getpid()} {helper.pid}\\n")

    def forward(self, x):
        if torch.is_grad_enabled():
            time.sleep(3600)
        return self.fc(x)


class Hog(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        if torch.is_grad_enabled():
            kept = []
            while True:
                kept.append(torch.ones(16 << 20))  # 64 MB at a time, touched
        return self.fc(x)


def chatty():
    line = "epoch 0 step 0 loss 2.30 " * 40 + "\\n"
    for _ in range(100_000):  # 100 MB of prints
        sys.stdout.write(line)
    sys.stdout.flush()
    print("the last line", flush=True)
    return nn.Linear(8, 4)
'''
torch_required = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or not sys.platform.startswith("linux"), reason="needs torch and /proc",
)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("limits")
    (folder / "models.py").write_text(textwrap.dedent(MODELS))
    return folder


def _probe(folder: Path, *args: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hplint", "probe", *args], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT), **kwargs.pop("env", {})}, **kwargs,
    )


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_sizes():
    assert [parse_size(text) for text in ("4G", "512M", "1.5GiB", "2", "64k")] == [4 << 30, 512 << 20, 3 << 29, 2 << 30, 64 << 10]
    with pytest.raises(ValueError):
        parse_size("lots")


@torch_required
def test_the_child_and_its_helpers_die_with_the_parent(models):
    helpers = models / "helpers.txt"
    helpers.unlink(missing_ok=True)
    process = _probe(models, "models.py:Sleeper", *SHAPE, "--timeout", "120")
    try:
        deadline = time.monotonic() + 60
        while not helpers.exists() or not helpers.read_text().strip():
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read() if process.poll() else ""
            time.sleep(0.05)
        child, helper = (int(pid) for pid in helpers.read_text().split()[:2])
        assert _alive(child) and _alive(helper)
        process.send_signal(signal.SIGKILL)  # nothing of hplint runs after this
        process.wait(10)
        deadline = time.monotonic() + 5
        while _alive(child) or _alive(helper):
            assert time.monotonic() < deadline, "the probe's child outlived hplint"
            time.sleep(0.05)
    finally:
        process.kill()


@torch_required
def test_a_model_that_eats_memory_is_stopped_at_the_limit(models):
    process = _probe(models, "models.py:Hog", *SHAPE, "--memory-limit", "600M", "--timeout", "120")
    output, errors = process.communicate(timeout=120)
    assert process.returncode == 3, errors
    assert "used more than --memory-limit 600 MiB during HP903" in errors + output


def test_the_output_keeper_holds_the_start_and_the_end_only():
    from hplint.probe.limits import OutputKeeper

    printer = "import sys\nfor n in range(300_000): sys.stdout.write(f'line {n:07d} ' + 'x' * 88 + '\\n')\n"
    process = subprocess.Popen([sys.executable, "-c", printer], stdout=subprocess.PIPE)
    keeper = OutputKeeper(process.stdout)
    process.wait(60)
    text = keeper.text()
    assert text.startswith("line 0000000 ") and text.endswith("line 0299999 " + "x" * 88 + "\n")
    assert len(text) < 2 * OUTPUT_KEPT + (64 << 10) + 100 and keeper.dropped > 29_000_000  # a read is 64 KiB at most


@torch_required
def test_what_the_child_prints_is_capped(models, tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = _probe(models, "models.py:chatty", *SHAPE, "-v", "--timeout", "120", env={"TMPDIR": str(temporary)})
    _, errors = process.communicate(timeout=120)
    assert process.returncode in (0, 1), errors
    assert "bytes of output left out ...]" in errors and "the last line" in errors
    assert len(errors) < 4 * OUTPUT_KEPT
    assert sum(path.stat().st_size for path in temporary.rglob("*") if path.is_file()) < 1 << 20  # nor written to a file
