"""Which analysis decides which HP8xx rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hplint.curves.divergence import loss_diverges
from hplint.curves.early_stopping import early_stop_point
from hplint.curves.finding import Finding
from hplint.curves.log import TrainingLog
from hplint.curves.noisy_validation import noisy_validation
from hplint.curves.not_learning import not_learning
from hplint.curves.overfitting import overfitting
from hplint.curves.plateau import oscillating_plateau

Analysis = Callable[[TrainingLog, Mapping[str, Any]], "Finding | None"]

ANALYSES: dict[str, Analysis] = {
    "HP801": loss_diverges,
    "HP802": oscillating_plateau,
    "HP803": not_learning,
    "HP804": overfitting,
    "HP805": early_stop_point,
    "HP806": noisy_validation,
}
