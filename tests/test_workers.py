"""Worker processes that may die: a crash, a hang or a runaway allocation costs one task, not the run."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hplint.workers import Died, Limits, WorkerPool, run_deep

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc as on Linux")


def _work(task: str) -> str:
    if task == "crash":
        ctypes.string_at(0)  # a segmentation fault, as in a native parser
    if task == "hang":
        while True:  # a native loop would do the same: the alarm's default action ends the process
            pass
    if task == "hog":
        return str(len(bytearray(8 << 30)))
    if task == "raise":
        raise ValueError("a bug in the work function")
    return task.upper()


def test_a_task_that_kills_its_worker_is_reported_and_the_others_finish():
    tasks = ["a", "crash", "b", "hang", "c", "hog", "raise", "d"]
    started = time.monotonic()
    with WorkerPool(_work, 2, Limits(seconds=1.0, memory_bytes=512 << 20)) as pool:
        pool.submit(tasks)
        outcomes = dict(pool.results())
    assert time.monotonic() - started < 15
    assert {task: outcomes[task] for task in "abcd"} == {task: task.upper() for task in "abcd"}
    assert outcomes["crash"] == Died("crashed (SIGSEGV)")
    assert outcomes["hang"] == Died("ran past the time limit of 1 s")
    assert outcomes["hog"] == Died("ran out of memory")
    assert outcomes["raise"] == Died("failed: ValueError: a bug in the work function")


def test_deep_recursion_runs_on_a_large_stack():
    def depth(level: int) -> int:
        return level if level == 0 else 1 + depth(level - 1)

    assert run_deep(depth, 20_000) == 20_000
    assert sys.getrecursionlimit() < 20_000  # restored


POOL_IN_A_CHILD = """
import pathlib, sys, time
from hplint.workers import Limits, WorkerPool

def work(task):
    time.sleep(600)

with WorkerPool(work, 2, Limits(600, 1 << 30)) as pool:
    pool.submit(["a", "b"])
    time.sleep(0.5)
    pathlib.Path(sys.argv[1]).write_text(" ".join(str(w.process.pid) for w in pool._workers))
    list(pool.results())
"""


@pytest.mark.parametrize("ending", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(tmp_path, ending):
    pids = tmp_path / "pids"
    parent = subprocess.Popen([sys.executable, "-c", POOL_IN_A_CHILD, str(pids)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 30
        while not pids.exists() or not pids.read_text():
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.05)
        workers = [int(pid) for pid in pids.read_text().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        parent.send_signal(ending)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "a worker outlived its parent"
            time.sleep(0.05)
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "State:\tZ" not in status.read_text()
    except OSError:
        return False
