"""HP902 cannot-overfit: with regularisation off, the model drives the loss on one small batch near zero."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from hplint.probe.spec import CheckResult
from hplint.probe.workbench import (
    OVERFIT_BATCH, Workbench, disable_dropout, fit_batch, looks_like_probabilities, make_optimizer,
)

OVERFIT_LR = 1e-3  # Adam's default: the overfit runs test the model's wiring, HP904 tests the lr


def cannot_overfit(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    steps = int(options["steps"])
    fraction = float(options["threshold"])
    model = bench.fresh_model()
    disable_dropout(model)
    batch = bench.batch("overfit")
    optimizer = make_optimizer("Adam", model.parameters(), lr=OVERFIT_LR)
    with torch.no_grad():
        output, loss = bench.output_and_loss(model, batch)
    chance = bench.chance(batch, output) or (abs(loss.item()), "the initial loss")  # unknown kind: a tenth of the start
    level, level_text = chance
    threshold = fraction * level
    run = fit_batch(
        bench, model, optimizer, batch, steps, bench.time_cap("HP902"), stop_below=threshold, still_falling=2 * steps,
    )
    updates = len(run.losses) - 1
    first, best, last = run.losses[0], min(run.losses), run.losses[-1]
    probabilities = looks_like_probabilities(run.output, bench.loss_kind)
    details = {
        "initial_loss": first, "final_loss": last, "best_loss": best, "threshold": threshold, "steps": updates,
        "max_steps": steps, "output_looks_like_probabilities": probabilities,
        "losses": [round(value, 6) for value in run.losses],
    }
    expected = f"< {threshold:.3g} ({fraction:g} × {level_text} = {level:.3g}) within {steps} steps"
    measured = f"{last:.3g} after {updates} steps"
    setup = f"Adam steps (lr {OVERFIT_LR:g}, dropout off, no weight decay) on one batch of {OVERFIT_BATCH}"
    if run.stopped == "reached":
        return CheckResult("HP902", "pass", measured, expected, details=details)
    if run.stopped == "time":
        reason = (
            f"only {updates} of {steps} steps fit in this check's time budget and the loss ({last:.3g}) is not "
            f"below {threshold:.3g} yet; raise --timeout or run on a GPU"
        )
        return CheckResult("HP902", "skip", measured, expected, reason, details=details)
    if run.stopped == "nonfinite":
        message = (
            f"the loss became {last} after {updates} {setup}: training diverges even at a small learning rate; "
            "look for an operation that overflows or divides by zero"
            if updates else
            f"the loss is {last} before the first step: the forward pass yields non-finite values (see HP901)"
        )
        return CheckResult("HP902", "fail", measured, expected, message, details=details)
    hint = (
        "the outputs are probabilities (rows sum to 1, or all in [0, 1]): remove the softmax/sigmoid at the "
        "output, the loss applies it itself"
        if probabilities
        else "check that the raw output reaches the loss, that no layer blocks the gradient, and that the model "
        "is not too narrow"
    )
    message = (
        f"the loss fell only from {first:.3g} to {best:.3g} in {updates} {setup}; a healthy model drives it below "
        f"{threshold:.3g}: {hint}"
    )
    return CheckResult("HP902", "fail", measured, expected, message, details=details)
