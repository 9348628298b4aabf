"""Which training logs a path holds: a log file named on the command line, or the logs under a folder."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hplint.curves.log import LogError
from hplint.discover import DEFAULT_EXCLUDED_DIRS

EVENT_FILE_PREFIX = "events.out.tfevents."
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")


@dataclass(frozen=True, slots=True)
class LogFile:
    kind: str  # "CSV", "trainer_state.json" or "TensorBoard"
    paths: tuple[Path, ...]  # one file; for a TensorBoard run, the event files of its folder by name (oldest first)
    expected: bool  # named on the command line or by a log's own name: a loss must be found in it


def find_logs(path: Path) -> list[LogFile]:
    if path.is_file():
        return [_named(path)]
    if not path.is_dir():
        raise LogError(f"{path}: no such file or folder")
    csv_files: list[Path] = []
    states: list[Path] = []
    event_files: dict[Path, list[Path]] = {}
    for folder, folders, files in os.walk(path):
        folders[:] = sorted(name for name in folders if not name.startswith(".") and name not in DEFAULT_EXCLUDED_DIRS)
        for name in sorted(files):
            if name.startswith(EVENT_FILE_PREFIX):
                event_files.setdefault(Path(folder), []).append(Path(folder, name))
            elif name == "trainer_state.json":
                states.append(Path(folder, name))
            elif name.endswith(".csv"):
                csv_files.append(Path(folder, name))
    logs = [LogFile("CSV", (file,), file.name == "metrics.csv") for file in csv_files]
    logs.extend(LogFile("trainer_state.json", (state,), True) for state in _latest_states(states))
    logs.extend(LogFile("TensorBoard", tuple(files), True) for files in event_files.values())
    return sorted(logs, key=lambda log: log.paths[0])


def _named(path: Path) -> LogFile:
    if path.name.startswith(EVENT_FILE_PREFIX):
        return LogFile("TensorBoard", (path,), True)
    if path.name == "trainer_state.json" or path.suffix == ".json":
        return LogFile("trainer_state.json", (path,), True)
    if path.suffix == ".csv":
        return LogFile("CSV", (path,), True)
    raise LogError(
        f"{path}: not a training log hplint reads (a CSV, a Trainer's trainer_state.json, "
        f"or TensorBoard {EVENT_FILE_PREFIX}* files)"
    )


def _latest_states(states: Iterable[Path]) -> list[Path]:
    """One Trainer state per output folder: each `checkpoint-N/` holds the history up to step N, so the
    state saved in the output folder itself is the whole run, else the one of the latest checkpoint."""
    by_run: dict[Path, Path] = {}
    for state in states:
        checkpoint = _CHECKPOINT.fullmatch(state.parent.name)
        run = state.parent.parent if checkpoint else state.parent
        current = by_run.get(run)
        if current is None or _checkpoint_number(state) > _checkpoint_number(current):
            by_run[run] = state
    return sorted(by_run.values())


def _checkpoint_number(state: Path) -> float:
    """The output folder's own state counts as the last checkpoint."""
    checkpoint = _CHECKPOINT.fullmatch(state.parent.name)
    return int(checkpoint.group(1)) if checkpoint else float("inf")
