"""Hugging Face `trainer_state.json`: the Trainer's `log_history`, one entry per logging or evaluation step."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hplint.curves.log import LogError, Row

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def read_trainer_state(path: Path, shown: str) -> list[Row]:
    """Each `log_history` entry's numbers, at the line where the entry starts."""
    try:
        text = path.read_text(encoding="utf-8")
        state = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise LogError(f"{shown}: cannot read: {error}") from error
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise LogError(f"{shown}: no log_history list: not a Trainer state")
    newlines = [match.start() for match in re.finditer("\n", text)]
    rows = []
    for entry, offset in _log_history(text):
        if isinstance(entry, dict):
            values = {key: float(value) for key, value in entry.items() if _is_number(value)}
            rows.append(Row(shown, bisect.bisect_left(newlines, offset) + 1, values))
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _log_history(text: str) -> Iterator[tuple[Any, int]]:
    """The entries of the top-level `log_history` array, with the offset where each starts.

    Called on text `json.loads` has accepted, so the walk meets only well-formed JSON.
    """
    index = _skip(text, 0)
    for key, offset in _members(text, index):
        if key == "log_history":
            yield from _elements(text, offset)
            return


def _members(text: str, start: int) -> Iterator[tuple[str, int]]:
    index = _skip(text, start + 1)  # past "{"
    while text[index] != "}":
        key, index = _DECODER.raw_decode(text, index)
        index = _skip(text, _skip(text, index) + 1)  # past ":"
        yield key, index
        _, index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)


def _elements(text: str, start: int) -> Iterator[tuple[Any, int]]:
    index = _skip(text, start + 1)  # past "["
    while text[index] != "]":
        value, end = _DECODER.raw_decode(text, index)
        yield value, index
        index = _skip(text, end)
        if text[index] == ",":
            index = _skip(text, index + 1)


def _skip(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    assert match is not None  # the pattern matches the empty string
    return match.end()
