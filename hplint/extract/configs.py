"""YAML / TOML / JSON configs -> ConfigEntry facts, each leaf with the line of its key.

YAML is composed, never constructed: tags such as `!!python/object` stay plain data and no
Python object is ever built. Aliases are followed under a node budget, so an alias bomb
costs a bounded walk instead of exponential memory.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from typing import Any, Iterator

import yaml

from hplint.facts import ConfigEntry, ConfigPackage, Const, Fact, Location, ParseError, Scalar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_ENTRIES = 20_000  # leaves read from one config; past this it is data, not a config
_TEMPLATE_MARKERS = ("{{", "{%")
# `"train_micro_batch_size_per_gpu": BATCH_SIZE_PER_GPU,`: a value a script fills in with sed before the run
_PLACEHOLDER = re.compile(r":\s*\$?\{?[A-Z][A-Z0-9_]{2,}\}?\s*[,}\]\n]")
_MAX_INTEGER = 10**100  # larger integers are data (ids, hashes), never hyperparameters
_MAX_INTEGER_DIGITS = 100


def extract_config(path: str, language: str, text: str) -> list[Fact]:
    templated = any(marker in text for marker in _TEMPLATE_MARKERS)
    if language == "yaml":
        return _extract_yaml(path, text, templated)
    if language == "toml":
        return _extract_toml(path, text, templated)
    return _extract_json(path, text, templated)


# ---------------------------------------------------------------- YAML


def _extract_yaml(path: str, text: str, templated: bool) -> list[Fact]:
    facts: list[Fact] = list(_package_header(path, text))
    try:
        for index, document in enumerate(yaml.compose_all(text, Loader=_YAML_LOADER)):
            if document is not None:
                facts.extend(_YamlWalker(path, index).walk(document))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return [ParseError("yaml", problem, Location(path, line, column, line, column), templated)]
    except RecursionError:
        return [ParseError("yaml", "nested too deeply", Location(path, 1, 1, 1, 1), templated)]
    return facts


_PACKAGE = re.compile(r"#\s*@package\s+(\S+)")


def _package_header(path: str, text: str) -> Iterator[ConfigPackage]:
    """Hydra's `# @package _global_` in the comments that open a file."""
    for number, line in enumerate(text.splitlines()[:50], start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return
        match = _PACKAGE.match(stripped)
        if match:
            yield ConfigPackage(match.group(1), Location(path, number, 1, number, len(line) + 1))
            return


class _YamlWalker:
    def __init__(self, path: str, document: int) -> None:
        self.path = path
        self.document = document
        self.budget = MAX_ENTRIES * 5  # nodes visited, aliases included

    def walk(self, root: yaml.Node) -> Iterator[ConfigEntry]:
        stack: list[tuple[yaml.Node, tuple[str, ...], yaml.Node | None, frozenset[int]]] = [
            (root, (), None, frozenset())
        ]
        entries = 0
        while stack and self.budget > 0 and entries < MAX_ENTRIES:
            node, keys, key_node, ancestors = stack.pop()
            self.budget -= 1
            if id(node) in ancestors:
                continue  # a recursive alias
            if isinstance(node, yaml.ScalarNode):
                if not keys:
                    continue  # a document that is one scalar sets no key
                entries += 1
                yield ConfigEntry(keys, Const(_yaml_scalar(node), self._location(key_node or node, node)), self.document)
            elif isinstance(node, yaml.MappingNode):
                inner = ancestors | {id(node)}
                for key, value in reversed(_merged_pairs(node)):
                    if isinstance(key, yaml.ScalarNode):
                        stack.append((value, keys + (str(key.value),), key, inner))
            elif isinstance(node, yaml.SequenceNode):
                inner = ancestors | {id(node)}
                for position in reversed(range(len(node.value))):
                    stack.append((node.value[position], keys + (str(position),), None, inner))

    def _location(self, start: yaml.Node, end: yaml.Node) -> Location:
        return Location(
            self.path, start.start_mark.line + 1, start.start_mark.column + 1,
            end.end_mark.line + 1, end.end_mark.column + 1,
        )


def _merged_pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's pairs with `<<: *base` merged in: explicit keys win, then earlier merges."""
    own = [(key, value) for key, value in node.value if not (isinstance(key, yaml.ScalarNode) and key.value == "<<")]
    seen = {key.value for key, _ in own if isinstance(key, yaml.ScalarNode)}
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "<<"):
            continue
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                continue
            for inner_key, inner_value in source.value:
                if isinstance(inner_key, yaml.ScalarNode) and inner_key.value not in seen and inner_key.value != "<<":
                    seen.add(inner_key.value)
                    merged.append((inner_key, inner_value))
    return own + merged


def _yaml_scalar(node: yaml.ScalarNode) -> Scalar:
    """The value the YAML 1.1 resolver gave the scalar; never constructs tagged objects."""
    text = node.value
    tag = node.tag.rsplit(":", 1)[-1]
    if tag == "int":
        digits = text.replace("_", "")
        if len(digits) > _MAX_INTEGER_DIGITS:
            return text
        for base in (0, 10):
            try:
                return int(digits, base)
            except ValueError:
                continue
        return text
    if tag == "float":
        return _yaml_float(text.lower().replace("_", ""))
    if tag == "bool":
        return text.lower() in ("true", "yes", "on", "y")
    if tag == "null":
        return None
    return text


def _yaml_float(text: str) -> Scalar:
    specials = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
    if text in specials:
        return specials[text]
    try:
        return float(text)
    except ValueError:
        return text


# ---------------------------------------------------------------- TOML

