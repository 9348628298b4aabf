"""The arithmetic of the LR range test (Smith, *Cyclical Learning Rates*, 2017), without torch.

The sweep raises the learning rate exponentially, one optimizer step per value; the loss is
smoothed with a bias-corrected exponential moving average; the sweep stops when the smoothed
loss exceeds `DIVERGENCE` times the best so far (or is not finite). Two suggestion rules read
the curve, because either alone is fragile: the steepest descent of the smoothed loss per
decade of learning rate (noisy curves give spurious steep spots), and a tenth of the learning
rate at the smallest smoothed loss (which sits close to where training blows up).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

START_LR = 1e-7
END_LR = 10.0
BETA = 0.98
DIVERGENCE = 4.0
SKIP_START = 10  # the first points are dominated by the average's warm-up
MIN_DROP = 0.05  # the smallest smoothed loss must be this far below the first, or nothing was learnt


@dataclass(frozen=True, slots=True)
class CurvePoint:
    lr: float
    loss: float
    smoothed: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    steepest: float  # where the smoothed loss falls fastest per decade of lr
    min_over_10: float  # a tenth of the lr at the smallest smoothed loss
    low: float
    high: float
    suggested: float  # the geometric mean of the two rules


def sweep_lrs(steps: int, start: float = START_LR, end: float = END_LR) -> list[float]:
    """`steps` learning rates from start to end, evenly spaced on a log axis."""
    if steps < 2:
        return [start]
    ratio = end / start
    return [start * ratio ** (index / (steps - 1)) for index in range(steps)]


class Smoother:
    """Bias-corrected exponential moving average: the first values are not pulled towards 0."""

    def __init__(self, beta: float = BETA) -> None:
        self.beta = beta
        self.average = 0.0
        self.count = 0

    def update(self, value: float) -> float:
        self.count += 1
        self.average = self.beta * self.average + (1 - self.beta) * value
        return self.average / (1 - self.beta**self.count)


def diverged(smoothed: float, best: float) -> bool:
    return not math.isfinite(smoothed) or smoothed > DIVERGENCE * best


def suggest(curve: Sequence[CurvePoint]) -> Suggestion | None:
    """The suggested range, or None when the curve shows no descent to read a suggestion from."""
    points = [point for point in curve if math.isfinite(point.smoothed) and point.lr > 0]
    if len(points) < SKIP_START + 3:
        return None
    best = min(range(len(points)), key=lambda index: points[index].smoothed)
    if points[best].smoothed > (1 - MIN_DROP) * points[0].smoothed:
        return None
    min_over_10 = points[best].lr / 10
    steepest = _steepest_descent(points[SKIP_START : best + 1]) or min_over_10
    low, high = min(steepest, min_over_10), max(steepest, min_over_10)
    return Suggestion(steepest, min_over_10, low, high, math.sqrt(steepest * min_over_10))


def _steepest_descent(points: Sequence[CurvePoint]) -> float | None:
    """The lr where the smoothed loss falls fastest per decade, measured over a window of points.

    A window (a tenth of the sweep's points, at least 2) rather than neighbouring points: single
    steps of a noisy curve make spurious steep spots.
    """
    window = max(2, len(points) // 10)
    best_slope, best_lr = 0.0, None
    for before, after in zip(points, points[window:]):
        run = math.log10(after.lr) - math.log10(before.lr)
        if run <= 0:
            continue
        slope = (after.smoothed - before.smoothed) / run
        if slope < best_slope:
            best_slope, best_lr = slope, math.sqrt(before.lr * after.lr)
    return best_lr


def off_by(configured: float, suggestion: Suggestion) -> float:
    """How many times the configured lr lies outside the suggested range (1.0 when inside it)."""
    if configured > suggestion.high:
        return configured / suggestion.high
    if configured < suggestion.low:
        return suggestion.low / configured if configured > 0 else math.inf
    return 1.0
