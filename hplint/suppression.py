"""Suppression comments, applied: which findings a comment hides, and which comments hid nothing.

The comments are found per file at extraction (`hplint/extract/comments.py`), so they are
cached with the facts; here they are applied to the diagnostics after the rules ran:
- `# hplint: ignore[HP101, HP2]` hides those codes (and what the prefixes cover) on its line,
  a bare `# hplint: ignore` every rule; `# noqa: HP101` and a bare `# noqa` likewise.
- `# hplint: ignore-file[HP101]` (bare: every rule) on a line of its own hides them in the file.
- A comment at the end of a line also covers the lines before it that cannot hold a comment of
  their own: the lines of a multi-line string and backslash continuations (as ruff does).
- A malformed comment (HP003) hides only the hplint codes it clearly names, never more: the
  codes of `# hplint: ignore HP206`, nothing for `ignore[]` or `# hplint: disable=HP206`.
- HP004 (unused suppression) is hidden only by a comment that names HP004 itself: a bare or
  prefix comment that suppresses nothing cannot hide the finding about itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hplint.diagnostics import Diagnostic

UNUSED_SUPPRESSION = "HP004"
# How a suppression is written. The first three are well formed; the others are HP003's to report.
WELL_FORMED = frozenset({"brackets", "bare", "noqa"})
MALFORMED = frozenset({"no-brackets", "spaced", "unclosed", "empty", "no-colon", "unknown-directive"})


@dataclass(frozen=True, slots=True)
class Suppression:
    """One suppression comment as written, with where it is (a fact of its file).

    `codes` are the codes named, upper-cased and in the order written: rule codes, prefixes,
    or codes that name no rule (HP003 says which). `everything` is a comment that names no code
    and so hides every rule (bare `# hplint: ignore`, `# noqa`).
    """

    line: int
    codes: tuple[str, ...]
    style: str  # hplint | noqa
    everything: bool = False
    scope: str = "line"  # line | file (`ignore-file`)
    form: str = "brackets"  # WELL_FORMED or MALFORMED
    column: int = 1  # where the directive's `#` is, 1-based, in characters of its line
    end_column: int = 1  # just past the directive (a reason written after it is not part of it)
    first_line: int = 0  # the first line it covers (0: its own line only)
    own_line: bool = False  # the comment is all there is on its line
    text: str = ""  # the directive as written
    cell: int = 0  # in a notebook: its cell (1-based among all cells), with `line` counting the joined code
    cell_offset: int = 0  # in a notebook: the joined code's lines before that cell

    @property
    def covers_from(self) -> int:
        return self.first_line or self.line


def well_formed(comment: Suppression) -> bool:
    return comment.form in WELL_FORMED and (comment.scope == "line" or comment.own_line)


def is_active(comment: Suppression) -> bool:
    """Whether the comment hides anything: an unknown directive, or `ignore-file` after code, hides nothing."""
    return comment.form != "unknown-directive" and (comment.scope == "line" or comment.own_line)


def hides(comment: Suppression, code: str) -> bool:
    if not is_active(comment):
        return False
    if code == UNUSED_SUPPRESSION:
        return UNUSED_SUPPRESSION in comment.codes
    return comment.everything or any(code.startswith(prefix) for prefix in comment.codes)


def is_ours(comment: Suppression) -> bool:
    """An hplint comment, or a `# noqa:` that names hplint codes only; a `# noqa` for other linters is not."""
    if comment.style == "hplint":
        return True
    return bool(comment.codes) and all(code.startswith("HP") for code in comment.codes)


def canonical(comment: Suppression, codes: Iterable[str] | None = None) -> str:
    """The comment written as hplint writes it: `# hplint: ignore[HP101, HP206]`, codes sorted, or bare."""
    word = "ignore-file" if comment.scope == "file" else "ignore"
    named = sorted(set(comment.codes if codes is None else codes))
    return f"# hplint: {word}[{', '.join(named)}]" if named else f"# hplint: {word}"


def without(comment: Suppression, codes: Iterable[str]) -> str:
    """The comment with `codes` out of its list, as a fix writes it; "" when nothing is left (remove it)."""
    dropped = set(codes)
    rest = [code for code in comment.codes if code not in dropped]
    if not rest:
        return ""
    if comment.style == "noqa":
        return f"# noqa: {', '.join(rest)}"
    return canonical(comment, rest)


def to_row(comment: Suppression) -> list[Any]:
    """Plain JSON for the run record of the cache."""
    return [getattr(comment, name) if name != "codes" else list(comment.codes) for name in Suppression.__slots__]


def from_row(row: Sequence[Any]) -> Suppression:
    values = dict(zip(Suppression.__slots__, row))
    values["codes"] = tuple(values["codes"])
    return Suppression(**values)


@dataclass
class SuppressionResult:
    kept: list[Diagnostic]
    suppressed: list[Diagnostic]
    # For each comment that hid something: the codes it named that did (the finding's code for a bare one).
    matched: dict[tuple[str, Suppression], set[str]] = field(default_factory=dict)


def apply_suppressions(
    diagnostics: Iterable[Diagnostic], suppressions: dict[str, tuple[Suppression, ...]]
) -> SuppressionResult:
    """Drop diagnostics a comment hides; note which codes of which comments hid something."""
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    by_file: dict[str, list[Suppression]] = {}
    for path, comments in suppressions.items():
        for comment in comments:
            if comment.scope == "file":
                by_file.setdefault(path, []).append(comment)
                continue
            for line in range(comment.covers_from, comment.line + 1):
                by_line.setdefault((path, line), []).append(comment)
    result = SuppressionResult([], [])
    for diagnostic in diagnostics:
        path = diagnostic.location.path
        candidates = [*by_line.get((path, diagnostic.location.line), ()), *by_file.get(path, ())]
        matching = [comment for comment in candidates if hides(comment, diagnostic.code)]
        if not matching:
            result.kept.append(diagnostic)
            continue
        result.suppressed.append(diagnostic)
        for comment in matching:
            named = [prefix for prefix in comment.codes if diagnostic.code.startswith(prefix)]
            result.matched.setdefault((path, comment), set()).update(named or [diagnostic.code])
    return result


@dataclass(frozen=True)
class Unused:
    """A suppression comment that hid nothing it could have: all of it, or some of its codes."""

    path: str
    comment: Suppression
    codes: tuple[str, ...]  # the codes that hid nothing; () for a bare comment that hid nothing

    @property
    def whole(self) -> bool:
        """The whole comment can go (else only `codes` out of its list)."""
        return not self.codes or set(self.codes) >= set(self.comment.codes)


def unused_candidates(
    suppressions: dict[str, tuple[Suppression, ...]], matched: dict[tuple[str, Suppression], set[str]],
    paths: Iterable[str],
) -> list[tuple[str, Suppression, tuple[str, ...]]]:
    """Well-formed comments of ours in `paths` with codes that hid nothing, before asking which rules ran.

    Each with its codes that hid nothing (() for a bare comment that hid nothing at all).
    """
    found: list[tuple[str, Suppression, tuple[str, ...]]] = []
    for path in paths:
        for comment in suppressions.get(path, ()):
            if not well_formed(comment) or not is_ours(comment):
                continue
            used = matched.get((path, comment), set())
            if comment.everything or not comment.codes:
                if not used:
                    found.append((path, comment, ()))
                continue
            idle = tuple(code for code in comment.codes if code not in used and code != UNUSED_SUPPRESSION)
            if idle:
                found.append((path, comment, idle))
    return found


def judge_unused(
    candidates: Iterable[tuple[str, Suppression, tuple[str, ...]]], running: Callable[[str], Sequence[str]],
) -> list[Unused]:
    """The candidates whose codes name rules that ran on their file: a comment for a rule that was not
    selected (or is ignored for that file) is not unused, only idle in this run.

    `running(path)` gives the codes of the rules that ran on that file. A code is judged when it
    covers one of them; a code that names no rule is HP003's, not HP004's.
    """
    found = []
    for path, comment, idle in candidates:
        codes = running(path)
        if not codes:
            continue
        if not idle:
            found.append(Unused(path, comment, ()))
            continue
        judged = tuple(code for code in idle if any(rule.startswith(code) for rule in codes))
        if judged:
            found.append(Unused(path, comment, judged))
    return found
