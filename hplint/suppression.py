"""Suppression comments: `# hplint: ignore[HP101]`, bare `# hplint: ignore`, `# noqa: HP101`.

Comments are found per file at extraction (so they are cached with the facts) and applied
to diagnostics after the rules ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from hplint.diagnostics import Diagnostic


@dataclass(frozen=True, slots=True)
class Suppression:
    """`# hplint: ignore[...]` or `# noqa: ...` on a line; codes empty means all."""

    line: int
    codes: tuple[str, ...]
    style: str  # hplint | noqa


_HPLINT = re.compile(r"#\s*hplint:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]*")


def find_suppressions(text: str) -> tuple[Suppression, ...]:
    """Every suppression comment in a Python, YAML or TOML text, by line."""
    if "#" not in text:
        return ()
    found: list[Suppression] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        for pattern, style in ((_HPLINT, "hplint"), (_NOQA, "noqa")):
            match = pattern.search(line)
            if match:
                codes = tuple(_CODE.findall((match.group("codes") or "").upper()))
                found.append(Suppression(number, codes, style))
    return tuple(found)


@dataclass
class SuppressionResult:
    kept: list[Diagnostic]
    suppressed: list[Diagnostic]
    unused: list[tuple[str, Suppression]] = field(default_factory=list)


def apply_suppressions(
    diagnostics: Iterable[Diagnostic], suppressions: dict[str, tuple[Suppression, ...]]
) -> SuppressionResult:
    """Drop diagnostics whose line carries a matching comment; list comments that matched nothing."""
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    for path, comments in suppressions.items():
        for comment in comments:
            by_line.setdefault((path, comment.line), []).append(comment)
    used: set[tuple[str, Suppression]] = set()
    result = SuppressionResult([], [])
    for diagnostic in diagnostics:
        matching = [
            comment
            for comment in by_line.get((diagnostic.location.path, diagnostic.location.line), [])
            if _covers(comment, diagnostic.code)
        ]
        if matching:
            result.suppressed.append(diagnostic)
            used.update((diagnostic.location.path, comment) for comment in matching)
        else:
            result.kept.append(diagnostic)
    for path, comments in suppressions.items():
        for comment in comments:
            if (path, comment) not in used and _is_ours(comment):
                result.unused.append((path, comment))
    return result


def _covers(comment: Suppression, code: str) -> bool:
    return not comment.codes or any(code.startswith(prefix) for prefix in comment.codes)


def _is_ours(comment: Suppression) -> bool:
    """A `# noqa` for other linters is not hplint's to call unused."""
    if comment.style == "hplint":
        return True
    return bool(comment.codes) and all(code.startswith("HP") for code in comment.codes)
