"""HP904 lr-range: LR range tests on the run's own optimizer, batch size and data, repeated over seeds.

The arithmetic (the sweep's learning rates, reading a curve, the repeats' agreement, the
verdict) is in hplint/probe/lr_range.py, apart from torch; here the sweeps run.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Mapping
from typing import Any

from hplint.probe import lr_range
from hplint.probe.recipe import Trainee
from hplint.probe.spec import CheckResult
from hplint.probe.workbench import Workbench, reference_lr, set_lr

SAFETY = 1.3  # step times vary: plan the sweeps for steps this much slower than the warm-up's


def lr_range_test(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    factor = float(options["factor"])
    max_steps = int(options["steps"])
    repeats = max(1, int(options["repeats"]))
    cap, started = bench.time_cap("HP904"), time.perf_counter()
    context = _context(bench)
    configured = bench.lr.value if bench.lr is not None else None
    expected = (
        f"configured lr within {factor:g}× of the range of {repeats} agreeing sweeps" if configured is not None
        else f"a range from {repeats} agreeing sweeps"
    )
    readings: list[lr_range.SweepReading] = []
    details: dict[str, Any] = {**context, "repeats": repeats, "configured_lr": configured,
                               "configured_lr_source": bench.lr.source if bench.lr else ""}
    steps, planned = 0, 0
    for repeat in range(repeats):
        trainee = bench.fresh(seed=bench.spec.seed + repeat)
        optimizer = bench.optimizer(trainee)
        start, end = lr_range.span(type(optimizer).__name__, configured)
        batches = bench.sweep_batches()
        sweep_started = time.perf_counter()
        times = _warm_up(bench, trainee, optimizer, batches, start)
        per_step = SAFETY * (min(times[1:]) if len(times) > 1 else times[0])
        left = cap - (time.perf_counter() - started)
        if repeat == 0:
            details.update({"seconds_per_step": per_step, "span": [start, end]})
            planned = lr_range.planned_steps(max_steps, per_step, left, repeats)
            steps = planned
            details["steps"] = planned
            if steps == 0:
                need = lr_range.seconds_needed(per_step, repeats)
                reason = (
                    f"inconclusive: a sweep step takes {per_step:.2g} s, so {repeats} sweeps of at least "
                    f"{lr_range.MIN_STEPS} steps need {need:.0f} s and this check has {cap:.0f} s; raise --timeout, "
                    "select HP904 alone, or run on a GPU"
                )
                return CheckResult("HP904", "skip", "inconclusive: too slow to sweep", expected, reason, details=details)
        else:  # the machine may have slowed down: plan the sweeps left on the pace of the last one
            steps = min(planned, max(lr_range.MIN_STEPS, lr_range.planned_steps(max_steps, per_step, left, repeats - repeat)))
        details.setdefault("sweep_steps", []).append(steps)
        lrs = lr_range.sweep_lrs(steps, start, end)
        losses, stopped = _sweep(bench, trainee, optimizer, batches, lrs, started + cap)
        readings.append(lr_range.read_sweep(lrs[: len(losses)], losses, stopped))
        details.setdefault("sweep_seconds", []).append(round(time.perf_counter() - sweep_started, 2))
        del trainee, optimizer
        gc.collect()
        if stopped == "time":
            break
    verdict = lr_range.combine(readings)
    details.update(_verdict_details(verdict, bench.spec.seed))
    sweeps = f"{len(readings)} sweeps of {planned} steps" if len(set(details["sweep_steps"])) == 1 else (
        f"{len(readings)} sweeps of {min(details['sweep_steps'])} to {planned} steps"
    )
    if not verdict.conclusive:
        on = f" (no verdict on the configured lr {configured:g}, {bench.lr.source})" if bench.lr else ""
        message = f"inconclusive: {verdict.reason}{on}"
        return CheckResult("HP904", "skip", f"inconclusive ({sweeps})", expected, message, details=details)
    assert verdict.low is not None and verdict.high is not None and verdict.suggested is not None
    measured = f"{context['optimizer']} {verdict.low:.1e} to {verdict.high:.1e} in {sweeps}, suggested {verdict.suggested:.1e}"
    if configured is None or bench.lr is None:
        return CheckResult("HP904", "pass", measured, f"{expected} (no configured lr: --lr)", details=details)
    least = min(lr_range.off_by(configured, reading) for reading in verdict.readings)
    details["off_by"] = least
    measured += f"; configured {configured:g}" + (f", {least:.1f}× outside" if least > 1 else "")
    if lr_range.outside_every_range(configured, verdict, factor) is None:
        return CheckResult("HP904", "pass", measured, expected, details=details)
    direction = "above" if configured > verdict.high else "below"
    message = (
        f"the configured lr {configured:g} ({bench.lr.source}) is {least:.0f}× {direction} the range where the loss "
        f"fell below its start in all {len(readings)} LR range sweeps, {verdict.low:.1e} to {verdict.high:.1e} "
        f"(steepest descent at {verdict.suggested:.1e}), with {context['optimizer']} ({context['optimizer_source']}), batch "
        f"{context['batch_size']} ({context['batch_source']}) on {context['data']}; try {verdict.suggested:.1e}"
    )
    return CheckResult("HP904", "fail", measured, expected, message, details=details)


def _context(bench: Workbench) -> dict[str, Any]:
    from hplint.probe.workbench import DEFAULT_BATCH

    batch = bench.batch_size
    return {
        "optimizer": bench.run_optimizer.describe(), "optimizer_source": bench.run_optimizer.source,
        "batch_size": batch.value if batch else DEFAULT_BATCH,
        "batch_source": batch.source if batch else "the probe's default",
        "data": "synthetic data" if bench.synthetic_data else bench.recipe.data_name,
    }


def _one_step(bench: Workbench, trainee: Trainee, optimizer: Any, batch: Any) -> float:
    optimizer.zero_grad(set_to_none=True)
    loss = bench.loss(trainee.model, batch)
    value = loss.item()
    if value == value and abs(value) != float("inf"):
        loss.backward()
        optimizer.step()
    return value


def _warm_up(bench: Workbench, trainee: Trainee, optimizer: Any, batches: Iterator[Any], lr: float) -> list[float]:
    """A few steps at the sweep's first learning rate, timed: they pay one-off costs and size the sweeps."""
    set_lr(optimizer, lr, reference_lr(optimizer))
    times = []
    for _ in range(lr_range.WARMUP_STEPS):
        started = time.perf_counter()
        _one_step(bench, trainee, optimizer, next(batches))
        times.append(time.perf_counter() - started)
    return times


