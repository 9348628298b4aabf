"""HP906 regularization-check: with dropout and weight decay on, the loss on the overfit batch is higher."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import torch

from hplint.probe.spec import CheckResult
from hplint.probe.workbench import (
    OVERFIT_BATCH, Workbench, disable_dropout, dropout_layers, fit_batch, is_stochastic, names,
)

OVERFIT_LR = 1e-3
MIN_COMPARABLE_STEPS = 20
MEMORISED = 0.01  # both losses below this share of the first: each run learnt the batch by heart


def regularization_check(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    steps = int(options["steps"])
    weight_decay = float(options["weight-decay"])
    expected = "higher loss with regularisation on"
    batch = bench.batch("overfit")  # HP902's batch
    model = bench.fresh_model()
    layers = dropout_layers(model)
    stochastic = is_stochastic(bench, model, batch)
    disable_dropout(model)
    if is_stochastic(bench, model, batch):
        reason = (
            "the model stays random in training mode with its dropout layers at p=0 (functional dropout or noise "
            "layers), so there is no run without regularisation to compare with"
        )
        return CheckResult("HP906", "skip", "stochastic without dropout layers", expected, reason)
    if not layers:
        reason = (
            f"the model has no dropout; weight decay alone ({weight_decay:g}) changes a {steps}-step run too little "
            "to measure"
        )
        return CheckResult("HP906", "skip", "no dropout", expected, reason)
    details: dict[str, Any] = {"dropout_layers": layers, "weight_decay": weight_decay}
    if not stochastic:
        message = (
            f"{len(layers)} dropout layer(s) with p > 0 ({names(layers)}), but two training-mode forward passes give "
            "identical outputs: the dropout is never applied (a layer built in __init__ that forward does not call?)"
        )
        return CheckResult("HP906", "fail", "dropout has no effect", expected, message, details=details)
    cap, started = bench.time_cap("HP906"), time.perf_counter()
    plain_model = bench.fresh_model()
    disable_dropout(plain_model)
    plain_optimizer = torch.optim.AdamW(plain_model.parameters(), lr=OVERFIT_LR, weight_decay=0.0)
    plain = fit_batch(bench, plain_model, plain_optimizer, batch, steps, cap / 2)
    updates = len(plain.losses) - 1
    regular_model = bench.fresh_model()
    regular_optimizer = torch.optim.AdamW(regular_model.parameters(), lr=OVERFIT_LR, weight_decay=weight_decay)
    regular = fit_batch(bench, regular_model, regular_optimizer, batch, updates, cap - (time.perf_counter() - started))
    if plain.stopped == "nonfinite" or regular.stopped == "nonfinite":
        reason = "the loss became non-finite (see HP902, HP903)"
        return CheckResult("HP906", "skip", "non-finite loss", expected, reason)
    if updates < MIN_COMPARABLE_STEPS or len(regular.losses) != len(plain.losses):
        reason = f"only {updates} steps fit in this check's time budget; raise --timeout or run on a GPU"
        return CheckResult("HP906", "skip", f"{updates} steps", expected, reason, details=details)
    tail = max(1, min(10, updates // 4))  # dropout makes single losses noisy: compare the last few
    plain_loss = sum(plain.losses[-tail:]) / tail
    regular_loss = sum(regular.losses[-tail:]) / tail
    details.update(
        {"steps": updates, "plain_loss": plain_loss, "regularized_loss": regular_loss, "averaged_over": tail}
    )
    measured = f"{regular_loss:.3g} with vs {plain_loss:.3g} without"
    if regular_loss > plain_loss:
        return CheckResult("HP906", "pass", measured, expected, details=details)
    memorised = MEMORISED * plain.losses[0]
    if max(regular_loss, plain_loss) < memorised:
        reason = (
            f"with and without regularisation the model memorised the batch (loss {regular_loss:.2g} and "
            f"{plain_loss:.2g}, below {memorised:.2g}, a hundredth of where it started): dropout "
            f"({names(layers)}) that is applied, as it is here, is too weak to show on {OVERFIT_BATCH} samples"
        )
        return CheckResult("HP906", "skip", measured, expected, reason, details=details)
    message = (
        f"with dropout ({names(layers)}) and weight decay {weight_decay:g} on, the loss on the overfit batch after "
        f"{updates} steps is {regular_loss:.3g}, not higher than {plain_loss:.3g} without them: the regularisation "
        "has no effect on training; check that forward applies the dropout layers"
    )
    return CheckResult("HP906", "fail", measured, expected, message, details=details)
