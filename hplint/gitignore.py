"""gitignore patterns, matched in time linear in the path whatever the pattern.

A repository writes its own `.gitignore`, so a pattern may be anything: `[]`, `[z-a]`, nine
`**/` in a row, or `*a*a*a*a*a*b` beside a file named `aaaa…`. Translated naively into one
regular expression, the last two backtrack for minutes. Here a pattern is split into path
segments: a `**` segment matches any number of path segments (a set of positions moved along
the path), and every other segment matches one path segment through a regular expression in
which each `*` commits to the leftmost place its following characters fit, which is enough
for a glob and never backtracks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

_NAME_MAX = 255  # no file name is longer, so a segment that needs more characters never matches
_PATH_MAX = 4096
_NEVER = re.compile(r"(?!)")


class _AnySegments:
    """`**` between slashes: zero or more whole segments (at the end, one or more)."""


_GLOBSTAR = _AnySegments()
_Segment = Union[str, "re.Pattern[str]", _AnySegments]  # a literal name, a glob, or `**`


@dataclass(frozen=True)
class GlobPattern:
    """One gitignore pattern, without its `!` and trailing `/` (which the caller handles)."""

    anchored: bool  # holds a slash: matched against the path below the ignore file's folder
    segments: tuple[_Segment, ...]

    def matches(self, relative: str) -> bool:
        """Whether the path (relative to the ignore file's folder, `/`-separated) matches."""
        if not self.anchored:
            return _segment_matches(self.segments[0], relative.rpartition("/")[2])
        names = relative.split("/")
        if _GLOBSTAR not in self.segments:
            return len(names) == len(self.segments) and all(map(_segment_matches, self.segments, names))
        return _matches_with_globstars(self.segments, names)


def compile_pattern(pattern: str) -> GlobPattern | None:
    """A pattern as a .gitignore line writes it; None for one that can match no path."""
    anchored = "/" in pattern
    parts = pattern.lstrip("/").split("/") if anchored else [pattern]
    segments: list[_Segment] = []
    for part in parts:
        if part == "**" and anchored:
            if segments and segments[-1] is _GLOBSTAR:
                continue  # `**/**/` is `**/`
            segments.append(_GLOBSTAR)
        else:
            segments.append(_segment(part))
    fixed = [segment for segment in segments if segment is not _GLOBSTAR]
    if any(segment is _NEVER for segment in fixed) or len(fixed) > _PATH_MAX // 2:
        return None
    return GlobPattern(anchored, tuple(segments))


def _segment_matches(segment: _Segment, name: str) -> bool:
    if isinstance(segment, str):
        return segment == name
    return isinstance(segment, re.Pattern) and segment.match(name) is not None


def _matches_with_globstars(segments: tuple[_Segment, ...], names: list[str]) -> bool:
    """Positions in the path reachable after each pattern segment; linear in segments × names."""
    reachable = {0}
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment is _GLOBSTAR:
            start = min(reachable) + (1 if index == last else 0)  # a trailing `/**` holds something
            reachable = set(range(start, len(names) + 1))
        else:
            reachable = {at + 1 for at in reachable if at < len(names) and _segment_matches(segment, names[at])}
        if not reachable:
            return False
    return len(names) in reachable


def _segment(text: str) -> _Segment:
    """One path segment's glob: `*`, `?`, `[...]` classes and backslash escapes."""
    if not any(character in text for character in "*?[\\"):
        return text
    chunks: list[list[str]] = [[]]  # fixed-width pieces between stars
    index = 0
    while index < len(text):
        character = text[index]
        if character == "*":
            if chunks[-1] or len(chunks) == 1:
                chunks.append([])
            index += 1
        elif character == "?":
            chunks[-1].append(".")
            index += 1
        elif character == "[":
            piece, index = _character_class(text, index)
            chunks[-1].append(piece)
        elif character == "\\" and index + 1 < len(text):
            chunks[-1].append(re.escape(text[index + 1]))
            index += 2
        else:
            chunks[-1].append(re.escape(character))
            index += 1
    if any(len(chunk) > _NAME_MAX for chunk in chunks) or any("(?!)" in chunk for chunk in chunks):
        return _NEVER
    return re.compile(_without_backtracking(["".join(chunk) for chunk in chunks]), re.DOTALL)


def _without_backtracking(chunks: list[str]) -> str:
    """`A*B*C` -> A, then B at its leftmost place after A (committed), then anything and C at the end.

    Taking each middle piece at its leftmost place is always right for a glob, whose pieces have
    a fixed width; the lookahead with a back-reference commits to that place (no atomic groups
    before Python 3.11).
    """
    if len(chunks) == 1:
        return chunks[0] + r"\Z"
    middle = "".join(f"(?=(?P<p{number}>.*?{chunk}))(?P=p{number})" for number, chunk in enumerate(chunks[1:-1]))
    return f"{chunks[0]}{middle}.*{chunks[-1]}\\Z"


def _character_class(text: str, start: int) -> tuple[str, int]:
    """`[a-z]`, `[!0-9]`, `[]x]` -> a regular-expression piece and the index after it.

    A `[` without its `]` is a literal; a reversed range (`[z-a]`) matches nothing, as in git.
    """
    index = start + 1
    negated = index < len(text) and text[index] in "!^"
    if negated:
        index += 1
    members_start = index
    if index < len(text) and text[index] == "]":
        index += 1  # a `]` first is a member
    close = text.find("]", index)
    if close < 0:
        return re.escape("["), start + 1
    body = text[members_start:close]
    members: list[str] = []
    position = 0
    while position < len(body):
        low = body[position]
        if low == "\\" and position + 1 < len(body):
            position += 1
            low = body[position]
        if position + 2 < len(body) and body[position + 1] == "-":
            high = body[position + 2]
            if low <= high:
                members.append(f"{re.escape(low)}-{re.escape(high)}")
            position += 3
        else:
            members.append(re.escape(low))
            position += 1
    if not members:
        return ("." if negated else "(?!)"), close + 1
    return f"[{'^' if negated else ''}{''.join(members)}]", close + 1
