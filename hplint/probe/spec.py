"""The child's contract: what the parent tells it (ProbeSpec) and what it tells back (CheckResult), as JSON.

The child reads one ProbeSpec from a file named on its command line, and appends one JSON object
per line to an events file: `setup`, `target`, `recipe`, then `start` and `check` (or `crash`) per
check, and `done`; or a single `error` for a usage error. Every number written is finite: a NaN
or an infinity is written as null (JSON has neither).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

# The order the child runs the checks in: cheap ones first, so a timeout still reports them.
RUN_ORDER = ("HP901", "HP903", "HP902", "HP906", "HP904", "HP905")
LOSSES = ("ce", "bce", "mse")
STATUSES = ("pass", "fail", "skip")


@dataclass(frozen=True)
class ProbeSpec:
    """Everything the child needs to build what it trains, find its data and run the selected checks."""

    cwd: str  # where dotted modules are imported from
    device: str  # auto | cuda | cpu
    seed: int
    deadline: float  # time.time() by which the child must have finished
    checks: tuple[str, ...]  # the codes to run, in RUN_ORDER
    module: str | None = None  # a dotted module or a path to a .py file; None when `build` says what to build
    factory: str | None = None  # an attribute of the module, possibly dotted (`Net.small`)
    build: dict[str, Any] | None = None  # without a factory: {"path", "name", "args", "kwargs", "source"}
    data_module: str | None = None  # --data MODULE:FACTORY
    data_factory: str | None = None
    input_shape: tuple[int, ...] = ()  # one sample of synthetic input; empty when the data is real
    loss: str | None = None  # ce | bce | mse, or None: the bundle's, the project's, else ce
    loss_api: str | None = None  # the loss the project's model reaches (torch.nn.CrossEntropyLoss), without a factory
    outputs: int | None = None  # classes for ce/bce, output dimension for mse; None: read from the model's output
    lr: float | None = None  # --lr
    batch_size: int | None = None  # --batch-size
    optimizer: str | None = None  # --optimizer: a torch.optim class name
    project: dict[str, Any] = field(default_factory=dict)  # the project's facts: see configured.ProjectRun.to_spec
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> option -> value

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ProbeSpec:
        data = json.loads(text)
        data["input_shape"] = tuple(data["input_shape"])
        data["checks"] = tuple(data["checks"])
        return cls(**data)


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: status, what was measured against what was expected, and why."""

    code: str
    status: str  # pass | fail | skip
    measured: str
    expected: str
    message: str = ""  # for fail: the finding's message; for skip: the reason
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)  # numbers for JSON consumers

    def to_json(self) -> dict[str, Any]:
        return finite(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            data["code"], data["status"], data["measured"], data["expected"], data.get("message", ""),
            float(data.get("seconds", 0.0)), dict(data.get("details", {})),
        )


def finite(value: Any) -> Any:
    """The value with every NaN and infinity replaced by None, so that it is valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def dumps(value: Any, **options: Any) -> str:
    """Strict JSON: non-finite numbers become null rather than the `NaN` JSON parsers reject."""
    return json.dumps(finite(value), allow_nan=False, **options)
