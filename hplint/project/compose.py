"""Config trees composed as their frameworks compose them, with the chain each value came through.

- Hydra: the defaults list (group files under their package, `# @package`, `_self_`,
  `override /group: option` from any composed file), the launch line's overrides
  (`data=big`, `+experiment=x`, `trainer.max_epochs=5`, `~key`), then `${a.b}` interpolation
  over the whole composed tree.
- yacs `_BASE_`, MMEngine `_base_` (a child key overrides, a dict merges, `_delete_=True`
  replaces) and MMEngine's `with read_base():` imports.
- detectron2 LazyConfig Python files: objects imported from other config files
  (`from ..common.optim import SGD as optimizer`) and changed by assignment (`optimizer.lr = 0.01`).

A composed config is its leaves: key path -> Value, the value where it is written with the
hops that brought it into the root (`_base_ ../_base_/datasets/imagenet_bs32.py`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hplint.facts import (
    BaseImport, Binding, ConfigPackage, ConfigUpdate, DictLiteral, Expr, Hop, Import, LaunchCommand, Location, Name,
    Unknown, Value,
)
from hplint.project.configs import MAX_DEPTH, ConfigReader, config_number, is_python_config
from hplint.project.index import FactIndex

Leaves = dict[tuple[str, ...], Value]
Resolve = Callable[[Expr, str], "Value | None"]

_INTERPOLATION = re.compile(r"\$\{(\.*[A-Za-z_][\w.]*)\}")
_BASE_KEYS = ("_base_", "_BASE_")
_DELETE = "_delete_"
_HYDRA_ITSELF = "hydra"  # the `hydra` group configures Hydra, not the program


@dataclass(frozen=True)
class Composed:
    """A config as its program reads it: every leaf, and every file that went into it."""

    root: str
    leaves: Leaves
    files: frozenset[str]
    document: int = 0  # of a YAML file of several documents (a sweep): each is a config of its own
    unknown: tuple[tuple[tuple[str, ...], Location], ...] = ()  # keys set to what no reader can know, and where

    def get(self, keys: tuple[str, ...]) -> Value | None:
        return self.leaves.get(keys)

    def has_section(self, keys: tuple[str, ...]) -> bool:
        return any(candidate[: len(keys)] == keys and len(candidate) > len(keys) for candidate in self.leaves)

    def listed(self, keys: tuple[str, ...]) -> Value | None:
        """`milestones: [30, 60, 90]` as one value, written where its first item is."""
        items = []
        while keys + (str(len(items)),) in self.leaves:
            items.append(self.leaves[keys + (str(len(items)),)])
        if not items or any(
            len(candidate) > len(keys) + 1 for candidate in self.leaves if candidate[: len(keys)] == keys
        ):
            return None  # nothing, or a list of mappings rather than of numbers
        return Value(tuple(item.value for item in items), items[0].origin, items[0].chain)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Default:
    """One entry of a Hydra defaults list: a group file under its package, or `_self_` (file None)."""

    group: str  # absolute group path ("" for _self_ and the root)
    file: str | None
    package: tuple[str, ...]
    hop: Hop | None


class Composer:
    """Composes the configs of one run; a launch line's overrides apply to Hydra configs."""

    def __init__(self, index: FactIndex, reader: ConfigReader, resolve: Resolve, launch: LaunchCommand | None) -> None:
        self._index = index
        self._reader = reader
        self._resolve = resolve
        self._launch = launch
        self._composed: dict[str, Composed] = {}
        self._in_progress: set[str] = set()

    def documents(self, root: str) -> list[Composed]:
        """Every config a file holds: the first document composed, each further one as written."""
        first, *others = self._reader.documents(root)
        further = [Composed(root, self._own_leaves(root, document), frozenset({root}), document) for document in others]
        return [self.compose(root), *further]

    def configurator(self, script: str, configs: list[str]) -> Composed:
        """nanoGPT's configurator: the script's module-level values, then each config file the launch line
        names, then its `--key=value` arguments. A value the script assigns again after the configurator
        ran (`gradient_accumulation_steps //= world_size`) is unknown, whatever the config says."""
        leaves, files = self._python_config(script)
        for config in configs:
            composed = self.compose(config)
            files |= composed.files
            leaves = merge(leaves, _through(composed.leaves, Hop(f"config {config}", self._launch_location())))
        for argument in self._launch.arguments if self._launch is not None else ():
            if argument.name.startswith("--") and argument.value.value is not None:
                keys = (argument.name[2:],)
                leaves[keys] = Value(argument.value.value, argument.value.location, (Hop(argument.name, argument.value.location),))
        reassigned = [
            ((binding.name,), binding.location) for binding in self._index.of_type(script, Binding)
            if isinstance(binding.expr, Unknown) and "assigned" in binding.expr.reason
        ]
        changed = {keys for keys, _ in reassigned}
        kept = {keys: value for keys, value in leaves.items() if keys[:1] not in changed}
        return Composed(script, kept, frozenset(files), 0, tuple(reassigned))

    def layered(self, roots: list[str]) -> Composed:
        """Several configs applied in order, each over the ones before (a Lightning CLI's repeated --config)."""
        leaves: Leaves = {}
        files: set[str] = set()
        for root in roots:
            composed = self.compose(root)
            leaves = merge(leaves, composed.leaves)
            files |= composed.files
        return Composed(roots[-1], leaves, frozenset(files))

    def of_group(self, group: str) -> Composed:
        """The config a setting's group names: `path`, or `path#2` for a further document."""
        root, _, document = group.partition("#")
        return next((found for found in self.documents(root) if str(found.document) == document), self.compose(root))

    def compose(self, root: str) -> Composed:
        composed = self._composed.get(root)
        if composed is None:
            if root in self._in_progress:
                return Composed(root, {}, frozenset({root}))  # a base that includes itself
            self._in_progress.add(root)
            try:
                composed = self._compose(root)
            finally:
                self._in_progress.discard(root)
            self._composed[root] = composed
        return composed

    def _compose(self, root: str) -> Composed:
        file = self._index.files.get(root)
        if file is None:
            return Composed(root, {}, frozenset())
        if file.language == "python":
            leaves, files = self._python_config(root)
        elif self._reader.has_defaults(root):
            leaves, files = self._hydra(root)
        else:
            leaves, files = self._inherited(root, self._own_leaves(root))
        if file.language != "python" and self._launch is not None:
            folder = posixpath.dirname(root)
            leaves = _with_overrides(leaves, self._launch, lambda group: self._is_group(folder, group))
        return Composed(root, _interpolated(leaves), frozenset(files))

    # ------------------------------------------------------------ YAML / TOML / JSON

    def _own_leaves(self, path: str, document: int | None = None) -> Leaves:
        leaves: Leaves = {}
        for keys, entry in self._reader.entries(path, document).items():
            if keys[0] == "defaults" and len(keys) > 1 and keys[1].isdigit() or keys[0] in _BASE_KEYS:
                continue
            leaves[keys] = Value(config_number(entry.value.value), entry.value.location, ())
        return leaves

    def _inherited(self, path: str, own: Leaves) -> tuple[Leaves, set[str]]:
        """yacs `_BASE_` and MMEngine `_base_` (a path or a list of paths, relative to the file)."""
        files = {path}
        merged: Leaves = {}
        for written, location in self._base_paths(path):
            base = self._index.find_file(written, path, python=written.endswith(".py"))
            if base is None or base == path:
                continue
            composed = self.compose(base)
            files |= composed.files
            merged = merge(merged, _through(composed.leaves, Hop(f"_base_ {written}", location)))
        return merge(merged, own), files

    def _base_paths(self, path: str) -> Iterator[tuple[str, Location]]:
        for keys, entry in self._reader.entries(path).items():
            if keys[0] in _BASE_KEYS and isinstance(entry.value.value, str) and (len(keys) == 1 or keys[1].isdigit()):
                yield entry.value.value, entry.value.location

    # ------------------------------------------------------------ Hydra

    def _hydra(self, root: str) -> tuple[Leaves, set[str]]:
        folder = posixpath.dirname(root)
        extension = posixpath.splitext(root)[1] or ".yaml"
        chosen = self._chosen_options(root, folder, extension)
        files = {root}
        leaves: Leaves = {}
        for default in self._defaults_of(root, "", (), None, folder, extension, chosen, 0):
            if default.file is None:
                continue
            files.add(default.file)
            own = self._own_leaves(default.file) if default.file != root else self._own_leaves(root)
            placed = {default.package + keys: value for keys, value in own.items()}
            leaves = merge(leaves, _through(placed, default.hop) if default.hop else placed)
        return leaves, files

    def _chosen_options(self, root: str, folder: str, extension: str) -> dict[str, str | None]:
        """Group -> option, as the launch line (`data=big`, `+experiment=x`, `~logger`) and `override`
        entries of composed files choose them; the launch line wins."""
        launched: dict[str, str | None] = {}
        for argument in self._launch.arguments if self._launch is not None else ():
            group = argument.name.lstrip("+~")
            if argument.name and not argument.name.startswith("-") and self._is_group(folder, group):
                value = argument.value.value
                launched[group] = None if argument.name.startswith("~") or value is None else str(value)
        chosen: dict[str, str | None] = {}
        for _ in range(3):  # an override may choose a file with overrides of its own
            before = dict(chosen)
            pending, seen = [root], set()
            pending += [self._group_file(folder, group, option, extension) or "" for group, option in launched.items()]
            while pending:
                path = pending.pop()
                if not path or path in seen:
                    continue
                seen.add(path)
                for written, option, overrides, _ in self._defaults_entries(path):
                    group = written.lstrip("/")
                    if overrides and group not in launched:
                        chosen[group] = option
                    effective = launched.get(group, chosen.get(group, option))
                    pending.append(self._group_file(folder, group, effective, extension) or "")
            if chosen == before:
                break
        return {**chosen, **launched}

    def _group_file(self, folder: str, group: str, option: str | None, extension: str) -> str | None:
        if not option:
            return None
        target = posixpath.normpath(posixpath.join(folder, group, option + extension))
        return target if target in self._index.files else None

    def _is_group(self, folder: str, group: str) -> bool:
        prefix = posixpath.normpath(posixpath.join(folder, group)) + "/"
        return any(path.startswith(prefix) for path in self._index.files)

    def _defaults_entries(self, path: str) -> Iterator[tuple[str, str | None, bool, Location]]:
        """(group as written, option, is an override, where) for each entry; `_self_` has group ""."""
        entries = self._reader.entries(path)
        listed = sorted(
            (int(keys[1]), keys[2:], entry) for keys, entry in entries.items()
            if len(keys) >= 2 and keys[0] == "defaults" and keys[1].isdigit()
        )
        for _, group, entry in listed:
            option = entry.value.value
            if not group:
                if option == "_self_":
                    yield "", None, False, entry.value.location
                elif isinstance(option, str):
                    yield option, "", False, entry.value.location  # `- some_config`: a file beside it
                continue
            if len(group) > 1:
                continue
            written = group[0].replace("optional ", "").strip()
            overrides = written.startswith("override ")
            written = written.replace("override ", "").strip().partition("@")[0]
            yield written, option if isinstance(option, str) or option is None else str(option), overrides, entry.value.location

    def _defaults_of(
        self, path: str, group: str, package: tuple[str, ...], hop: Hop | None, folder: str, extension: str,
        chosen: dict[str, str | None], depth: int,
    ) -> Iterator[_Default]:
        """A config's defaults list, expanded: group files in order, the file itself where `_self_` stands."""
        if depth > MAX_DEPTH:
            return
        declared = self._package_of(path)
        if declared is not None:
            package = declared
        own_placed = False
        for written, option, overrides, location in self._defaults_entries(path):
            if overrides or written.lstrip("/") == _HYDRA_ITSELF:
                continue
            if written == "" and option is None:
                own_placed = True
                yield _Default(group, path, package, hop)
                continue
            absolute = written.lstrip("/") if written.startswith("/") or not group else posixpath.join(group, written)
            if option == "":  # `- other_config`: a file of the same group folder
                target = posixpath.normpath(posixpath.join(folder, group, written + extension))
                inner_group, option_name = group, written
            else:
                option_name = chosen.get(absolute, option)
                if option_name is None:
                    continue
                target = posixpath.normpath(posixpath.join(folder, absolute, option_name + extension))
                inner_group = absolute
            if target not in self._index.files:
                continue
            inner_package = tuple(part for part in inner_group.split("/") if part) if option != "" else package
            inner_hop = Hop(f"defaults {absolute}: {option_name}" if option != "" else f"defaults {written}", location)
            yield from self._defaults_of(target, inner_group, inner_package, inner_hop, folder, extension, chosen, depth + 1)
        if not group:
            for added, option_name in chosen.items():
                if option_name is None or any(added == e[0].lstrip("/") for e in self._defaults_entries(path)):
                    continue
                target = posixpath.normpath(posixpath.join(folder, added, option_name + extension))
                if target in self._index.files:
                    inner_package = tuple(part for part in added.split("/") if part)
                    inner_hop = Hop(f"+{added}={option_name}", self._launch_location())
                    yield from self._defaults_of(target, added, inner_package, inner_hop, folder, extension, chosen, depth + 1)
        if not own_placed:
            yield _Default(group, path, package, hop)

    def _package_of(self, path: str) -> tuple[str, ...] | None:
        for declared in self._index.of_type(path, ConfigPackage):
            name = declared.package
            return () if name == "_global_" else tuple(name.replace("_global_.", "").split("."))
        return None

    def _launch_location(self) -> Location:
        assert self._launch is not None
        return self._launch.location

    # ------------------------------------------------------------ Python configs

    def _python_config(self, path: str) -> tuple[Leaves, set[str]]:
        """MMEngine and LazyConfig Python files: their bases, imported config objects, bindings and updates."""
        files = {path}
        leaves: Leaves = {}
        for written, location in self._python_bases(path):
            base = self._index.find_file(written, path, python=True) if written.endswith(".py") else (
                self._index.module_file(written, path)
            )
            if base is None or base == path:
                continue
            composed = self.compose(base)
            files |= composed.files
            leaves = merge(leaves, _through(composed.leaves, Hop(f"_base_ {written}", location)))
        for imported in self._index.of_type(path, Import):
            found = self._index.lookup_qualified(imported.qualified, path)
            if found is None or not is_python_config(self._index.files[found[0]]) or found[0] == path:
                continue
            composed = self.compose(found[0])
            files |= composed.files
            hop = Hop(f"import {imported.qualified}", imported.location)
            leaves = merge(leaves, _through(_renamed(composed.leaves, found[1], imported.local), hop))
        own: Leaves = {}
        for binding in self._index.of_type(path, Binding):
            if binding.name in _BASE_KEYS or binding.name.startswith("__"):
                continue
            own.update(self._expression_leaves(path, (binding.name,), binding.expr))
        leaves = merge(leaves, own)
        for update in sorted(self._index.of_type(path, ConfigUpdate), key=lambda found: found.location.line):
            keys = tuple(update.target.split("."))
            changed = dict(self._expression_leaves(path, keys, update.expr))
            leaves = merge(leaves, changed) if update.merge else merge(_without(leaves, keys), changed)
        return leaves, files

    def _python_bases(self, path: str) -> Iterator[tuple[str, Location]]:
        binding = self._index.bindings.get((path, "_base_"))
        if binding is not None:
            written = self._resolve(binding.expr, path)
            listed = written.value if written is not None and isinstance(written.value, tuple) else (
                (written.value,) if written is not None else ()
            )
            for item in listed:
                if isinstance(item, str):
                    yield item, binding.location
        for imported in self._index.of_type(path, BaseImport):
            yield imported.module, imported.location

    def _expression_leaves(
        self, path: str, keys: tuple[str, ...], expr: Expr, depth: int = 0,
    ) -> Iterator[tuple[tuple[str, ...], Value]]:
        if isinstance(expr, DictLiteral):
            for key, inner in expr.items:
                yield from self._expression_leaves(path, keys + (key,), inner, depth)
            return
        if isinstance(expr, Name):
            imported = self._index.imports.get((path, expr.name))
            target = self._index.lookup_qualified(imported.qualified, path) if imported is not None else None
            if imported is not None and (target is None or not isinstance(
                getattr(self._index.bindings.get(target), "expr", None), DictLiteral,
            )):
                # `type=AdamW`, `type=LARS` from the project's own optimizers: the class it names
                yield keys, Value(imported.qualified, expr.location, ())
                return
            bound = self._index.bindings.get((path, expr.name))
            if bound is not None and isinstance(bound.expr, DictLiteral) and depth < MAX_DEPTH:
                yield from self._expression_leaves(path, keys, bound.expr, depth + 1)  # `pipeline=test_pipeline`
                return
        value = self._resolve(expr, path)
        if value is None:
            return
        if isinstance(value.value, tuple):
            for position, item in enumerate(value.value):
                yield keys + (str(position),), Value(item, value.origin, value.chain)
            return
        yield keys, value


