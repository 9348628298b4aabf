"""HP806 noisy-validation: the evaluations before the best that did not improve on the best so far."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hplint.curves.finding import Finding, loss, where
from hplint.curves.log import Point, TrainingLog
from hplint.curves.numbers import finite


def noisy_validation(log: TrainingLog, options: Mapping[str, Any]) -> Finding | None:
    validation = finite(log.validation)
    if len(validation) < 2:
        return None
    best_index = min(range(len(validation)), key=lambda index: validation[index].value)  # the first of equal minima
    best = validation[best_index]
    bumps: list[Point] = []
    streak, longest = 0, 0
    running = validation[0].value
    for point in validation[1:best_index]:
        if point.value < running:
            running, streak = point.value, 0
            continue
        bumps.append(point)
        streak += 1
        longest = max(longest, streak)
    if not bumps or len(bumps) < int(options["min-bumps"]):
        return None
    times = "once" if len(bumps) == 1 else f"{len(bumps)} times"
    evidence = (
        f"validation loss failed to improve on its best {times} before reaching its lowest, {loss(best.value)} at "
        f"{where(best)}: a patience of 1 would have stopped at {where(bumps[0])}, and the longest wait for a new "
        f"best was {longest} evaluation{'s' if longest > 1 else ''}"
    )
    advice = f"validate on more data or wait longer: an early-stopping patience of at least {longest + 1}"
    return Finding("HP806", bumps[0], evidence, advice, ("patience",))
