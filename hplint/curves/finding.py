"""What an analysis finds on a curve, before it becomes a diagnostic of the log file."""

from __future__ import annotations

from dataclasses import dataclass

from hplint.curves.log import Point


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    at: Point  # where it starts: the row the diagnostic points at, the mark on the plot
    evidence: str  # what the curve shows, with its values and where they are
    advice: str  # what to change
    hyperparameters: tuple[str, ...]  # the settings the advice is about; `--project` names the first one written


def where(point: Point) -> str:
    """`epoch 11 (step 1200)`, `step 340`, `epoch 3`, or `record 12` for a log without either."""
    if point.epoch is not None and point.step is not None:
        return f"epoch {_number(point.epoch)} (step {_number(point.step)})"
    if point.epoch is not None:
        return f"epoch {_number(point.epoch)}"
    if point.step is not None:
        return f"step {_number(point.step)}"
    return f"record {_number(point.position)}"


def loss(value: float) -> str:
    return f"{value:.4g}"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0")
