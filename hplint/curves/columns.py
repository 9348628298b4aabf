"""Which column of a log is the training loss, the validation loss, the step and the epoch.

Names are compared after folding case and separators, so `train/loss` (Hugging Face's TensorBoard
tags), `Loss/train` and `train_loss` (Lightning) are recognised alike.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from hplint.curves.log import Columns, LogError, Row

# Known names, best first. `loss` is Hugging Face's and Keras' training loss; Lightning splits a loss
# logged per step and per epoch into `_step` and `_epoch` columns.
TRAIN_NAMES = (
    "train_loss_step", "train_loss", "training_loss", "loss_train", "train_loss_epoch", "train_epoch_loss", "loss",
)
VALIDATION_NAMES = (
    "val_loss", "valid_loss", "validation_loss", "eval_loss", "val_loss_epoch", "loss_val", "loss_valid",
    "loss_validation", "val_epoch_loss", "dev_loss",
)
STEP_NAMES = ("step", "global_step", "trainer_global_step", "iteration", "iter", "it", "steps")
EPOCH_NAMES = ("epoch", "epochs", "train_epoch", "ep")
_SEPARATORS = re.compile(r"[\s/.\-]+")


def folded(name: str) -> str:
    return _SEPARATORS.sub("_", name.strip().lower())


def names_a_loss(names: Iterable[str], requested: Columns) -> bool:
    """Whether a header names a training or validation loss: a CSV that does not is data, not a log."""
    named = {folded(name) for name in (requested.train, requested.validation) if name}
    known = {*TRAIN_NAMES, *VALIDATION_NAMES, *named}
    return any(folded(name) in known for name in names)


def choose_columns(where: str, rows: Sequence[Row], requested: Columns) -> Columns:
    """The columns to read: those named on the command line, else the known name with the most values."""
    counts = Counter(name for row in rows for name in row.values)
    chosen = Columns(
        train=_column(where, counts, requested.train, TRAIN_NAMES, "--train-column"),
        validation=_column(where, counts, requested.validation, VALIDATION_NAMES, "--val-column"),
        step=_column(where, counts, requested.step, STEP_NAMES, "--step-column"),
        epoch=_column(where, counts, requested.epoch, EPOCH_NAMES, "--epoch-column"),
    )
    if chosen.train is None and chosen.validation is None:
        found = ", ".join(sorted(counts)) or "none"
        raise LogError(
            f"{where}: no training or validation loss column (numeric columns: {found}); "
            "name them with --train-column and --val-column"
        )
    return chosen


def _column(where: str, counts: Counter[str], requested: str | None, known: Sequence[str], option: str) -> str | None:
    if requested is not None:
        match = next((name for name in counts if name == requested), None) or next(
            (name for name in counts if folded(name) == folded(requested)), None
        )
        if match is None:
            raise LogError(f"{where}: {option} {requested!r} is not a numeric column of this log")
        return match
    candidates = [name for name in counts if folded(name) in known]
    if not candidates:
        return None
    return max(candidates, key=lambda name: (counts[name], -known.index(folded(name))))
