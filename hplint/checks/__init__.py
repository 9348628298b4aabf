"""The rule book in code: each rule is one class here, with one page in rules/HPnnn.md."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from hplint.diagnostics import Diagnostic, Fix, Severity
from hplint.facts import Location, Value
from hplint.project import Project, Run

# One module per family; a new family is one more name here.
_FAMILIES = ("parsing", "suppressions", "optimizer", "architecture", "training", "probe", "curves")


class Rule:
    """A rule reads the project's facts and yields diagnostics; it never sees syntax."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line for `hplint rules`
    options: ClassVar[Mapping[str, Any]] = {}  # option name -> default (its type is the option's type)
    default_enabled: ClassVar[bool] = True
    # A rule that judges a program (its settings, its model and loss, its loops) is asked once per
    # run and sees only that run's files; the others judge constructs on their own, once.
    per_run: ClassVar[bool] = False
    # What a finding's other places (Diagnostic.related) are, said beside each in SARIF's relatedLocations.
    related_places: ClassVar[str] = "another place this finding involves"

    def check(self, project: Project | Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def diagnostic(
        self,
        message: str,
        location: Location,
        source: Location | None = None,
        severity: Severity | None = None,
        related: Sequence[Location] = (),
        fix: Fix | None = None,
    ) -> Diagnostic:
        """A finding at `location`; `source` is the other place it names, `related` any further places involved,
        `fix` the edit that resolves it when one edit is right."""
        places = ((source,) if source is not None else ()) + tuple(related)
        return Diagnostic(self.code, self.name, severity or self.severity, message, location, source, places, fix)

    def at_value(
        self, message: str, value: Value, use: Location, severity: Severity | None = None
    ) -> Diagnostic:
        """A finding about a value: placed where the value is written, pointing at its use when elsewhere."""
        return self.diagnostic(message, value.origin, use if value.chain else None, severity)


def all_rules() -> list[type[Rule]]:
    """Every registered rule, by code."""
    for family in _FAMILIES:
        importlib.import_module(f"hplint.checks.{family}")
    found: dict[str, type[Rule]] = {}
    pending = list(Rule.__subclasses__())
    while pending:
        rule = pending.pop()
        pending.extend(rule.__subclasses__())
        if "code" in rule.__dict__:
            found[rule.code] = rule
    return [found[code] for code in sorted(found)]


def rule_by_code(code: str) -> type[Rule] | None:
    return next((rule for rule in all_rules() if rule.code == code.upper()), None)


def merge_run_findings(by_run: list[tuple[str, list[Diagnostic]]]) -> Iterator[Diagnostic]:
    """One finding per rule and place, however many runs found it; the runs are named when they differ.

    A model file shared by two scripts is judged in each run: the same softmax is one finding,
    whose related places are both losses it reaches.
    """
    by_place: dict[tuple[str, Location], dict[str, list[tuple[str, Diagnostic]]]] = {}
    for run, diagnostics in by_run:
        for diagnostic in diagnostics:
            messages = by_place.setdefault((diagnostic.code, diagnostic.location), {})
            messages.setdefault(diagnostic.message, []).append((run, diagnostic))
    for messages in by_place.values():
        related = tuple(dict.fromkeys(place for found in messages.values() for _, d in found for place in d.related))
        # A fix every run agrees on; runs that would edit differently leave it to the user.
        fixes = {d.fix for found in messages.values() for _, d in found}
        fix = fixes.pop() if len(fixes) == 1 else None
        for message, found in messages.items():
            first = found[0][1]
            if len(messages) > 1:
                message = f"{message} (in {', '.join(dict.fromkeys(run for run, _ in found))})"
            yield Diagnostic(first.code, first.name, first.severity, message, first.location, first.source, related, fix)
