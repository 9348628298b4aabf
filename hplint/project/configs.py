"""Config files as a framework reads them: keys, Hydra's defaults list, `${...}` interpolation, lists.

A key is looked up through the files the Hydra defaults list composes, highest precedence
first; a `${a.b}` reference is followed inside the same file. Resolvers (`${oc.env:X}`) are
unknown.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from hplint import catalogue
from hplint.facts import Binding, ConfigEntry, FileFacts, Hop, Scalar, Value
from hplint.project.index import FactIndex

MAX_DEPTH = 32  # name chains longer than this are cycles or too clever to follow
_MIN_TRAINING_KEYS = 2  # distinct hyperparameters that make a config a training config
_INHERITANCE_KEYS = frozenset({"_BASE_", "_base_"})
_INTERPOLATION = re.compile(r"\$\{(\.*[A-Za-z_][\w.]*)\}")
_CONFIG_FOLDERS = frozenset({"configs", "config", "conf"})


class ConfigReader:
    def __init__(self, index: FactIndex) -> None:
        self._index = index
        self._entries: dict[str, dict[tuple[str, ...], ConfigEntry]] = {}

    def entries(self, path: str) -> dict[tuple[str, ...], ConfigEntry]:
        """The leaves of a config's first document, by key path."""
        entries = self._entries.get(path)
        if entries is None:
            entries = {entry.keys: entry for entry in self._index.of_type(path, ConfigEntry) if entry.document == 0}
            self._entries[path] = entries
        return entries

    def composition(self, path: str, keys: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
        """Where `keys` of a Hydra config may be set, highest precedence first: (file, keys there)."""
        groups: list[tuple[str, tuple[str, ...]]] = []
        self_first = False
        for package, target in self.defaults(path):
            if target is None:
                self_first = not groups  # `_self_` before any group lets the groups win
            elif keys[: len(package)] == package:
                groups.append((target, keys[len(package):]))
        groups.reverse()  # a later group overrides an earlier one
        own = [(path, keys)]
        return groups + own if self_first else own + groups

    def defaults(self, path: str) -> list[tuple[tuple[str, ...], str | None]]:
        """A Hydra defaults list, in order: (the package a group file fills, the file); `_self_` as ((), None)."""
        entries = self.entries(path)
        listed = sorted(
            (int(k[1]), k[2:], entry.value.value) for k, entry in entries.items()
            if len(k) >= 2 and k[0] == "defaults" and k[1].isdigit()
        )
        folder = posixpath.dirname(path)
        extension = posixpath.splitext(path)[1] or ".yaml"
        found: list[tuple[tuple[str, ...], str | None]] = []
        for _, group, option in listed:
            if option == "_self_" and not group:
                found.append(((), None))
                continue
            if not isinstance(option, str) or len(group) > 1:
                continue
            package = tuple(group[0].replace("override ", "").strip().split("/")) if group else ()
            target = posixpath.normpath(posixpath.join(folder, *package, option + extension))
            if target in self._index.files:
                found.append((package, target))
        return found

    def value(self, path: str, entry: ConfigEntry, depth: int = 0) -> Value | None:
        """A config leaf; `${a.b}` and `${..b}` follow the reference inside the same file."""
        value = entry.value.value
        reference = _INTERPOLATION.fullmatch(value) if isinstance(value, str) else None
        if reference is None:
            return Value(config_number(value), entry.value.location, ())
        if depth > MAX_DEPTH:
            return None
        target = _interpolated_keys(reference.group(1), entry.keys)
        found = self.entries(path).get(target) if target is not None else None
        if found is None:
            return None  # resolvers (${oc.env:X}) and missing keys are unknown
        inner = self.value(path, found, depth + 1)
        return Value(inner.value, inner.origin, (Hop(value, entry.value.location),) + inner.chain) if inner else None

    def listed(self, path: str, keys: tuple[str, ...]) -> Value | None:
        """`milestones: [30, 60, 90]` as one value, written where its first item is."""
        entries = self.entries(path)
        items = []
        while keys + (str(len(items)),) in entries:
            items.append(entries[keys + (str(len(items)),)])
        if not items:
            return None
        if any(len(candidate) > len(keys) + 1 for candidate in entries if candidate[: len(keys)] == keys):
            return None  # a list of mappings, not of numbers
        values = tuple(config_number(item.value.value) for item in items)
        return Value(values, items[0].value.location, ())  # type: ignore[arg-type]

    def has_section(self, path: str, keys: tuple[str, ...]) -> bool:
        return any(candidate[: len(keys)] == keys for candidate in self.entries(path))

    def sets_training_keys(self, path: str) -> bool:
        """A config that reads as training: it inherits (`_BASE_`, `_base_`) or sets two distinct hyperparameters."""
        entries = self._index.of_type(path, ConfigEntry)
        if any(entry.keys[0] in _INHERITANCE_KEYS for entry in entries):
            return True  # a yacs/MMEngine child config: its base holds the rest
        names = {config_hyperparameter(entry) for entry in entries}
        names.discard(None)
        return len(names) >= _MIN_TRAINING_KEYS


def config_hyperparameter(entry: ConfigEntry) -> str | None:
    if not entry.keys or entry.keys[-1].isdigit():
        return None
    hyperparameter = catalogue.hyperparameter_for_key(entry.keys[-1])
    if hyperparameter is None or hyperparameter == "optimizer":
        return hyperparameter
    # Numeric hyperparameters only count when they hold a number, a number-like string or a reference.
    value = entry.value.value
    if isinstance(config_number(value), (int, float)) or isinstance(value, str) and _INTERPOLATION.fullmatch(value):
        return hyperparameter
    return None


def config_number(value: Scalar) -> Scalar:
    """YAML 1.1 reads `1e-3` as a string; under a hyperparameter key it is a number."""
    if isinstance(value, str):
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            return value
        return int(number) if number.is_integer() and "e" not in value.lower() and "." not in value else number
    return value


def is_hydra_defaults(keys: tuple[str, ...]) -> bool:
    return len(keys) > 1 and keys[0] == "defaults" and keys[1].isdigit()


def is_python_config(file: FileFacts) -> bool:
    """A Python file that is a config: it inherits with `_base_`, or lives in a configs folder."""
    folders = {part.lower() for part in PurePosixPath(file.path).parts[:-1]}
    return bool(folders & _CONFIG_FOLDERS) or any(binding.name == "_base_" for binding in file.of_type(Binding))


def _interpolated_keys(reference: str, keys: tuple[str, ...]) -> tuple[str, ...] | None:
    """`${data.batch_size}` -> (data, batch_size); `${..lr}` is relative to the key's parent."""
    dots = len(reference) - len(reference.lstrip("."))
    parts = tuple(reference.lstrip(".").split("."))
    if dots == 0:
        return parts
    parent = keys[: len(keys) - dots]
    return parent + parts if len(keys) - dots >= 0 else None

