"""A training run's losses as `hplint curves` reads them: a log's records, then its loss series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class LogError(Exception):
    """A log hplint cannot read or finds no loss in; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class Row:
    """One record of a log: a CSV row, a `log_history` entry, or the scalars of one TensorBoard step."""

    file: str  # display path of the file it is in
    line: int  # where the record starts, 1-based; 0 when the format has no lines
    values: dict[str, float]  # its numbers, by column, key or tag


@dataclass(frozen=True, slots=True)
class Columns:
    """Which column (key, tag) holds what; None where the log has none."""

    train: str | None = None
    validation: str | None = None
    step: str | None = None
    epoch: str | None = None


@dataclass(frozen=True, slots=True)
class Point:
    file: str
    line: int  # 0 when the format has no lines
    position: float  # along the run, in the log's axis: the step, else the epoch, else the record's number
    step: float | None
    epoch: float | None
    value: float


@dataclass(frozen=True, slots=True)
class TrainingLog:
    path: str  # the file, or the folder of a TensorBoard run's event files
    kind: str  # what wrote it: "CSV", "trainer_state.json", "TensorBoard"
    columns: Columns
    axis: str  # what a point's position counts: "step", "epoch" or "record"
    train: tuple[Point, ...]  # training loss, in the order logged
    validation: tuple[Point, ...]  # validation loss, one point per evaluation


def build_log(path: str, kind: str, rows: Sequence[Row], columns: Columns) -> TrainingLog:
    """The loss series of a log's rows, each point placed along the run and at the row it came from."""
    axis = "step" if columns.step else "epoch" if columns.epoch else "record"
    train: list[Point] = []
    validation: list[Point] = []
    position = 0.0
    for number, row in enumerate(rows, start=1):
        step = row.values.get(columns.step) if columns.step else None
        epoch = row.values.get(columns.epoch) if columns.epoch else None
        # A record without the axis column (a summary row) stays where the previous one was.
        placed = {"step": step, "epoch": epoch, "record": float(number)}[axis]
        position = placed if placed is not None else position
        for name, series in ((columns.train, train), (columns.validation, validation)):
            if name is not None and name in row.values:
                series.append(Point(row.file, row.line, position, step, epoch, row.values[name]))
    return TrainingLog(path, kind, columns, axis, tuple(train), tuple(validation))
