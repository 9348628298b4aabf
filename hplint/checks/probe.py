"""HP9xx: what `hplint probe` finds by running the model; static checking has nothing to read for them.

The classes put the probe's rules in the rule book (`hplint rules`, `hplint rule HP903`, SARIF
rule descriptors, options in `[tool.hplint.rules.HP9nn]`); the checks themselves run in
hplint/probe/, in a child process that imports torch. This module must not import torch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hplint.checks import Rule
from hplint.diagnostics import Diagnostic, Severity
from hplint.project import Project


class ProbeRule(Rule):
    """A rule decided by `hplint probe` on the running model; `hplint check` yields nothing for it."""

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        return iter(())


class InitLoss(ProbeRule):
    code = "HP901"
    name = "init-loss"
    severity = Severity.WARNING
    summary = "loss at initialisation far from the chance level (ln C for C classes)"
    options = {"tolerance": 0.5}


class CannotOverfit(ProbeRule):
    code = "HP902"
    name = "cannot-overfit"
    severity = Severity.ERROR
    summary = "the model cannot drive the loss on one small batch near zero with regularisation off"
    options = {"steps": 300, "threshold": 0.1}


class GradientFlow(ProbeRule):
    code = "HP903"
    name = "gradient-flow"
    severity = Severity.ERROR
    summary = "parameters that get no gradient, a zero or non-finite gradient, or a gradient that vanishes on its way back"
    options = {"vanishing": 1e-4}


class LrRange(ProbeRule):
    code = "HP904"
    name = "lr-range"
    severity = Severity.WARNING
    summary = "the configured learning rate is more than factor x outside the range repeated LR range tests agree on"
    options = {"factor": 10.0, "steps": 100, "repeats": 3}


class MaxBatch(ProbeRule):
    code = "HP905"
    name = "max-batch"
    severity = Severity.INFO
    summary = "the largest batch that fits device memory, and samples/s per batch size (CUDA only)"
    options = {"margin": 0.9}


class RegularizationCheck(ProbeRule):
    code = "HP906"
    name = "regularization-check"
    severity = Severity.INFO
    summary = "dropout and weight decay on do not raise the loss on the overfit batch"
    options = {"steps": 100, "weight-decay": 0.01}
