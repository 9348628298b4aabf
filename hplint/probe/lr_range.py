"""The arithmetic of the LR range test (Smith, *Cyclical Learning Rates*, 2017), without torch.

One sweep raises the learning rate exponentially, one optimizer step per value, on fresh
batches; it stops early when the loss is not finite or rises past `DIVERGENCE` times its lowest
(smoothed) value. The probe repeats the sweep (other seeds, other batches) and reads each curve
after the fact:

- the curve is smoothed with a centred moving average over log-spaced points, so the smoothing
  lags neither way (an online average drags the minimum towards larger learning rates);
- the loss must have *moved*: the smoothed minimum lies at least `MIN_DROP` below the start and
  clear of the batch-to-batch noise, or there is nothing to read;
- its range is the learning rates at which the smoothed loss lies clearly below where it
  started: from where it has fallen past that level to where, past its minimum, it climbs back
  above it; its suggestion is the steepest descent between the start of the range and the
  minimum. (The minimum itself, Smith's upper bound for a cycle, sits well below the rates
  that train best over a whole run when the sweep is short: Wu et al., 2018.)
- the repeats agree when their ranges overlap; the range reported is their intersection.

A sweep cut short by the time limit, a curve that barely moved and repeats that disagree make
the test inconclusive, never a finding.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

DIVERGENCE = 4.0  # the sweep stops when the loss exceeds this many times its lowest smoothed value
ONLINE_BETA = 0.9  # the online average the stop criterion reads (the reading itself smooths both ways)
STOP_DROP = 0.1  # a sweep whose average fell this far and climbed back above its start has passed its range
MIN_DROP = 0.05  # the smoothed minimum must lie this fraction below the start ...
NOISE_MARGIN = 4.0  # ... and this many standard errors of the smoothed curve below it
DESCENT_STARTED = 0.05  # the range's level: below the start by this fraction of the total drop ...
DESCENT_NOISE = 2.0  # ... and by this many standard errors of the smoothed curve
START_POINTS = 5  # the stop criterion's idea of the starting loss: the mean of the first losses
MIN_STEPS = 24  # fewer learning rates than this per sweep cannot show a curve
WARMUP_STEPS = 2  # steps at the first learning rate that time the sweep (and pay one-off costs)

# Where each optimizer's sweep runs: wide enough that a short run neither moves at the start nor
# survives at the end, and no wider (every decade costs steps). Adaptive methods normalise the
# step, so their scale is lower than SGD's; Adadelta's lr multiplies a step that is already
# unit-correct (its default is 1.0), two decades either side.
_SPANS = {
    "SGD": (1e-4, 10.0), "ASGD": (1e-4, 10.0), "Adagrad": (1e-4, 10.0),
    "Adam": (1e-5, 1.0), "AdamW": (1e-5, 1.0), "Adamax": (1e-5, 1.0), "NAdam": (1e-5, 1.0),
    "RAdam": (1e-5, 1.0), "RMSprop": (1e-5, 1.0), "SparseAdam": (1e-5, 1.0),
    "Adadelta": (1e-2, 1e2),
}
_DEFAULT_SPAN = (1e-5, 10.0)


@dataclass(frozen=True, slots=True)
class SweepReading:
    """What one sweep's curve says; `range` is None when it says nothing (see `reason`)."""

    lrs: tuple[float, ...]  # the learning rates swept (as far as the sweep went)
    losses: tuple[float, ...]  # the loss at each (before the step at that lr)
    smoothed: tuple[float, ...]
    stopped: str  # end | diverged | time
    low: float | None = None  # where the loss has clearly fallen below where it started
    high: float | None = None  # where it climbs back above that level
    lowest: float | None = None  # where the smoothed loss is lowest (Smith's upper bound for a cycle)
    open_low: bool = False  # the loss fell within the first points (where the start is read): it may start lower
    open_high: bool = False  # the loss was still below that level at the end: the range may end higher
    steepest: float | None = None  # the steepest descent per decade, inside the range
    drop: float = 0.0  # the smoothed loss's fall from its start to its minimum, as a fraction of the start
    reason: str = ""  # why there is no range

    @property
    def range(self) -> tuple[float, float] | None:
        return (self.low, self.high) if self.low is not None and self.high is not None else None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The repeats read together: a range when they agree, else the reason it is inconclusive."""

    readings: tuple[SweepReading, ...]
    low: float | None = None
    high: float | None = None
    suggested: float | None = None
    open_low: bool = False
    open_high: bool = False
    reason: str = ""  # why inconclusive, empty when there is a range

    @property
    def conclusive(self) -> bool:
        return self.low is not None


def span(optimizer: str, configured: float | None = None) -> tuple[float, float]:
    """The sweep's first and last learning rate for a torch.optim class name, reaching a decade past the
    configured lr on either side when it lies outside (plain SGD trains a word LSTM at 20)."""
    start, end = _SPANS.get(optimizer, _DEFAULT_SPAN)
    if configured is not None and configured > 0:
        start, end = min(start, configured / 10), max(end, configured * 10)
    return start, end


def sweep_lrs(steps: int, start: float, end: float) -> list[float]:
    """`steps` learning rates from start to end, evenly spaced on a log axis."""
    if steps < 2:
        return [start]
    ratio = end / start
    return [start * ratio ** (index / (steps - 1)) for index in range(steps)]


def planned_steps(max_steps: int, seconds_per_step: float, seconds: float, repeats: int) -> int:
    """Steps per sweep for `repeats` sweeps (each after WARMUP_STEPS steps but the first, already run) to fit
    in `seconds`; 0 when fewer than MIN_STEPS would."""
    if seconds_per_step <= 0:
        return max_steps
    affordable = int((seconds / seconds_per_step - (repeats - 1) * WARMUP_STEPS) / repeats)
    steps = min(max_steps, affordable)
    return steps if steps >= MIN_STEPS else 0


def seconds_needed(seconds_per_step: float, repeats: int) -> float:
    """The time `repeats` sweeps of MIN_STEPS steps take."""
    return seconds_per_step * (repeats * MIN_STEPS + (repeats - 1) * WARMUP_STEPS)


class Stopper:
    """The sweep's stop criterion, online: the loss is not finite, far above its lowest so far, or back
    above where it started after a real descent (the rest of the sweep lies past the range)."""

    def __init__(self) -> None:
        self.average = 0.0
        self.count = 0
        self.best = math.inf
        self.first: list[float] = []

    def diverged(self, loss: float) -> bool:
        if not math.isfinite(loss):
            return True
        self.count += 1
        if len(self.first) < START_POINTS:
            self.first.append(loss)
        self.average = ONLINE_BETA * self.average + (1 - ONLINE_BETA) * loss
        smoothed = self.average / (1 - ONLINE_BETA**self.count)  # bias-corrected: no pull towards 0
        self.best = min(self.best, smoothed)
        if self.count <= START_POINTS:
            return False
        start = sum(self.first) / len(self.first)
        returned = self.best <= (1 - STOP_DROP) * start and smoothed > start
        return smoothed > DIVERGENCE * self.best or returned


def smooth(values: Sequence[float], half: int) -> list[float]:
    """Centred moving average over 2*half+1 points (fewer at the ends)."""
    smoothed = []
    for index in range(len(values)):
        window = values[max(0, index - half) : index + half + 1]
        smoothed.append(sum(window) / len(window))
    return smoothed


def read_sweep(lrs: Sequence[float], losses: Sequence[float], stopped: str) -> SweepReading:
    """One sweep's curve: its range, or why it has none."""
    finite = 0
    while finite < len(losses) and math.isfinite(losses[finite]):
        finite += 1
    lrs, losses = list(lrs[:finite]), list(losses[:finite])
    if finite < len(losses) or stopped == "diverged":
        stopped = "diverged"
    half = max(1, round(len(losses) / 20))
    smoothed = smooth(losses, half)
    base = SweepReading(tuple(lrs), tuple(losses), tuple(smoothed), stopped)
    if len(losses) < 2 * half + 3:
        return _without(base, f"only {len(losses)} finite losses before the sweep stopped")
    lowest = min(range(len(smoothed)), key=smoothed.__getitem__)
    start = statistics.median(losses[: 2 * half + 1])  # one noisy first loss must not make a descent
    drop = start - smoothed[lowest]
    fraction = drop / abs(start) if start else 0.0
    noise = _noise(losses, smoothed, lowest) / math.sqrt(2 * half + 1)
    if fraction < MIN_DROP or drop < NOISE_MARGIN * noise:
        return _without(
            base,
            f"the loss barely moved: its smoothed minimum is {max(fraction, 0):.0%} below the start "
            f"(needs {MIN_DROP:.0%} and {NOISE_MARGIN:g}× the noise, {noise / abs(start) if start else 0:.1%})",
            drop=fraction,
        )
    level = start - max(DESCENT_STARTED * drop, DESCENT_NOISE * noise)
    first = next(index for index in range(lowest + 1) if smoothed[index] <= level)
    last = next((index - 1 for index in range(lowest, len(smoothed)) if smoothed[index] > level), len(smoothed) - 1)
    low = _crossing(lrs, smoothed, first - 1, level) if first > 0 else lrs[0]
    high = _crossing(lrs, smoothed, last, level) if last < len(lrs) - 1 else lrs[-1]
    return SweepReading(
        base.lrs, base.losses, base.smoothed, stopped, low=low, high=high, lowest=lrs[lowest],
        open_low=first <= 2 * half + 1, open_high=last >= len(lrs) - 1 - half and stopped != "diverged",
        steepest=_steepest(lrs, smoothed, first, lowest), drop=fraction,
    )


