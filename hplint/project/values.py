"""Expressions to values, with the chain a reader follows to reach them.

Literals, arithmetic, names across modules, dict literals, argparse defaults (`args.lr`),
lookups into the configs the code loads, parameters filled by the visible call sites, and
what project functions return. Inside a run, only that run's call sites and parsers count, and
its launch line's arguments and overrides replace the defaults they name.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from hplint.facts import (
    ArgumentDef, Arith, CallResult, ConfigFile, Const, DictLiteral, Expr, FunctionCall, FunctionReturn, Hop,
    LaunchArgument, LaunchCommand, Local, Lookup, ModelDef, Name, Parameter, ParsedArgs, Unknown, Value,
)
from hplint.project.compose import Composer
from hplint.project.configs import MAX_DEPTH, ConfigReader, config_number
from hplint.project.index import FactIndex

FactT = TypeVar("FactT")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
_MAX_INTEGER = 10**100  # no hyperparameter is larger; bigger integers only cost time and trouble to print


@dataclass(frozen=True)
class RunContext:
    """What a run changes in how values read: whose call sites and parsers count, and its launch line."""

    files: frozenset[str]
    launch: LaunchCommand | None
    # nanoGPT's configurator: the script whose module values the launch line's config files and --key=value override
    configurator: str | None = None
    configurator_files: tuple[str, ...] = ()

    def configured(self, name: str) -> LaunchArgument | None:
        """The launch line's `--name=value` for a configurator script's module value."""
        if self.launch is None:
            return None
        found = [argument for argument in self.launch.arguments if argument.name == f"--{name}" and argument.value.value is not None]
        return found[-1] if found else None

    def option(self, definition: ArgumentDef) -> Const | None:
        """The launch line's value for an argparse option (`--batch-size 64`)."""
        if self.launch is None:
            return None
        wanted = {definition.flag, "--" + definition.dest, "--" + definition.dest.replace("_", "-")}
        found = [argument.value for argument in self.launch.arguments if argument.name in wanted]
        return found[-1] if found else None



@dataclass(frozen=True)
class _DictNode:
    items: tuple[tuple[str, Expr], ...]
    path: str  # the file its expressions belong to


@dataclass(frozen=True)
class _ConfigNode:
    path: str  # the config file
    keys: tuple[str, ...]  # looked up so far


@dataclass(frozen=True)
class _ArgsNode:
    path: str  # the file that called parse_args()


@dataclass(frozen=True)
class _ModuleNode:
    path: str


@dataclass(frozen=True)
class _ModelNode:
    name: str  # a ModelDef of the file
    path: str


_Container = Union[_DictNode, _ConfigNode, _ArgsNode, _ModuleNode, _ModelNode]
_Resolved = Union[Value, _Container, None]


