"""HP8xx: what `hplint curves` finds in a training run's logs; static checking has nothing to read for them.

The classes put the curve rules in the rule book (`hplint rules`, `hplint rule HP804`, SARIF rule
descriptors, options in `[tool.hplint.rules.HP8nn]`); the analyses themselves are in hplint/curves/,
one pure function over the logged series per rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hplint.checks import Rule
from hplint.diagnostics import Diagnostic, Severity
from hplint.project import Project


class CurvesRule(Rule):
    """A rule decided by `hplint curves` on a run's logged losses; `hplint check` yields nothing for it."""

    related_places = "where the setting to change is written"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        return iter(())


class LossDiverges(CurvesRule):
    code = "HP801"
    name = "loss-diverges"
    severity = Severity.ERROR
    summary = "training loss rises over a window and stays up, or becomes NaN/inf (learning rate too high)"
    options = {"window": 5, "rise": 0.5}


class OscillatingPlateau(CurvesRule):
    code = "HP802"
    name = "oscillating-plateau"
    severity = Severity.WARNING
    summary = "training loss has stopped falling but still oscillates (an LR decay would help)"
    options = {"tail": 0.2, "swing": 0.05}


class NotLearning(CurvesRule):
    code = "HP803"
    name = "not-learning"
    severity = Severity.WARNING
    summary = "training loss still at its initial level after a tenth of the run"
    options = {"tolerance": 0.1}


class Overfitting(CurvesRule):
    code = "HP804"
    name = "overfitting"
    severity = Severity.WARNING
    summary = "validation loss rises while training loss falls, over a window; gives the epoch it started"
    options = {"window": 3, "min-rise": 0.05}


class EarlyStopPoint(CurvesRule):
    code = "HP805"
    name = "early-stop-point"
    severity = Severity.INFO
    summary = "the epoch at which early stopping with patience P would have stopped, and the compute after it"
    options = {"patience": 3, "min-delta": 0.0}


class NoisyValidation(CurvesRule):
    code = "HP806"
    name = "noisy-validation"
    severity = Severity.INFO
    summary = "how many times a patience of 1 would have stopped before the best epoch"
    options = {"min-bumps": 1}