def _crossing(lrs: Sequence[float], smoothed: Sequence[float], index: int, level: float) -> float:
    """Where the smoothed curve crosses `level` between point `index` and the next, on a log lr axis."""
    before, after = smoothed[index], smoothed[index + 1]
    share = (level - before) / (after - before) if after != before else 0.5
    share = min(1.0, max(0.0, share))
    return lrs[index] * (lrs[index + 1] / lrs[index]) ** share


def _without(reading: SweepReading, reason: str, drop: float = 0.0) -> SweepReading:
    return SweepReading(reading.lrs, reading.losses, reading.smoothed, reading.stopped, drop=drop, reason=reason)


def _noise(losses: Sequence[float], smoothed: Sequence[float], lowest: int) -> float:
    """The batch-to-batch spread of the loss around its smoothed curve, up to the minimum (robust: MAD)."""
    residuals = [loss - level for loss, level in zip(losses[: lowest + 1], smoothed[: lowest + 1])]
    if len(residuals) < 3:
        return 0.0
    center = statistics.median(residuals)
    return 1.4826 * statistics.median(abs(value - center) for value in residuals)


def _steepest(lrs: Sequence[float], smoothed: Sequence[float], first: int, last: int) -> float:
    """The lr where the smoothed loss falls fastest per decade, between two indexes (central differences)."""
    best_slope, best_lr = 0.0, math.sqrt(lrs[first] * lrs[last])
    for index in range(max(first, 1), min(last, len(lrs) - 2) + 1):
        run = math.log10(lrs[index + 1]) - math.log10(lrs[index - 1])
        slope = (smoothed[index + 1] - smoothed[index - 1]) / run if run > 0 else 0.0
        if slope < best_slope:
            best_slope, best_lr = slope, lrs[index]
    return best_lr