class Resolver:
    """Resolves expressions for one run (or, with no context, for a file on its own)."""

    def __init__(self, index: FactIndex, configs: ConfigReader, context: RunContext | None = None) -> None:
        self._index = index
        self._configs = configs
        self._context = context
        self._memo: dict[tuple[int, str], _Resolved] = {}
        self._closures: dict[str, frozenset[str]] = {}
        self._loaded: dict[str, frozenset[str]] = {}
        self.composer = Composer(index, configs, self.resolve, context.launch if context is not None else None)

    def resolve(self, expr: Expr | None, path: str) -> Value | None:
        """The value an expression has, with the chain it was reached through; None if unknown."""
        if expr is None:
            return None
        resolved = self._evaluate(expr, path, 0)
        return resolved if isinstance(resolved, Value) else None

    def _evaluate(self, expr: Expr, path: str, depth: int) -> _Resolved:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, Const):
            return Value(expr.value, expr.location, ())
        key = (id(expr), path)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a cycle (a loader that loads what it loaded) meets an unknown
        resolved = self._evaluate_afresh(expr, path, depth)
        self._memo[key] = resolved
        return resolved

    def _evaluate_afresh(self, expr: Expr, path: str, depth: int) -> _Resolved:
        if isinstance(expr, Local):
            return _via(self._evaluate(expr.expr, path, depth + 1), Hop(expr.name, expr.location))
        if isinstance(expr, Name):
            return self._evaluate_name(expr.name, path, depth)
        if isinstance(expr, Arith):
            return self._evaluate_arith(expr, path, depth)
        if isinstance(expr, Lookup):
            return self._evaluate_lookup(expr, path, depth)
        if isinstance(expr, DictLiteral):
            return _DictNode(expr.items, path)
        if isinstance(expr, ConfigFile):
            found = self._loaded_config(expr, path, depth)
            return _ConfigNode(found, ()) if found is not None else None
        if isinstance(expr, ParsedArgs):
            return _ArgsNode(expr.location.path)
        if isinstance(expr, Parameter):
            return self._evaluate_parameter(expr, path, depth)
        if isinstance(expr, CallResult):
            return self._evaluate_call_result(expr, path, depth)
        return None

    def _evaluate_name(self, name: str, path: str, depth: int) -> _Resolved:
        if self._context is not None and path == self._context.configurator:
            configured = self._configured(name, depth)
            if configured is not None:
                return configured
        binding = self._index.bindings.get((path, name))
        if binding is not None:
            return _via(self._evaluate(binding.expr, path, depth + 1), Hop(name, binding.location))
        imported = self._index.imports.get((path, name))
        if imported is None:
            return None
        module_path = self._index.module_file(imported.qualified, path)
        if module_path is not None:
            return _ModuleNode(module_path)
        target = self._index.lookup_qualified(imported.qualified, path)
        if target is None or target[0] == path and target[1] == name:
            return None
        return _via(self._evaluate_name(target[1], target[0], depth + 1), Hop(name, imported.location))

    def _configured(self, name: str, depth: int) -> _Resolved:
        """A configurator script's module value as the launch line sets it: `--name=value`, else the last
        config file on the line that assigns it. A value the script itself assigns again stays unknown."""
        assert self._context is not None and self._context.configurator is not None
        own = self._index.bindings.get((self._context.configurator, name))
        if own is not None and isinstance(own.expr, Unknown):
            return None
        flag = self._context.configured(name)
        if flag is not None:
            return Value(flag.value.value, flag.value.location, (Hop(flag.name, flag.value.location),))
        for config in reversed(self._context.configurator_files):
            binding = self._index.bindings.get((config, name))
            if binding is not None:
                return _via(self._evaluate(binding.expr, config, depth + 1), Hop(f"{name} in {config}", binding.location))
        return None

    def _evaluate_arith(self, expr: Arith, path: str, depth: int) -> _Resolved:
        operands = [self._evaluate(operand, path, depth + 1) for operand in expr.operands]
        numbers = []
        for operand in operands:
            if not isinstance(operand, Value):
                return None
            number = config_number(operand.value) if expr.op in ("int", "float") else operand.value
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                return None
            numbers.append(number)
        result = _compute(expr.op, numbers)
        if result is None:
            return None
        chain = tuple(hop for operand in operands if isinstance(operand, Value) for hop in operand.chain)
        if expr.op in ("int", "float"):  # a conversion keeps where the value was written
            value = operands[0]
            assert isinstance(value, Value)
            return Value(result, value.origin, value.chain)
        return Value(result, expr.location, chain)

    def _evaluate_lookup(self, expr: Lookup, path: str, depth: int) -> _Resolved:
        base = self._evaluate(expr.base, path, depth + 1)
        if base is None or isinstance(base, Value):
            return None  # an unknown container: its default is no better than a guess
        found = self._lookup(base, expr.key, depth)
        if found is None and expr.default is not None and isinstance(base, (_DictNode, _ConfigNode)):
            found = self._evaluate(expr.default, path, depth + 1)
        return _via(found, Hop(expr.text, expr.location))

    def _lookup(self, container: _Container, key: str, depth: int) -> _Resolved:
        if isinstance(container, _DictNode):
            matches = [expr for name, expr in container.items if name == key]
            return self._evaluate(matches[-1], container.path, depth + 1) if matches else None
        if isinstance(container, _ConfigNode):
            return self._config_lookup(container, key, depth)
        if isinstance(container, _ArgsNode):
            return self._argument_default(container.path, key, depth)
        if isinstance(container, _ModelNode):
            return None  # model.lr: an attribute of a model, not a value hplint follows
        return self._evaluate_name(key, container.path, depth + 1)

    def _config_lookup(self, node: _ConfigNode, key: str, depth: int) -> _Resolved:
        """A key of a loaded config, as its framework composes it (with the launch line's overrides)."""
        keys = node.keys + (key,)
        composed = self.composer.compose(node.path)
        found = composed.get(keys) or composed.listed(keys)
        if found is not None:
            return _known(found)
        return _ConfigNode(node.path, keys) if composed.has_section(keys) else None

    def _argument_default(self, path: str, dest: str, depth: int) -> _Resolved:
        here = [(path, definition) for definition in self._index.of_type(path, ArgumentDef) if definition.dest == dest]
        found = here or [
            (where, definition) for where in sorted(self._parser_files(path))
            for definition in self._index.of_type(where, ArgumentDef) if definition.dest == dest
        ]
        if len(found) != 1:
            return None  # undefined or defined twice
        where, definition = found[0]
        launched = self._context.option(definition) if self._context is not None else None
        if launched is not None:
            return _known(Value(launched.value, launched.location, (Hop(definition.flag, launched.location),)))
        if definition.default is None:
            return None  # required, without a default
        value = self._evaluate(definition.default, where, depth + 1)
        if not isinstance(value, Value):
            return None
        if definition.value_type in ("int", "float") and isinstance(value.value, str):
            number = config_number(value.value)
            value = Value(number, value.origin, value.chain) if isinstance(number, (int, float)) else value
        return _via(value, Hop(f"{definition.flag} default", definition.location))

    def _parser_files(self, path: str) -> frozenset[str]:
        """Where the parser behind `args` may be defined: the run's files, else what the file imports."""
        if self._context is not None:
            return self._context.files
        closure = self._closures.get(path)
        if closure is None:
            closure = self._closures[path] = import_closure(self._index, path)
        return closure

    def _evaluate_parameter(self, parameter: Parameter, path: str, depth: int) -> _Resolved:
        """A parameter's value at every visible call site; unknown unless they all agree."""
        results: list[_Resolved] = []
        for caller, call in self._index.calls_of(parameter.function, path):
            if self._context is not None and caller not in self._context.files:
                continue
            expr = _argument_for(call, parameter)
            if expr is None:
                if parameter.default is None:
                    return None
                results.append(self._evaluate(parameter.default, path, depth + 1))
            else:
                results.append(self._evaluate(expr, caller, depth + 1))
        if not results or results[0] is None or any(result != results[0] for result in results[1:]):
            return None
        return _via(results[0], Hop(parameter.name, parameter.location))

    def _evaluate_call_result(self, expr: CallResult, path: str, depth: int) -> _Resolved:
        target = (path, expr.function) if "." not in expr.function else self._index.lookup_qualified(expr.function, path)
        if target is None or target[0] not in self._index.files:
            return None
        for returned in self._index.of_type(target[0], FunctionReturn):
            if returned.function == target[1]:
                return self._evaluate(returned.expr, target[0], depth + 1)
        if any(model.name == target[1] for model in self._index.of_type(target[0], ModelDef)):
            return _ModelNode(target[1], target[0])  # Net(): an instance of a model of the project
        return None

    def resolve_model(self, expr: Expr, path: str) -> ModelDef | None:
        """The model of the project an expression holds (`Net()`, a parameter every call site fills with one)."""
        found = self._evaluate(expr, path, 0)
        if not isinstance(found, _ModelNode):
            return None
        return next((model for model in self._index.of_type(found.path, ModelDef) if model.name == found.name), None)

    def _loaded_config(self, config: ConfigFile, from_path: str, depth: int) -> str | None:
        written = self._evaluate(config.path, from_path, depth + 1)
        if not isinstance(written, Value) or not isinstance(written.value, str):
            return None
        return self._index.find_file(written.value, from_path, python=written.value.endswith(".py"))

    def configs_loaded_by(self, path: str) -> frozenset[str]:
        """Config files a Python file loads, or names where a framework or an option takes one."""
        loaded = self._loaded.get(path)
        if loaded is None:
            loaded = self._loaded[path] = self._configs_loaded_by(path)
        return loaded

    def _configs_loaded_by(self, path: str) -> frozenset[str]:
        found = set()
        for item in nested(self._index.files[path].facts, (ConfigFile, Const)):  # one walk for both
            if isinstance(item, ConfigFile):
                located = self._loaded_config(item, path, 0)
            elif isinstance(item.value, str) and item.value.endswith(CONFIG_SUFFIXES):
                # A path handed to a framework or an option: TrainingArguments(deepspeed="ds.json"), --config x.yaml
                located = self._index.find_file(item.value, path, python=False)
            else:
                continue
            if located is not None:
                found.add(located)
        return frozenset(found)


