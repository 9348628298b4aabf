"""How many CPU threads the probe's torch uses: torch-free, so the choice is testable alone.

torch starts one intra-op thread per core. For a small model the threads only synchronise, and
on a machine whose cores are busy with other work they wait for each other: on two cores with
one of them taken, two threads ran a step several times slower than one. So: one thread below
SMALL_MODEL parameters; otherwise the cores that are idle (the cores this process may use, less
the ones busy with other work: measured over a moment from /proc/stat, else the load average,
which also counts work that just ended), at least one. A thread count the user set in the
environment is kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

SMALL_MODEL = 1_000_000  # parameters
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Waiting threads sleep instead of spinning: a spinning thread takes a core from the one doing work.
CHILD_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


def thread_count(parameters: int, cores: int, busy: float, environment: Mapping[str, str]) -> int | None:
    """The number of threads for a model of `parameters` on `cores` usable cores of which `busy` are taken
    by other work; None: keep torch's."""
    if any(environment.get(name) for name in THREAD_VARIABLES):
        return None
    if parameters < SMALL_MODEL or cores <= 1:
        return 1
    idle = int(cores - busy + 0.5)
    return max(1, min(cores, idle))


def usable_cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def busy_cores(seconds: float = 0.2) -> float:
    """Cores busy with other work right now (this process sleeps while it measures)."""
    first = _cpu_times()
    if first is not None:
        time.sleep(seconds)
        second = _cpu_times()
        if second is not None and second[0] > first[0]:
            total, idle = second[0] - first[0], second[1] - first[1]
            return (os.cpu_count() or 1) * (total - idle) / total
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average
        return 0.0


def _cpu_times() -> tuple[int, int] | None:
    """Total and idle jiffies of all CPUs, from /proc/stat (Linux); None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    return sum(fields[:8]), fields[3] + fields[4]  # idle and iowait
