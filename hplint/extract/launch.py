"""Launch scripts (.sh, Makefiles) -> LaunchCommand facts.

`python train.py --lr 0.3`, `torchrun --nproc_per_node=4 train.py ...`, `accelerate launch
--num_processes 2 train.py ...`, `deepspeed --num_gpus 4 train.py ...` and Hydra overrides
(`python train.py optim.lr=0.3`): each argument keeps the line and column it is written at,
so a finding about it points into the script.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from hplint.facts import Const, Fact, LaunchCommand, Location, Scalar

_PYTHON = re.compile(r"^(?:.*/)?(?:python[0-9.]*|\$\(PYTHON\)|\$\{?PYTHON\}?)$")
_LAUNCHERS = frozenset({"torchrun", "accelerate", "deepspeed"})
_DEVICE_OPTIONS = frozenset({"--nproc_per_node", "--nproc-per-node", "--num_processes", "--num-processes", "--num_gpus", "--num-gpus"})
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)$", re.IGNORECASE)


def extract_launch(path: str, text: str) -> list[Fact]:
    return [command for command in _commands(path, text) if command is not None]


def _commands(path: str, text: str) -> Iterator[LaunchCommand | None]:
    for tokens in _logical_lines(text):
        yield _launch(path, tokens)


def _logical_lines(text: str) -> Iterator[list[tuple[str, int, int]]]:
    """Commands with each word's line and column; backslash continuations joined."""
    words: list[tuple[str, int, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        continued = line.endswith("\\")
        if continued:
            line = line[:-1]
        words.extend(_words(line, number))
        if not continued:
            if words:
                yield words
            words = []
    if words:
        yield words


def _words(line: str, number: int) -> list[tuple[str, int, int]]:
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: not a command hplint can read
        return []
    placed = []
    position = 0
    for token in tokens:
        found = line.find(token.split("=")[0], position)
        column = found + 1 if found >= 0 else position + 1
        position = found + len(token) if found >= 0 else position
        placed.append((token, number, column))
    return placed


def _launch(path: str, words: list[tuple[str, int, int]]) -> LaunchCommand | None:
    for start, (word, _, _) in enumerate(words):
        if word.lstrip("@").strip("\t") and (_PYTHON.match(word.lstrip("@")) or word in _LAUNCHERS):
            command = _from_launcher(path, words[start:])
            if command is not None:
                return command
    return None


def _from_launcher(path: str, words: list[tuple[str, int, int]]) -> LaunchCommand | None:
    script_index = next(
        (index for index, (word, _, _) in enumerate(words) if word.endswith(".py") and not word.startswith("-")), None,
    )
    if script_index is None or any(word in (";", "&&", "||", "|", "&") for word, _, _ in words[:script_index]):
        return None
    script, line, column = words[script_index]
    devices = None
    for option, value in _options(path, words[1:script_index]):
        if option in _DEVICE_OPTIONS and isinstance(value.value, int):
            devices = value
    arguments = []
    for option, value in _options(path, _until_separator(words[script_index + 1:])):
        arguments.append((option, value))
    return LaunchCommand(script, tuple(arguments), devices, Location(path, line, column, line, column + len(script)))


def _until_separator(words: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    for index, (word, _, _) in enumerate(words):
        if word in (";", "&&", "||", "|", "&", ">", ">>", "2>&1"):
            return words[:index]
    return words


def _options(path: str, words: list[tuple[str, int, int]]) -> Iterator[tuple[str, Const]]:
    """`--lr 0.3`, `--lr=0.3`, `--flag`, and Hydra's `optim.lr=0.3` / `+trainer.devices=2`."""
    index = 0
    while index < len(words):
        word, line, column = words[index]
        index += 1
        if word.startswith("-"):
            name, equals, inline = word.partition("=")
            if equals:
                yield name, _const(inline, path, line, column + len(name) + 1)
            elif index < len(words) and not words[index][0].startswith("-") and "=" not in words[index][0]:
                value, value_line, value_column = words[index]
                index += 1
                yield name, _const(value, path, value_line, value_column)
            else:
                yield name, Const(True, Location(path, line, column, line, column + len(word)))
        elif "=" in word:
            key, _, value = word.partition("=")
            yield key.lstrip("+~"), _const(value, path, line, column + len(key) + 1)


def _const(text: str, path: str, line: int, column: int) -> Const:
    return Const(_scalar(text), Location(path, line, column, line, column + len(text)))


def _scalar(text: str) -> Scalar:
    if "$" in text:
        return None  # an environment variable: unknown at lint time
    if _NUMBER.match(text):
        digits = text.replace("_", "")
        try:
            return int(digits)
        except ValueError:
            return float(digits)
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text