def combine(readings: Sequence[SweepReading]) -> Verdict:
    """The repeats together: their common range when each has one and they overlap."""
    readings = tuple(readings)
    for number, reading in enumerate(readings, 1):
        if reading.stopped == "time":
            end = f"{reading.lrs[-1]:.1e}" if reading.lrs else "its start"
            return Verdict(readings, reason=f"sweep {number} was cut short by the time limit at lr {end}")
        if reading.range is None:
            return Verdict(readings, reason=f"sweep {number}: {reading.reason}")
    low = max(reading.low for reading in readings if reading.low is not None)
    high = min(reading.high for reading in readings if reading.high is not None)
    if low > high:
        ranges = ", ".join(f"{reading.low:.1e} to {reading.high:.1e}" for reading in readings)
        return Verdict(readings, reason=f"the sweeps disagree: their ranges ({ranges}) do not overlap")
    steepest = [reading.steepest for reading in readings if reading.steepest]
    suggested = math.exp(sum(math.log(value) for value in steepest) / len(steepest)) if steepest else low
    suggested = min(max(suggested, low), high)
    return Verdict(
        readings, low, high, suggested,
        open_low=all(reading.open_low for reading in readings if reading.low == low),
        open_high=all(reading.open_high for reading in readings if reading.high == high),
    )


def off_by(configured: float, reading: SweepReading) -> float:
    """How many times the configured lr lies outside one sweep's range (1.0 inside it, or past an open end)."""
    if reading.low is None or reading.high is None:
        return 1.0
    if configured > reading.high and not reading.open_high:
        return configured / reading.high
    if configured < reading.low and not reading.open_low:
        return reading.low / configured if configured > 0 else math.inf
    return 1.0


def outside_every_range(configured: float, verdict: Verdict, factor: float) -> float | None:
    """The least factor by which the configured lr misses the repeats' ranges, when it misses all by > factor."""
    if not verdict.conclusive:
        return None
    least = min(off_by(configured, reading) for reading in verdict.readings)
    return least if least > factor else None
