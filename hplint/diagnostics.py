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


SAFE, UNSAFE = "safe", "unsafe"


@dataclass(frozen=True, slots=True)
class Fix:
    """An edit a finding offers, described from facts; `hplint/edit/` makes it, with the file's text in hand.

    `safe` fixes keep what the program does (`--fix`); `unsafe` ones change it, as the finding asks
    (`--fix --unsafe-fixes`). `kind` names the edit and `location` the node or comment it applies to;
    `names` are what it needs besides (the kinds are listed in `hplint/edit/python.py` and `comments.py`):

    - unwrap-call: the call at `location` becomes its input (`F.softmax(x, dim=1)` -> `x`, `self.act(x)` -> `x`);
    - unwrap-method: the method call at `location` becomes its receiver (`x.softmax(1)` -> `x`);
    - drop-argument: the call at `location` leaves the argument list around it (a layer of nn.Sequential);
    - rename-call: (old, new): the callee's last name (`F.softmax` -> `F.log_softmax`, `nn.Softmax` -> `nn.LogSoftmax`);
    - insert-call-at-top: (receiver, method): `receiver.method()` first in the body of the `for` at `location`;
    - insert-call-before: (receiver, method): `receiver.method()` just before the statement at `location`;
    - wrap-in-with: (context,): the `for` at `location` inside `with context():`;
    - replace-comment: (written, replacement): the directive `written` at `location` on its comment line
      becomes `replacement`; "" removes it (and the comment, and the line, when nothing else is left).
    """

    applicability: str  # safe | unsafe
    title: str  # one line: what the edit does
    kind: str
    location: Location
    names: tuple[str, ...] = ()


def comment_fix(location: Location, written: str, replacement: str, title: str) -> Fix:
    """A safe fix that rewrites (or, with replacement "", removes) a directive in a comment of any language:
    `location` spans the directive on its line (columns 1-based, end just past it), `written` is its text there."""
    return Fix(SAFE, title, "replace-comment", location, (written, replacement))


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    source: Location | None = None  # the other place involved (the use of a value, the loss)
    related: tuple[Location, ...] = ()  # every other place involved, in all the runs that found it
    fix: Fix | None = None  # the edit that would resolve it, when one edit is right

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.location.path, self.location.line, self.location.column, self.code, self.message)


@dataclass
class Findings:
    """What the rules found over a project, before selection by path and suppression."""

    diagnostics: list[Diagnostic]
    suppressions: dict[str, tuple[Suppression, ...]]  # the comments of each file, by display path
    unanalysed: tuple[str, ...] = ()  # files with a parse error: no rule read them, so their comments are not judged
