"""HP901 init-loss: the loss of the freshly built model, next to the loss of a model that knows nothing."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from hplint.probe.spec import CheckResult
from hplint.probe.workbench import Workbench, looks_like_probabilities


def init_loss(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    model = bench.fresh_model()
    batch = bench.batch("init")
    with torch.no_grad():
        output, loss_tensor = bench.output_and_loss(model, batch)
    loss = loss_tensor.item()
    chance = bench.chance(batch, output)
    if chance is None:
        reason = (
            f"the chance level of this training step's loss ({bench.recipe.step_name}) is unknown; for a "
            "cross-entropy loss give --num-classes"
        )
        return CheckResult("HP901", "skip", f"loss {loss:.4g}", "a known chance level", reason, details={"loss": loss})
    level, level_text = chance
    tolerance = float(options["tolerance"]) * level
    probabilities = looks_like_probabilities(output, bench.loss_kind)
    details = {"loss": loss, "chance": level, "tolerance": tolerance, "output_looks_like_probabilities": probabilities}
    measured = f"loss {loss:.4g}" + (" (output looks like probabilities)" if probabilities else "")
    chance_text = f"{level_text} = {level:.3g}"
    expected = f"{chance_text} ± {tolerance:.3g}"
    if math.isfinite(loss) and abs(loss - level) <= tolerance:
        return CheckResult("HP901", "pass", measured, expected, details=details)
    if not math.isfinite(loss):
        message = (
            f"the loss at initialisation is {loss}: the forward pass already yields non-finite values; find the "
            "operation that does (log or sqrt of a non-positive value, a division by zero, an overflow)"
        )
    elif loss > level:
        what = "the variance of the targets" if bench.loss_kind == "mse" else "the chance level"
        message = (
            f"the loss at initialisation is {loss:.3g}, far above {what} ({chance_text}, allowed "
            f"±{tolerance:.2g}): the first predictions are large and confidently wrong; scale the output layer's "
            "initial weights down (or zero them) so they start near uniform"
        )
    else:
        labels = "random labels" if bench.synthetic_data else "labels the model has not seen"
        message = (
            f"the loss at initialisation is {loss:.3g}, far below the chance level ({chance_text}, allowed "
            f"±{tolerance:.2g}) on {labels}: the loss does not measure what it should (a sum where a "
            "mean is meant, or outputs the loss ignores)"
        )
    return CheckResult("HP901", "fail", measured, expected, message, details=details)
