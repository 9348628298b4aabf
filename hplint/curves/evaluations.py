"""The run's evaluations, each with the training loss of the stretch of training before it."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

from hplint.curves.log import Point, TrainingLog
from hplint.curves.numbers import finite


@dataclass(frozen=True, slots=True)
class Evaluation:
    validation: Point
    train_loss: float | None  # mean training loss logged since the previous evaluation; None when none was


def evaluations(log: TrainingLog) -> list[Evaluation]:
    """Finite validation losses in order, each paired with the training losses logged after the previous
    evaluation up to and including its own position (Lightning logs an epoch's loss at the same step)."""
    train = sorted(finite(log.train), key=lambda point: point.position)
    positions = [point.position for point in train]
    totals = [0.0, *itertools.accumulate(point.value for point in train)]
    paired = []
    previous = float("-inf")
    for point in finite(log.validation):
        low, high = bisect.bisect_right(positions, previous), bisect.bisect_right(positions, point.position)
        paired.append(Evaluation(point, (totals[high] - totals[low]) / (high - low) if high > low else None))
        previous = point.position
    return paired