def import_closure(index: FactIndex, start: str) -> frozenset[str]:
    """A Python file and every project file it imports, transitively."""
    seen = {start}
    pending = [start]
    while pending:
        for imported in index.imported_files(pending.pop()):
            if imported not in seen:
                seen.add(imported)
                pending.append(imported)
    return frozenset(seen)


def _via(resolved: _Resolved, hop: Hop) -> _Resolved:
    """A value reached through one more step; containers carry no chain."""
    if not isinstance(resolved, Value):
        return resolved
    if resolved.chain and resolved.chain[0].description == hop.description:
        return resolved  # `from settings import LR`: one name, one step
    return Value(resolved.value, resolved.origin, (hop,) + resolved.chain)


def _known(value: Value) -> Value | None:
    """A launch argument written as `$VAR` is unknown, not a fall back to the default."""
    return value if value.value is not None else None


def _argument_for(call: FunctionCall, parameter: Parameter) -> Expr | None:
    """The expression a call passes for a parameter; None when it relies on the default."""
    for name, expr in call.keywords:
        if name == parameter.name:
            return expr
    if 0 <= parameter.position < len(call.args):
        return call.args[parameter.position]
    return None


def written_name(expr: Expr) -> str:
    """`val_set`, `self.val_ds`, `datasets["validation"]`: the name an argument is written with."""
    if isinstance(expr, (Name, Local)):
        return expr.name
    if isinstance(expr, Lookup):
        return expr.key
    if isinstance(expr, Parameter):
        return expr.name
    return ""


