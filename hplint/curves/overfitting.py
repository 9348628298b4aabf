"""HP804 overfitting: validation loss rises for a window of evaluations while training loss keeps falling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hplint.curves.evaluations import evaluations
from hplint.curves.finding import Finding, loss, where
from hplint.curves.log import TrainingLog

ADVICE = "regularise: more dropout or weight decay, fewer hidden units, or more data (or stop earlier)"


def overfitting(log: TrainingLog, options: Mapping[str, Any]) -> Finding | None:
    window, min_rise = int(options["window"]), float(options["min-rise"])
    pairs = [(each.validation, each.train_loss) for each in evaluations(log) if each.train_loss is not None]
    for base_index in range(len(pairs) - max(window, 1)):
        (base, base_train), later = pairs[base_index], pairs[base_index + 1:base_index + 1 + max(window, 1)]
        end, end_train = later[-1]
        rising = all(validation.value > base.value for validation, _ in later)
        if not rising or end.value < base.value + min_rise * abs(base.value) or end_train >= base_train:
            continue
        started = later[0][0]
        evidence = (
            f"overfitting since {where(started)}: validation loss rose from {loss(base.value)} at {where(base)} "
            f"to {loss(end.value)} at {where(end)} while training loss fell from {loss(base_train)} "
            f"to {loss(end_train)}"
        )
        final, final_train = pairs[-1]
        if final_train > 0 and final.value > 0:
            evidence += f"; at the end validation loss is {final.value / final_train:.3g}× training loss"
        return Finding("HP804", started, evidence, ADVICE, ("dropout", "weight_decay"))
    return None
