"""`--project DIR`: where the run's hyperparameters are written, read through the static linter's public API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hplint.config import LintConfig
from hplint.location import Location


@dataclass(frozen=True, slots=True)
class WrittenValue:
    hyperparameter: str  # its canonical name: lr, dropout, patience, ...
    value: Any
    origin: Location  # where the value is written
    consumer: str  # what uses it: SGD, TrainingArguments, or the config key
    elsewhere: int  # how many other places set it too

    def describe(self) -> str:
        more = f", and {self.elsewhere} more place{'s' if self.elsewhere > 1 else ''}" if self.elsewhere else ""
        return f"{self.hyperparameter}={self.value!r} is set at {self.origin} ({self.consumer}{more})"


def written_values(project_dir: Path, config: LintConfig, hyperparameters: Iterable[str]) -> dict[str, WrittenValue]:
    """Each hyperparameter the project sets, at the first place it is written (by path and line)."""
    from hplint.lint import RunOptions, facts_of

    _, project = facts_of([project_dir], config, RunOptions(cache_folder=None))
    found = {}
    for name in hyperparameters:
        settings = sorted(project.settings(name), key=lambda setting: _place(setting.value.origin))
        if settings:
            first = settings[0]
            places = {_place(setting.value.origin) for setting in settings}
            found[name] = WrittenValue(name, first.value.value, first.value.origin, first.consumer, len(places) - 1)
    return found


def _place(origin: Location) -> tuple[str, int]:
    return origin.path, origin.line
