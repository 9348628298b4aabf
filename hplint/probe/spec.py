"""What the parent tells the child (ProbeSpec) and what the child tells back (CheckResult): plain JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

# The order the child runs the checks in: cheap ones first, so a timeout still reports them.
RUN_ORDER = ("HP901", "HP903", "HP902", "HP906", "HP904", "HP905")
LOSSES = ("ce", "bce", "mse")
STATUSES = ("pass", "fail", "skip")


@dataclass(frozen=True)
class ProbeSpec:
    """Everything the child needs to build the model, make data and run the selected checks."""

    module: str  # a dotted module or a path to a .py file
    factory: str  # an attribute of the module, possibly dotted (`Net.small`)
    cwd: str  # where dotted modules are imported from
    input_shape: tuple[int, ...]
    loss: str  # ce | bce | mse
    outputs: int  # classes for ce/bce, output dimension for mse
    device: str  # auto | cuda | cpu
    seed: int
    deadline: float  # time.time() by which the child must have finished
    checks: tuple[str, ...]  # the codes to run, in RUN_ORDER
    optimizer: str  # a torch.optim class name for the LR range test and the batch search
    configured_lr: float | None = None
    configured_lr_source: str = ""  # where the configured lr was written, for messages
    configured_batch: int | None = None  # the per-device training batch, from --batch-size or the facts
    configured_batch_source: str = ""
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
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            data["code"], data["status"], data["measured"], data["expected"], data.get("message", ""),
            float(data.get("seconds", 0.0)), dict(data.get("details", {})),
        )
