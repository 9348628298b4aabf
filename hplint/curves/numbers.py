"""The few statistics the analyses need, on plain lists of floats."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hplint.curves.log import Point

INITIAL_VALUES = 3  # the initial level of a loss is the mean of its first three logged values


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def rolling_means(values: Sequence[float], width: int) -> list[float]:
    """The mean of every run of `width` consecutive values; entry i covers values[i : i + width]."""
    means = []
    total = math.fsum(values[:width])
    for start in range(len(values) - width + 1):
        if start:
            total += values[start + width - 1] - values[start - 1]
        means.append(total / width)
    return means


def line_fit(values: Sequence[float]) -> tuple[float, list[float]]:
    """Least-squares line through the values at 0, 1, 2, ...: its slope per value, and the residuals."""
    count = len(values)
    centre = (count - 1) / 2
    average = mean(values)
    spread = sum((index - centre) ** 2 for index in range(count))
    slope = sum((index - centre) * (value - average) for index, value in enumerate(values)) / spread
    residuals = [value - (average + slope * (index - centre)) for index, value in enumerate(values)]
    return slope, residuals


def root_mean_square(values: Sequence[float]) -> float:
    return math.sqrt(mean([value * value for value in values]))


def finite(points: Sequence[Point]) -> list[Point]:
    return [point for point in points if math.isfinite(point.value)]


def initial_level(points: Sequence[Point]) -> float:
    return mean([point.value for point in points[:INITIAL_VALUES]])