_TOML_ERROR_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _extract_toml(path: str, text: str, templated: bool) -> list[Fact]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_ERROR_POSITION.search(str(error))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        message = _TOML_ERROR_POSITION.sub("", str(error)).strip()
        return [ParseError("toml", message, Location(path, line, column, line, column), templated)]
    except ValueError:  # an integer of thousands of digits
        return [ParseError("toml", "a number too large to read", Location(path, 1, 1, 1, 1), templated)]
    except RecursionError:
        return [ParseError("toml", "nested too deeply", Location(path, 1, 1, 1, 1), templated)]
    positions = _toml_key_positions(text)
    lines = text.splitlines()
    facts: list[Fact] = []
    for keys, value in _leaves(data):
        line, column = _nearest_position(positions, keys)
        end_column = len(lines[line - 1]) + 1 if 0 < line <= len(lines) else column
        facts.append(ConfigEntry(keys, Const(value, Location(path, line, column, line, end_column)), 0))
    return facts


def _split_toml_key(key: str) -> tuple[str, ...]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", key)
    return tuple(part.strip("\"'") for part in parts)


def _toml_key_positions(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    positions: dict[tuple[str, ...], tuple[int, int]] = {}
    table: tuple[str, ...] = ()
    array_counts: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_HEADER.match(line)
        if header:
            table = _split_toml_key(header.group(1))
            if line.lstrip().startswith("[["):
                array_counts[table] = array_counts.get(table, -1) + 1
                table = table + (str(array_counts[table]),)
            positions.setdefault(table, (number, line.index("[") + 1))
            continue
        key = _TOML_KEY.match(line)
        if key:
            full = table + _split_toml_key(key.group(1))
            positions.setdefault(full, (number, len(line) - len(line.lstrip()) + 1))
    return positions


def _nearest_position(positions: dict[tuple[str, ...], tuple[int, int]], keys: tuple[str, ...]) -> tuple[int, int]:
    for length in range(len(keys), 0, -1):
        if keys[:length] in positions:
            return positions[keys[:length]]
    return (1, 1)


def _leaves(data: Any, keys: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Scalar]]:
    """Scalar leaves of parsed TOML/JSON data, iteratively and bounded."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, keys)]
    produced = 0
    while stack and produced < MAX_ENTRIES:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, path + (str(key),)) for key, item in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((item, path + (str(index),)) for index, item in reversed(list(enumerate(value))))
        elif not path:
            continue  # a document that is one scalar sets no key
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _MAX_INTEGER:
            produced += 1
            yield path, str(value)
        elif isinstance(value, (int, float, str, bool)) or value is None:
            produced += 1
            yield path, value
        else:  # TOML dates and times
            produced += 1
            yield path, str(value)


# ---------------------------------------------------------------- JSON

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


def _extract_json(path: str, text: str, templated: bool) -> list[Fact]:
    try:
        data = json.loads(text, parse_int=_json_integer)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and _starts_as_json_lines(text):
            return []  # JSON Lines under a .json name: a data file, one record per line, not a config
        location = Location(path, error.lineno, error.colno, error.lineno, error.colno)
        return [ParseError("json", error.msg, location, templated or bool(_PLACEHOLDER.search(text)))]
    except RecursionError:
        return [ParseError("json", "nested too deeply", Location(path, 1, 1, 1, 1), templated)]
    positions = _json_key_positions(text)
    facts: list[Fact] = []
    for keys, value in _leaves(data):
        line, column, end_line, end_column = positions.get(keys, (1, 1, 1, 1))
        facts.append(ConfigEntry(keys, Const(value, Location(path, line, column, end_line, end_column)), 0))
    return facts


def _starts_as_json_lines(text: str) -> bool:
    """Its first two lines are each a JSON value of their own."""
    lines = [line for line in text.split("\n", 8)[:8] if line.strip()][:2]
    try:
        for line in lines:
            json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return len(lines) == 2


def _json_integer(digits: str) -> int | str:
    """Integers as Python reads them, but thousands of digits stay text (int() would refuse them)."""
    return int(digits) if len(digits) <= _MAX_INTEGER_DIGITS else digits


def _json_key_positions(text: str) -> dict[tuple[str, ...], tuple[int, int, int, int]]:
    """Where each leaf is written: from its key (or array element) to the end of its value."""
    line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(line_starts, offset)
        return line, offset - line_starts[line - 1] + 1

    positions: dict[tuple[str, ...], tuple[int, int, int, int]] = {}
    containers: list[list[Any]] = []  # [kind, path, current key or index, start offset]
    pending_key: str | None = None
    pending_start = 0
    for token in _JSON_TOKEN.finditer(text):
        value = token.group()
        if value in "{[" and len(value) == 1:
            path, start = _json_element_path(containers, pending_key, pending_start, token.start())
            containers.append(["object" if value == "{" else "array", path, -1, start])
            pending_key = None
        elif value in "}]" and len(value) == 1:
            containers.pop()
        elif value == ":":
            continue
        elif value == ",":
            pending_key = None
        elif containers and containers[-1][0] == "object" and pending_key is None:
            pending_key = json.loads(value) if value.startswith('"') else value
            pending_start = token.start()
        else:
            path, start = _json_element_path(containers, pending_key, pending_start, token.start())
            positions[path] = position(start) + position(token.end())
            pending_key = None
    return positions


def _json_element_path(containers: list[list[Any]], key: str | None, key_start: int, start: int) -> tuple[tuple[str, ...], int]:
    if not containers:
        return (), start
    parent = containers[-1]
    if parent[0] == "array":
        parent[2] += 1
        return parent[1] + (str(parent[2]),), start
    return parent[1] + (str(key),), key_start
