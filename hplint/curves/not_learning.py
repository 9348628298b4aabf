"""HP803 not-learning: a tenth into the run, the training loss is still where it started."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hplint.curves.finding import Finding, loss, where
from hplint.curves.log import TrainingLog
from hplint.curves.numbers import INITIAL_VALUES, finite, initial_level, mean

MIN_VALUES = 10
ADVICE = (
    "check the learning rate (far too low, or so high the loss cannot settle), that the optimizer "
    "steps the model's own parameters, and that the labels match the inputs"
)


def not_learning(log: TrainingLog, options: Mapping[str, Any]) -> Finding | None:
    points = finite(log.train)
    if len(points) < MIN_VALUES:
        return None
    tolerance = float(options["tolerance"])
    start = initial_level(points)
    tenth = points[0].position + (points[-1].position - points[0].position) / 10
    mark = max(INITIAL_VALUES, next(index for index, point in enumerate(points) if point.position >= tenth))
    level = mean([point.value for point in points[mark:mark + INITIAL_VALUES]])
    if abs(level - start) > tolerance * abs(start):
        return None
    end = mean([point.value for point in points[-INITIAL_VALUES:]])
    evidence = (
        f"training loss is still {loss(level)} at {where(points[mark])}, past a tenth of the run, "
        f"within {tolerance:.0%} of where it started, {loss(start)} (mean of the first {INITIAL_VALUES} values); "
        f"it ends at {loss(end)}"
    )
    return Finding("HP803", points[mark], evidence, ADVICE, ("lr",))
