"""Diagnostics: what a rule reports, ready for suppression, selection and the reporters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from hplint.location import Location

if TYPE_CHECKING:
    from hplint.suppression import Suppression


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        return cls[text.upper()]

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    source: Location | None = None  # the other place involved (the use of a value, the loss)
    related: tuple[Location, ...] = ()  # every other place involved, in all the runs that found it

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.location.path, self.location.line, self.location.column, self.code, self.message)


@dataclass
class Findings:
    """What the rules found over a project, before selection by path and suppression."""

    diagnostics: list[Diagnostic]
    suppressions: dict[str, tuple[Suppression, ...]]  # the comments of each file, by display path
