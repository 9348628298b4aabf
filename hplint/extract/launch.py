"""Launch scripts (.sh, Makefiles) -> LaunchCommand facts.

`python train.py --lr 0.3`, `torchrun --nproc_per_node=4 train.py ...`, `accelerate launch
--num_processes 2 train.py ...`, `deepspeed --num_gpus 4 train.py ...` and Hydra overrides
(`python train.py optim.lr=0.3`): each argument keeps the line and column it is written at,
so a finding about it points into the script.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from hplint.facts import Const, Fact, LaunchArgument, LaunchCommand, Location, Scalar

_PYTHON = re.compile(r"^(?:.*/)?(?:python[0-9.]*|\$\(PYTHON\)|\$\{?PYTHON\}?)$")
_LAUNCHERS = frozenset({"torchrun", "accelerate", "deepspeed"})
_DEVICE_OPTIONS = frozenset({"--nproc_per_node", "--nproc-per-node", "--num_processes", "--num-processes", "--num_gpus", "--num-gpus"})
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)$", re.IGNORECASE)


_MODULE_LAUNCHERS = frozenset({"torch.distributed.launch", "torch.distributed.run", "accelerate.commands.launch"})
_SEPARATORS = frozenset({";", "&&", "||", "|", "&"})
_UNKNOWN_FOLDER = "?"  # `cd $DIR`: where the line runs is not known, so neither is the script


def extract_launch(path: str, text: str) -> list[Fact]:
    makefile = not path.endswith((".sh", ".bash"))
    folder = ""  # a shell script's `cd` holds for the lines after it; a Makefile recipe line is a shell of its own
    # Make reads every variable before it runs a recipe; a shell script sees the assignments above a line.
    variables: dict[str, Const] = _makefile_variables(path, text) if makefile else {}
    facts: list[Fact] = []
    for tokens in _logical_lines(text):
        here = "" if makefile else folder
        for command in _simple_commands(tokens):
            if command[0][0] == "cd":
                here = _changed_folder(here, command[1][0] if len(command) > 1 else "")
                continue
            if not makefile and _assigns(path, command, variables):
                continue
            launched = _launch(path, command, here, variables)
            if launched is not None:
                facts.append(launched)
        if not makefile:
            folder = here
    return facts


_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_MAKE_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::=|\?=|::=|=)\s*(.*?)\s*(?:#.*)?$")
_REFERENCE = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-(.*))?\}|\(([A-Za-z_][A-Za-z0-9_]*)\)|([A-Za-z_][A-Za-z0-9_]*))$")


def _assigns(path: str, command: list[tuple[str, int, int]], variables: dict[str, Const]) -> bool:
    """`LR=3e-5` or `export BS=32` on a line of its own: remembered for the lines below."""
    words = command[1:] if command[0][0] in ("export", "local", "declare", "readonly") else command
    matches = [_ASSIGNMENT.match(word) for word, _, _ in words]
    if not words or not all(matches):
        return False
    for (word, line, column), match in zip(words, matches):
        assert match is not None
        value = match.group(2)
        variables[match.group(1)] = _const(value, path, line, column + len(match.group(1)) + 1)
    return True


def _makefile_variables(path: str, text: str) -> dict[str, Const]:
    """`LR := 3e-5`, `BS ?= 32`: a Makefile's variables (recipe lines, which start with a tab, are not)."""
    variables: dict[str, Const] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("\t"):
            continue
        match = _MAKE_ASSIGNMENT.match(line.strip())
        if match and match.group(2):
            column = line.index(match.group(2), len(match.group(1))) + 1
            variables[match.group(1)] = _const(match.group(2), path, number, column)
    return variables


def _simple_commands(words: list[tuple[str, int, int]]) -> Iterator[list[tuple[str, int, int]]]:
    """`cd b && python train.py --lr 3` -> [cd, b], [python, train.py, --lr, 3]."""
    command: list[tuple[str, int, int]] = []
    for word in words:
        if word[0] in _SEPARATORS:
            if command:
                yield command
            command = []
        else:
            command.append(word)
    if command:
        yield command


def _changed_folder(folder: str, target: str) -> str:
    if folder == _UNKNOWN_FOLDER:
        return folder
    if "dirname" in target and "$0" in target or target in ("", "-"):
        return ""  # `cd "$(dirname "$0")"`: the script's own folder
    if "$" in target or target.startswith(("/", "~")):
        return _UNKNOWN_FOLDER
    changed = posixpath.normpath(posixpath.join(folder, target))
    return "" if changed == "." else changed


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
    """Each word with its line and column, in time linear in the line (shlex is quadratic on long lines)."""
    from hplint.extract.shell_words import split_words

    try:
        words = split_words(line)
    except ValueError:  # unbalanced quotes: not a command hplint can read
        return []
    placed = []
    position = 0
    for token, start, end in words:
        # The word's text as written (quotes removed), searched within the word alone.
        found = line.find(token.split("=")[0], max(position, start), end)
        column = found + 1 if found >= 0 else start + 1
        position = found + len(token) if found >= 0 else end
        placed.append((token, number, column))
    return placed


