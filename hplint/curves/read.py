"""One log file (or TensorBoard run) in, its loss series out, whatever wrote it."""

from __future__ import annotations

from hplint.curves.columns import choose_columns, names_a_loss
from hplint.curves.find_logs import LogFile
from hplint.curves.log import Columns, TrainingLog, build_log
from hplint.curves.read_csv import header, read_csv
from hplint.curves.read_tensorboard import read_tensorboard
from hplint.curves.read_trainer_state import read_trainer_state
from hplint.lint import display_path


def read_log(log: LogFile, requested: Columns) -> TrainingLog | None:
    """The log's loss series; None for a CSV found in a folder that names no loss (a data set, not a log)."""
    shown = [display_path(path) for path in log.paths]
    if log.kind == "CSV":
        if not log.expected and not names_a_loss(header(log.paths[0]), requested):
            return None
        rows = read_csv(log.paths[0], shown[0])
    elif log.kind == "trainer_state.json":
        rows = read_trainer_state(log.paths[0], shown[0])
    else:
        rows = read_tensorboard(log.paths, shown)
    path = shown[0] if len(shown) == 1 else display_path(log.paths[0].parent)
    return build_log(path, log.kind, rows, choose_columns(path, rows, requested))
