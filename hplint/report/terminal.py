"""Text that is safe to print: what a repository writes cannot move the cursor, colour or forge a line.

A file may be named `x.py\\n` + a fake finding, or hold ANSI escapes or bidirectional-override
characters in a value that a message quotes. The text formats and stderr show such characters
as escapes (`\\n`, `\\x1b`, `\\u202e`); JSON and SARIF escape them by their own rules.
"""

from __future__ import annotations

import re

# C0 and C1 controls (newline, carriage return, ESC), DEL, line and paragraph separators, the
# bidirectional marks and overrides, and lone surrogates (undecodable bytes of a file name).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every unsafe character written as a Python-style escape."""
    return _UNSAFE.sub(_escaped, text) if not text.isprintable() else text


def _escaped(match: re.Match[str]) -> str:
    character = match.group()
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