def _launch(
    path: str, words: list[tuple[str, int, int]], folder: str, variables: dict[str, Const],
) -> LaunchCommand | None:
    for start, (word, _, _) in enumerate(words):
        if word.lstrip("@").strip("\t") and (_PYTHON.match(word.lstrip("@")) or word in _LAUNCHERS):
            return _from_launcher(path, words[start:], folder, variables)
    return None


def _from_launcher(
    path: str, words: list[tuple[str, int, int]], folder: str, variables: dict[str, Const],
) -> LaunchCommand | None:
    """The script (or `-m` module) a launcher starts, its devices, and the arguments after it."""
    if folder == _UNKNOWN_FOLDER:
        return None
    script_index, module = None, False
    for index, (word, _, _) in enumerate(words):
        if word == "-m" and index + 1 < len(words):
            if words[index + 1][0] not in _MODULE_LAUNCHERS:
                script_index, module = index + 1, True
                break
        elif word.endswith(".py") and not word.startswith("-"):
            script_index = index
            break
    if script_index is None:
        return None
    script, line, column = words[script_index]
    options = tuple(_options(path, words[1:script_index], variables))
    devices = None
    for option in options:
        if option.name in _DEVICE_OPTIONS:
            devices = option.value  # a number, or what no reader knows (`$NGPU`, `auto`): the run says how many
        elif option.name == "--include" and words[0][0] == "deepspeed":
            devices = _included_devices(option.value)
    arguments = tuple(_options(path, _until_redirection(words[script_index + 1:]), variables))
    location = Location(path, line, column, line, column + len(script))
    return LaunchCommand(script, module, folder, arguments, options, devices, location)


def _included_devices(value: Const) -> Const:
    """deepspeed `--include localhost:0,1,2,3` (or `a:0,1@b:0,1`): the GPUs it names, counted."""
    text = value.value if isinstance(value.value, str) else ""
    hosts = [host.partition(":") for host in text.split("@")]
    if not text or any(not ids or not all(part.strip().isdigit() for part in ids.split(",")) for _, _, ids in hosts):
        return Const(None, value.location)
    return Const(sum(len(ids.split(",")) for _, _, ids in hosts), value.location)


def _until_redirection(words: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    for index, (word, _, _) in enumerate(words):
        if word in (">", ">>", "2>&1") or word.startswith((">", "2>", "1>")):
            return words[:index]
    return words


def _options(path: str, words: list[tuple[str, int, int]], variables: dict[str, Const]) -> Iterator[LaunchArgument]:
    """`--lr 0.3`, `--lr=0.3`, `--flag`, Hydra's `optim.lr=0.3` / `+trainer.devices=2` / `~logger`, and
    positional words (`config/train_gpt2.py`) under the name "". `$LR` takes the variable's value.
    """
    index = 0
    while index < len(words):
        word, line, column = words[index]
        index += 1
        if word.startswith("-"):
            name, equals, inline = word.partition("=")
            if equals:
                yield _argument(name, inline, path, line, column + len(name) + 1, variables)
            elif index < len(words) and not words[index][0].startswith("-") and "=" not in words[index][0]:
                value, value_line, value_column = words[index]
                index += 1
                yield _argument(name, value, path, value_line, value_column, variables)
            else:
                yield LaunchArgument(name, Const(True, Location(path, line, column, line, column + len(word))), "")
        elif word.startswith("~"):
            yield LaunchArgument(word, Const(None, Location(path, line, column, line, column + len(word))), "")
        elif "=" in word:
            key, _, value = word.partition("=")
            yield _argument(key, value, path, line, column + len(key) + 1, variables)
        else:
            yield _argument("", word, path, line, column, variables)


def _argument(name: str, text: str, path: str, line: int, column: int, variables: dict[str, Const]) -> LaunchArgument:
    """An argument's value; `$LR`, `${LR}`, `$(LR)` take where the variable is set, `${BS:-32}` its default."""
    reference = _REFERENCE.match(text)
    if reference is None:
        return LaunchArgument(name, _const(text, path, line, column), "")
    variable = reference.group(1) or reference.group(3) or reference.group(4)
    if variable in variables:
        return LaunchArgument(name, variables[variable], f"${variable}")
    default = reference.group(2)
    if default is not None and "$" not in default:
        return LaunchArgument(name, _const(default, path, line, column + text.index(default)), f"${variable}")
    return LaunchArgument(name, Const(None, Location(path, line, column, line, column + len(text))), f"${variable}")


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