def nested(objects: Iterable[Any], kind: type[FactT] | tuple[type, ...]) -> Iterator[FactT]:
    """Every instance of `kind` (a class or a tuple of classes) inside facts and the expressions they hold."""
    stack = list(objects)
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if isinstance(item, kind):
            yield item
        cls = type(item)
        if cls in _PLAIN:  # most of what a walk meets: names, numbers, flags
            continue
        if isinstance(item, tuple):
            extend(item)
            continue
        names = _field_names(cls)
        if names:
            extend([getattr(item, name) for name in names])


_PLAIN = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The fields of a fact class, that may hold other facts; none for plain values."""
    if not dataclasses.is_dataclass(cls):
        return ()
    return tuple(field.name for field in dataclasses.fields(cls) if field.name != "location")


def _compute(op: str, numbers: list[int | float]) -> int | float | None:
    try:
        if op == "neg":
            return -numbers[0]
        if op == "int":
            return int(numbers[0])
        if op == "float":
            return float(numbers[0])
        left, right = numbers
        if op == "**":
            if abs(right) > 64 or abs(left) > 1e6:
                return None  # no giant integers from a linter
            return left ** right
        operations = {
            "+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
            "/": lambda: left / right, "//": lambda: left // right,
        }
        result = operations[op]()
    except (ZeroDivisionError, OverflowError, KeyError, ValueError):
        return None
    if isinstance(result, complex) or (isinstance(result, float) and not math.isfinite(result)):
        return None
    if isinstance(result, int) and abs(result) >= _MAX_INTEGER:
        return None  # a constant squared again and again: no hyperparameter, and slow to print
    return result
