"""HP1xx: optimisation hyperparameters (batch size, learning rate, schedules, early stopping)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from hplint.checks import Rule
from hplint.diagnostics import Diagnostic, Severity
from hplint.facts import Location
from hplint.project import Project, Setting


_FACTOR_NAMES = {"grad_accum": "accumulation steps", "devices": "devices"}


def _number(setting: Setting) -> float | None:
    value = setting.value.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def format_number(value: object) -> str:
    """`2.0`, `0.0003`, `1e-05`, `256`: short, and a float still reads as a float."""
    if isinstance(value, float):
        text = f"{value:g}"
        return text if any(mark in text for mark in ".eninf") else f"{text}.0"
    return str(value)


def _described(setting: Setting, label: str) -> str:
    """`DataLoader batch_size=256 via BATCH_SIZE (used at train.py:30)`, `SGD lr=2.0`, `lr=3.0 (key optim.lr)`.

    The finding sits where the value is written, so the message names the chain and the use.
    """
    value = f"{label}={format_number(setting.value.value)}"
    if setting.in_config:
        return f"{value} (key {setting.consumer})"
    chain = " ← ".join(hop.description for hop in setting.value.chain)
    if not chain:
        return f"{setting.consumer} {value}"
    return f"{setting.consumer} {value} via {chain} (used at {setting.use})"


def _once_per_value(settings: list[Setting], role: str | None = None) -> Iterator[Setting]:
    """One finding per place a value is written, however many places use it.

    A value that code consumes is described by its use in code (a config key read by
    `DataLoader(batch_size=cfg.data.batch_size)` is "used by DataLoader"), and only those uses
    decide its role: the same key read by an evaluation loader is not a training batch.
    """
    by_origin: dict[Location, list[Setting]] = {}
    for setting in settings:
        by_origin.setdefault(setting.value.origin, []).append(setting)
    for uses in by_origin.values():
        in_code = [setting for setting in uses if not setting.in_config] or uses
        if role is not None:
            in_code = [setting for setting in in_code if setting.role == role]
        if in_code:
            yield min(in_code, key=lambda s: (s.use.path, s.use.line, s.use.column))


def _source(setting: Setting) -> Location | None:
    """The use, when the value travelled there from somewhere else."""
    return setting.use if setting.value.chain else None


class LargeBatch(Rule):
    code = "HP101"
    name = "large-batch"
    severity = Severity.WARNING
    summary = "minibatch per optimizer step larger than max"
    options = {"max": 32}

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        limit = options["max"]
        candidates = [
            setting for setting in project.settings("batch_size") if setting.in_config or project.trains
        ]
        for setting in _once_per_value(candidates, role="train"):
            size = _number(setting)
            if size is None:
                continue
            factors = project.batch_factors(setting)
            total = math.prod([size, *(factor.value.value for factor in factors)])  # type: ignore[misc]
            if total <= limit:
                continue
            product = "".join(
                f" × {factor.value.value} {_FACTOR_NAMES[factor.hyperparameter]} ({factor.value.origin})"
                for factor in factors
            )
            per_step = f"{product} = {format_number(total)}" if factors else f": {format_number(total)}"
            yield self.diagnostic(
                f"{_described(setting, 'batch_size')}{per_step} samples per optimizer step is above {limit}; "
                f"small minibatches generalise better, try {limit} or fewer",
                setting.value.origin,
                _source(setting),
            )


class LearningRateOutOfRange(Rule):
    code = "HP103"
    name = "lr-out-of-range"
    severity = Severity.WARNING
    summary = "learning rate outside [min, max]; zero or negative is an error"
    options = {"min": 1e-6, "max": 1.0}

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        low, high = options["min"], options["max"]
        for setting in _once_per_value(project.settings("lr")):
            lr = _number(setting)
            if lr is None:
                continue
            described = _described(setting, "lr")
            if lr <= 0:
                yield self.diagnostic(
                    f"{described} is not positive: nothing is learned; start from 0.01 (SGD) or 1e-3 (Adam)",
                    setting.value.origin, _source(setting), Severity.ERROR,
                )
            elif lr > high:
                yield self.diagnostic(
                    f"{described} is above {format_number(high)}: updates overshoot and the loss diverges; "
                    "try log-spaced values from 0.1 down",
                    setting.value.origin, _source(setting),
                )
            elif lr < low:
                yield self.diagnostic(
                    f"{described} is below {format_number(low)}: training barely moves; try log-spaced values from 0.1 down",
                    setting.value.origin, _source(setting),
                )