def merge(base: Leaves, child: Leaves) -> Leaves:
    """The child over the base: a child key overrides, a dict merges, a list replaces, `_delete_=True` replaces."""
    deleted = {keys[:-1] for keys, value in child.items() if keys[-1] == _DELETE and value.value is True}
    # Where the child holds a list (a position follows) or a dict (a name follows) under a prefix.
    lists = {keys[:at] for keys in child for at in range(len(keys)) if keys[at].isdigit()}
    dicts = {keys[:at] for keys in child for at in range(len(keys)) if not keys[at].isdigit()}
    child_keys = set(child)
    result: Leaves = {}
    for keys, value in base.items():
        if keys in dicts or keys in lists or any(_replaced(keys, at, child_keys, deleted, lists, dicts) for at in range(len(keys))):
            continue
        result[keys] = value
    result.update((keys, value) for keys, value in child.items() if keys[-1] != _DELETE)
    return result


def _replaced(keys: tuple[str, ...], at: int, values: set, deleted: set, lists: set, dicts: set) -> bool:
    """The base leaf `keys` is gone because of what the child does at `keys[:at]`."""
    prefix = keys[:at]
    if at and (prefix in values or prefix in deleted):
        return True  # a value of the child, or `_delete_`, replaces the whole section
    return prefix in lists or prefix in dicts and keys[at].isdigit()  # a new list, or a dict where a list was


