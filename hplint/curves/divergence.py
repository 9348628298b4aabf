"""HP801 loss-diverges: the training loss becomes NaN/inf, or climbs over a window and stays up."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hplint.curves.finding import Finding, loss, where
from hplint.curves.log import TrainingLog
from hplint.curves.numbers import rolling_means

ADVICE = "the learning rate is too high: lower it (try a tenth) or warm it up"


def loss_diverges(log: TrainingLog, options: Mapping[str, Any]) -> Finding | None:
    broken = next((point for point in log.train if not math.isfinite(point.value)), None)
    if broken is not None:
        return Finding("HP801", broken, f"training loss became {broken.value} at {where(broken)}", ADVICE, ("lr",))
    window, rise = int(options["window"]), float(options["rise"])
    values = [point.value for point in log.train]
    if window < 1 or len(values) < 2 * window:
        return None
    means = rolling_means(values, window)
    best = 0
    for start in range(window, len(means)):
        # The best window so far ends before this one starts: a window is never compared with itself.
        if means[start - window] < means[best]:
            best = start - window
        limit = means[best] + rise * abs(means[best])
        if means[start] > limit and means[-1] > limit:
            # The window's mean is over the limit, so one of its values is: the climb starts there.
            climb = next(point for point in log.train[start:start + window] if point.value > limit)
            evidence = (
                f"training loss climbs from {where(climb)}: its mean over {window} values rose from "
                f"{loss(means[best])} (from {where(log.train[best])}) to {loss(means[start])}, more than {rise:.0%} "
                f"above it, and the last {window} values still average {loss(means[-1])}"
            )
            return Finding("HP801", climb, evidence, ADVICE, ("lr",))
    return None
