"""The search for the largest batch that fits: doubling, then bisecting; torch-free, so it is testable.

`trial(batch)` runs a few real optimizer steps at that batch size and returns samples/s, or
None when the device ran out of memory. Memory use grows with the batch, so the sizes that fit
form a prefix: doubling finds a size that fits and one that does not, bisection narrows the gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hplint.probe.spec import CheckResult

START = 2  # batch norm cannot train on a batch of 1
CAP = 16384


@dataclass(frozen=True)
class BatchSearch:
    largest_fit: int | None  # None: not even the first trial fitted
    first_failure: int | None  # the smallest size seen not to fit; None when none failed
    samples_per_s: dict[int, float] = field(default_factory=dict)
    trials: tuple[int, ...] = ()  # sizes tried, in order
    complete: bool = True  # False: stopped at the cap or out of time, largest_fit is a lower bound


def search_max_batch(
    trial: Callable[[int], float | None],
    start: int = START,
    cap: int = CAP,
    out_of_time: Callable[[], bool] = lambda: False,
) -> BatchSearch:
    rates: dict[int, float] = {}
    tried: list[int] = []

    def fits(batch: int) -> bool:
        tried.append(batch)
        rate = trial(batch)
        if rate is not None:
            rates[batch] = rate
        return rate is not None

    largest: int | None = None
    failure: int | None = None
    batch = start
    while batch <= cap:
        if out_of_time():
            return BatchSearch(largest, None, rates, tuple(tried), complete=False)
        if not fits(batch):
            failure = batch
            break
        largest = batch
        batch *= 2
    if failure is None:
        return BatchSearch(largest, None, rates, tuple(tried), complete=False)
    if largest is None:
        return BatchSearch(None, failure, rates, tuple(tried))
    # Bisect to within 1/16 of the answer: the margin applied afterwards is coarser than that.
    while failure - largest > max(1, largest // 16):
        if out_of_time():
            return BatchSearch(largest, failure, rates, tuple(tried), complete=False)
        middle = (largest + failure) // 2
        if fits(middle):
            largest = middle
        else:
            failure = middle
    return BatchSearch(largest, failure, rates, tuple(tried))


def recommended_batch(largest_fit: int, margin: float) -> int:
    """`margin` of the largest fitting batch, rounded down to a multiple of 8 (a power of two below 8)."""
    target = max(1, math.floor(largest_fit * margin))
    if target >= 8:
        return target // 8 * 8
    return 2 ** int(math.log2(target))


def expectation(configured: int | None) -> str:
    return f"batch {configured} fits" if configured else f"a batch of {START} fits"


def judge(
    search: BatchSearch,
    trial: Callable[[int], float | None],
    configured: int | None,
    configured_source: str,
    margin: float,
    memory: str,
) -> CheckResult:
    """HP905's verdict: fail when not even START fits, or when the configured batch does not."""
    rates = dict(search.samples_per_s)
    configured_fits = None
    if configured:
        if search.largest_fit is not None and configured <= search.largest_fit:
            configured_fits = True
        elif search.first_failure is not None and configured >= search.first_failure:
            configured_fits = False
        else:  # between the two, or past a search that stopped early: try it
            rate = trial(configured)
            configured_fits = rate is not None
            if rate is not None:
                rates[configured] = rate
    details: dict[str, Any] = {
        "largest_fit": search.largest_fit, "first_failure": search.first_failure, "complete": search.complete,
        "trials": list(search.trials), "samples_per_s": {str(size): rate for size, rate in sorted(rates.items())},
        "margin": margin, "configured_batch": configured, "configured_fits": configured_fits,
    }
    expected = expectation(configured)
    if search.largest_fit is None:
        message = (
            f"not even a batch of {search.first_failure} fits in {memory}: use a smaller input, mixed precision, "
            "gradient checkpointing, or a larger device"
        )
        measured = f"batch {search.first_failure}: out of memory"
        return CheckResult("HP905", "fail", measured, expected, message, details=details)
    recommended = recommended_batch(search.largest_fit, margin)
    details["max_batch"] = recommended
    fastest = max(rates, key=lambda size: rates[size])
    bound = "+, search stopped early" if not search.complete else ""
    measured = (
        f"max batch {recommended} ({margin:.0%} of {search.largest_fit}{bound}); "
        f"{rates[fastest]:,.0f} samples/s at {fastest}"
    )
    if configured_fits is False:
        source = f" ({configured_source})" if configured_source else ""
        message = (
            f"the training batch {configured}{source} does not fit in {memory}: the largest batch that does is "
            f"{search.largest_fit}; use {recommended} per device (with gradient accumulation for the rest)"
        )
        return CheckResult("HP905", "fail", measured, expected, message, details=details)
    return CheckResult("HP905", "pass", measured, expected, details=details)
