"""HP805 early-stop-point: where early stopping with a patience would have ended the run, and what it saves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hplint.curves.finding import Finding, loss, where
from hplint.curves.log import Point, TrainingLog
from hplint.curves.numbers import finite


def stop_point(validation: list[Point], patience: int, min_delta: float) -> tuple[int, int] | None:
    """(index of the evaluation it stops at, index of the best before it), as Lightning's and Keras'
    EarlyStopping decide: stop once `patience` evaluations in a row did not beat the best by more than min_delta."""
    best, waited = 0, 0
    for index in range(1, len(validation)):
        if validation[index].value < validation[best].value - min_delta:
            best, waited = index, 0
            continue
        waited += 1
        if waited >= patience:
            return index, best
    return None


def early_stop_point(log: TrainingLog, options: Mapping[str, Any]) -> Finding | None:
    validation = finite(log.validation)
    patience, min_delta = int(options["patience"]), float(options["min-delta"])
    stopped = stop_point(validation, max(patience, 1), min_delta)
    if stopped is None or stopped[0] == len(validation) - 1:
        return None  # never stopped, or stopped at the last evaluation: nothing saved
    index, best_index = stopped
    stop, best = validation[index], validation[best_index]
    evidence = (
        f"early stopping with patience {patience} would have stopped at {where(stop)}, {index - best_index} "
        f"evaluations after the best validation loss {loss(best.value)} at {where(best)}, "
        f"saving {_saved(log, validation, index)}"
    )
    later = min(validation[index + 1:], key=lambda point: point.value)
    if later.value < best.value - min_delta:
        evidence += f"; but the run's best, {loss(later.value)} at {where(later)}, came later"
        return Finding("HP805", stop, evidence, f"a patience of {patience} is too short for this run", ("patience",))
    evidence += "; the rest of the run never beat it"
    advice = "stop there (EarlyStopping with this patience) or keep the checkpoint of the best evaluation"
    return Finding("HP805", stop, evidence, advice, ("epochs", "max_steps"))


def _saved(log: TrainingLog, validation: list[Point], index: int) -> str:
    """The share of the run after the stop: in steps when the log has them, else in evaluations."""
    stop = validation[index]
    if log.axis == "step":
        last = max(point.position for point in (*log.train, *log.validation))
        if last > 0:
            return f"{(last - stop.position) / last:.0%} of its steps ({last - stop.position:.0f} of {last:.0f})"
    after = len(validation) - 1 - index
    return f"{after / len(validation):.0%} of its evaluations ({after} of {len(validation)})"
