"""HP802 oscillating-plateau: the training loss stopped falling long before the end but still swings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hplint.curves.finding import Finding, loss, where
from hplint.curves.log import TrainingLog
from hplint.curves.numbers import finite, initial_level, line_fit, mean, root_mean_square

MIN_TAIL = 10  # fewer values cannot tell a trend from a swing
LEARNED = 0.1  # the tail must be this far (relative) below the initial level: a flat loss from the start is HP803's
ADVICE = "decay the learning rate (step it down when the loss stalls, or use a cosine or exponential schedule)"


def oscillating_plateau(log: TrainingLog, options: Mapping[str, Any]) -> Finding | None:
    points = finite(log.train)
    size = max(MIN_TAIL, round(float(options["tail"]) * len(points)))
    if len(points) < 2 * size:
        return None
    tail = points[-size:]
    values = [point.value for point in tail]
    level = mean(values)
    start = initial_level(points)
    if level > start - LEARNED * abs(start):
        return None
    slope, residuals = line_fit(values)
    drop = -slope * (size - 1)  # how far the trend line falls across the tail
    swing = root_mean_square(residuals)  # how far the loss strays from it
    if swing < float(options["swing"]) * abs(level) or abs(drop) >= swing:
        return None
    trend = f"falls by only {drop:.2g}" if drop > 0 else f"rises by {-drop:.2g}"
    evidence = (
        f"training loss has stopped falling: over the last {size} values, from {where(tail[0])}, "
        f"its trend {trend} while it swings by ±{swing:.2g} around {loss(level)} (it started at {loss(start)})"
    )
    return Finding("HP802", tail[0], evidence, ADVICE, ("lr",))