def _through(leaves: Leaves, hop: Hop) -> Leaves:
    """Leaves brought into a config through one more step (a base, a defaults entry, an import)."""
    return {keys: Value(value.value, value.origin, (hop,) + value.chain) for keys, value in leaves.items()}


def _renamed(leaves: Leaves, name: str, local: str) -> Leaves:
    """The leaves of one imported object, under the name the importing config gives it."""
    return {(local,) + keys[1:]: value for keys, value in leaves.items() if keys[0] == name}


def _without(leaves: Leaves, keys: tuple[str, ...]) -> Leaves:
    return {candidate: value for candidate, value in leaves.items() if candidate[: len(keys)] != keys}


def _with_overrides(leaves: Leaves, launch: LaunchCommand, is_group: Callable[[str], bool]) -> Leaves:
    """A launch line's `key=value` and `~key` overrides of existing keys (`+key=value` adds one);
    `group=option` chose a file instead."""
    result = dict(leaves)
    for argument in launch.arguments:
        name = argument.name
        if not name or name.startswith("-") or is_group(name.lstrip("+~")):
            continue
        keys = tuple(name.lstrip("+~").split("."))
        if name.startswith("~"):
            result = _without(result, keys)
        elif keys in result or name.startswith("+") or any(candidate[: len(keys)] == keys for candidate in result):
            replaced = result.get(keys)
            hop = Hop(f"override {name}={argument.value.value}", replaced.origin if replaced else argument.value.location)
            result = _without(result, keys)
            result[keys] = Value(config_number(argument.value.value), argument.value.location, (hop,))
    return result