def _sweep(
    bench: Workbench, trainee: Trainee, optimizer: Any, batches: Iterator[Any], lrs: list[float], deadline: float,
) -> tuple[list[float], str]:
    reference = reference_lr(optimizer)
    stopper = lr_range.Stopper()
    losses: list[float] = []
    for lr in lrs:
        if time.perf_counter() > deadline:
            return losses, "time"
        set_lr(optimizer, lr, reference)
        value = _one_step(bench, trainee, optimizer, next(batches))
        losses.append(value)
        if stopper.diverged(value):
            return losses, "diverged"
    return losses, "end"


def _verdict_details(verdict: lr_range.Verdict, seed: int) -> dict[str, Any]:
    sweeps = []
    for number, reading in enumerate(verdict.readings):
        sweeps.append({
            "seed": seed + number, "stopped": reading.stopped, "range": list(reading.range) if reading.range else None,
            "open": [reading.open_low, reading.open_high], "steepest": reading.steepest, "lowest": reading.lowest,
            "drop": reading.drop,
            "reason": reading.reason,
            "curve": [
                {"lr": lr, "loss": loss, "smoothed": smoothed}
                for lr, loss, smoothed in zip(reading.lrs, reading.losses, reading.smoothed)
            ],
        })
    return {
        "verdict": "range" if verdict.conclusive else "inconclusive", "reason": verdict.reason,
        "suggested_range": [verdict.low, verdict.high] if verdict.conclusive else None,
        "suggested_lr": verdict.suggested, "open": [verdict.open_low, verdict.open_high], "sweeps": sweeps,
        "curve": sweeps[0]["curve"] if sweeps else [],
    }
