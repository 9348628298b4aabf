"""How risky a Python source is to hand to LibCST, measured without parsing it.

LibCST's native parser recurses once per level of nesting and slows down sharply on long
chains: a 3,500-deep `lambda: \\` chain overflows its stack (a crash, not an exception), a
5,000-term attribute chain takes half a minute, a 3,000-deep conditional expression 1.5 GB.
Such chains need either deep brackets, a long line, a long backslash-continued line or a long
bracketed span, and each of those is cheap to see. A source with none of them, and small,
is *plain*: safe to parse in hplint's own process. Anything else is parsed in a worker that
may die, after Python's own parser (which reports too-deep input as an error, never a crash)
has measured how deep it goes.
"""

from __future__ import annotations

import ast
import re
from itertools import accumulate

PLAIN_BYTES = 64 << 10  # larger files are parsed in a worker process, where a crash or a hang is contained
MAX_DEPTH = 1_000  # syntax nested deeper than this is not analysed (LibCST: seconds and gigabytes beyond)
_SAFE_BRACKET_DEPTH = 100
_SAFE_LINE = 2_000  # a longer line (physical, or joined by backslashes) may hold a chain of a thousand operators
_SAFE_BRACKETED = 4_000  # bytes between an opening bracket at the top level and its closing one
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"()[]{}")))
_BRACKET = re.compile(rb"[][(){}]")


def is_plain(source: bytes) -> bool:
    """Small, shallow and short-lined: safe to parse in this process."""
    return len(source) <= PLAIN_BYTES and not is_suspicious(source)


def is_suspicious(source: bytes) -> bool:
    """Whether the source may nest deep enough to crash or stall the native parser."""
    lines = source.splitlines()
    if max(map(len, lines), default=0) >= _SAFE_LINE or _longest_continued(lines) >= _SAFE_LINE:
        return True
    brackets = source.translate(None, _NOT_BRACKETS)
    if max(accumulate(1 if byte in b"([{" else -1 for byte in brackets), default=0) >= _SAFE_BRACKET_DEPTH:
        return True
    return len(source) >= _SAFE_BRACKETED and _longest_bracketed(source) >= _SAFE_BRACKETED


def _longest_continued(lines: list[bytes]) -> int:
    """The longest run of lines joined by a backslash at their end."""
    longest, run = 0, 0
    for line in lines:
        run += len(line) + 1
        if not line.endswith(b"\\"):
            longest, run = max(longest, run), 0
    return max(longest, run)


def _longest_bracketed(source: bytes) -> int:
    depth, opened, longest = 0, 0, 0
    for match in _BRACKET.finditer(source):
        if match.group() in b"([{":
            if depth == 0:
                opened = match.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                longest = max(longest, match.start() - opened)
    return longest


def depth_of(tree: ast.AST, limit: int = MAX_DEPTH) -> int:
    """How deep the tree nests, counted up to just past `limit`."""
    deepest = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def is_too_deep_for_python(error: SyntaxError) -> bool:
    """CPython's parser gives up on deep input with these messages (it never crashes)."""
    message = str(error.msg or "")
    return "too many nested" in message or "too complex" in message or "too deeply nested" in message