def _interpolated(leaves: Leaves) -> Leaves:
    """`${a.b}` and `${..b}` followed through the composed tree; resolvers (`${oc.env:X}`) stay unknown."""
    result: Leaves = {}
    for keys, value in leaves.items():
        followed = _follow(leaves, keys, value, 0)
        if followed is not None:
            result[keys] = followed
    return result


def _follow(leaves: Leaves, keys: tuple[str, ...], value: Value, depth: int) -> Value | None:
    written = value.value
    reference = _INTERPOLATION.fullmatch(written) if isinstance(written, str) else None
    if reference is None:
        return value
    if depth > MAX_DEPTH:
        return None
    target = _referenced_keys(reference.group(1), keys)
    found = leaves.get(target) if target is not None else None
    if found is None:
        return Value(written, value.origin, value.chain)  # a resolver or a missing key: kept as text
    inner = _follow(leaves, target, found, depth + 1)  # type: ignore[arg-type]
    if inner is None:
        return None
    return Value(config_number(inner.value), inner.origin, value.chain + (Hop(written, value.origin),) + inner.chain)


def _referenced_keys(reference: str, keys: tuple[str, ...]) -> tuple[str, ...] | None:
    """`${data.batch_size}` -> (data, batch_size); `${..lr}` is relative to the key's parent."""
    dots = len(reference) - len(reference.lstrip("."))
    parts = tuple(reference.lstrip(".").split("."))
    if dots == 0:
        return parts
    parent = keys[: len(keys) - dots]
    return parent + parts if len(keys) - dots >= 0 else None

