"""What the project trains with, read from its static facts (no code runs): lr, optimizer, batch size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Configured:
    """A value the project settles on (one distinct value for training), and where it is written."""

    value: float
    source: str


@dataclass(frozen=True)
class ProjectRun:
    lr: Configured | None
    batch_size: Configured | None  # per device: what has to fit in one device's memory
    optimizer: str | None  # torch.optim class name, when the facts name exactly one


def from_project(root: Path) -> ProjectRun:
    """The project's training lr, batch size and optimizer; None for each that is unknown or ambiguous.

    Reading facts must never stop the probe: a project hplint cannot read is a project without facts.
    """
    try:
        from hplint.config import load_config
        from hplint.lint import facts_of

        _, project = facts_of([root], load_config([root]))
    except Exception:  # noqa: BLE001 - see the docstring
        return ProjectRun(None, None, None)
    lr_settings = _training(project.settings("lr"))
    optimizers = {name for name in (project.optimizer_of(setting) for setting in lr_settings) if name}
    return ProjectRun(
        _one_value(lr_settings),
        _one_value(_training(project.settings("batch_size"))),
        optimizers.pop() if len(optimizers) == 1 else None,
    )


def _training(settings: Sequence[Any]) -> list[Any]:
    return [
        setting for setting in settings
        if setting.role == "train" and isinstance(setting.value.value, (int, float))
        and not isinstance(setting.value.value, bool)
    ]


def _one_value(settings: Sequence[Any]) -> Configured | None:
    values = {float(setting.value.value) for setting in settings}
    if len(values) != 1:
        return None
    setting = settings[0]
    origin, use = setting.value.origin, setting.use
    if setting.in_config:
        source = f"{origin}, key {setting.consumer}"
    elif (origin.path, origin.line) == (use.path, use.line):
        source = f"{origin}, {setting.consumer}"
    else:
        source = f"{origin}, used by {setting.consumer} at {use}"
    return Configured(values.pop(), source)
