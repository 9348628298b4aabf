"""The probe's six checks, one module each; only the child process imports them (and torch with them).

Each check takes the shared workbench (hplint/probe/workbench.py) and its rule's options, builds
what it needs from fresh models, and returns a CheckResult. The criteria are the ones the rule
pages rules/HP901.md ... HP906.md state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hplint.probe.checks.gradient_flow import gradient_flow
from hplint.probe.checks.init_loss import init_loss
from hplint.probe.checks.lr_range_test import lr_range_test
from hplint.probe.checks.max_batch import max_batch
from hplint.probe.checks.overfit import cannot_overfit
from hplint.probe.checks.regularization import regularization_check
from hplint.probe.spec import CheckResult
from hplint.probe.workbench import Workbench

CHECKS: dict[str, Callable[[Workbench, Mapping[str, Any]], CheckResult]] = {
    "HP901": init_loss,
    "HP902": cannot_overfit,
    "HP903": gradient_flow,
    "HP904": lr_range_test,
    "HP905": max_batch,
    "HP906": regularization_check,
}
