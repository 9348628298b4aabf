"""The facts of all files, joined: names resolved to values with their chain, models to losses.

Rules ask the project questions (`settings("lr")`, `model_losses()`, `trains`) and never
look at a syntax tree or a file.
"""

from __future__ import annotations

import dataclasses
import math
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any, TypeVar, Union

from hplint import catalogue
from hplint.catalogue import names_evaluation
from hplint.facts import (
    ArgumentDef, Arith, Binding, Call, CallResult, ConfigEntry, ConfigFile, Const, DictLiteral, Expr,
    FileFacts, FunctionCall, FunctionReturn, Hop, Import, LaunchCommand, Local, Location, Lookup, LossInput, ModelDef,
    ModelRef, Name, Operation, Parameter, ParsedArgs, ParseError, Scalar, Value,
)

FactT = TypeVar("FactT")
_MAX_DEPTH = 32  # name chains longer than this are cycles or too clever to follow
_MIN_TRAINING_KEYS = 2
_INHERITANCE_KEYS = frozenset({"_BASE_", "_base_"})
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
_OPTIMIZER_KEYS = frozenset({"name", "type", "class_path", "_target_", "optimizer", "optim", "optimizer_name"})  # distinct hyperparameters that make a config a training config


@dataclass(frozen=True, slots=True)
class Setting:
    """A hyperparameter value and what consumes it."""

    hyperparameter: str
    value: Value
    consumer: str  # DataLoader, SGD, TrainingArguments, or the config key path
    use: Location  # the call, or the config key
    role: str  # train | eval
    in_config: bool  # set by a config file rather than by code
    group: str  # settings that configure one run together: the same call, or the same config file

    def describe_use(self) -> str:
        if self.in_config:
            return f"key {self.consumer}"
        return f"{self.consumer} at {self.use}"


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
class _Launch:
    """One launch of a training script: its argparse values and Hydra overrides."""

    command: LaunchCommand
    script: str  # the launched Python file, as a project path
    group: str

    def option(self, definition: ArgumentDef) -> Const | None:
        wanted = {definition.flag, "--" + definition.dest, "--" + definition.dest.replace("_", "-")}
        found = [value for name, value in self.command.arguments if name in wanted]
        return found[-1] if found else None

    def override(self, keys: tuple[str, ...]) -> Const | None:
        found = [value for name, value in self.command.arguments if tuple(name.split(".")) == keys]
        return found[-1] if found else None


_Container = Union[_DictNode, _ConfigNode, _ArgsNode, _ModuleNode]
_Resolved = Union[Value, _Container, None]

# Operations that show the project runs optimizer steps.
_TRAINING_OPERATIONS = frozenset({"backward", "optimizer_step", "fit", "trainer_train"})


@dataclass(frozen=True, slots=True)
class ModelLoss:
    """A model whose output reaches a loss: the model's definition and the loss call."""

    model: ModelDef
    loss: LossInput


class Project:
    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.files: dict[str, FileFacts] = {facts.path: facts for facts in files}
        self._modules = _module_table(self.files)
        self._launch: _Launch | None = None  # set while values are read for one launch script
        # Indexes built once, so joins stay linear on projects of thousands of files.
        self._by_type: dict[type, list[tuple[str, Any]]] = {}
        self._by_file_type: dict[tuple[str, type], list[Any]] = {}
        for path, file in self.files.items():
            for fact in file.facts:
                self._by_type.setdefault(type(fact), []).append((path, fact))
                self._by_file_type.setdefault((path, type(fact)), []).append(fact)
        self._bindings = {(path, fact.name): fact for path, fact in reversed(self._by_type.get(Binding, []))}
        self._imports = {(path, fact.local): fact for path, fact in reversed(self._by_type.get(Import, []))}
        self._config_entry_cache: dict[str, dict[tuple[str, ...], ConfigEntry]] = {}
        self._training_config_cache: dict[str, bool] = {}

    def of_type(self, path: str, kind: type[FactT]) -> list[FactT]:
        """The facts of one kind in one file."""
        return self._by_file_type.get((path, kind), [])

    # ------------------------------------------------------------ facts by kind

    def all_of(self, kind: type[FactT]) -> Iterator[tuple[str, FactT]]:
        yield from self._by_type.get(kind, [])

    def calls(self, apis: Iterable[str]) -> Iterator[Call]:
        wanted = frozenset(apis)
        for _, call in self.all_of(Call):
            if call.api in wanted:
                yield call

    def parse_errors(self) -> Iterator[ParseError]:
        for _, error in self.all_of(ParseError):
            yield error

    @cached_property
    def trains(self) -> tuple[Operation, ...]:
        """Evidence anywhere in the project that it runs optimizer steps."""
        return tuple(op for _, op in self.all_of(Operation) if op.kind in _TRAINING_OPERATIONS)

    # ------------------------------------------------------------ values

    def resolve(self, expr: Expr | None, path: str) -> Value | None:
        """The value an expression has, with the chain it was reached through; None if unknown."""
        if expr is None:
            return None
        resolved = self._evaluate(expr, path, 0)
        return resolved if isinstance(resolved, Value) else None

    def _evaluate(self, expr: Expr, path: str, depth: int) -> _Resolved:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, Const):
            return Value(expr.value, expr.location, ())
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
            found = self._loaded_config(expr, path)
            return _ConfigNode(found, ()) if found is not None else None
        if isinstance(expr, ParsedArgs):
            return _ArgsNode(expr.location.path)
        if isinstance(expr, Parameter):
            return self._evaluate_parameter(expr, path, depth)
        if isinstance(expr, CallResult):
            return self._evaluate_call_result(expr, path, depth)
        return None

    def _evaluate_name(self, name: str, path: str, depth: int) -> _Resolved:
        binding = self._bindings.get((path, name))
        if binding is not None:
            return _via(self._evaluate(binding.expr, path, depth + 1), Hop(name, binding.location))
        imported = self._imports.get((path, name))
        if imported is not None:
            module_path = self._modules.get(_absolute(imported.qualified, path))
            if module_path is not None:
                return _ModuleNode(module_path)
            target = self._lookup_qualified(imported.qualified, path)
            if target is not None:
                return _via(self._evaluate_name(target[1], target[0], depth + 1), Hop(name, imported.location))
        return None

    def _evaluate_arith(self, expr: Arith, path: str, depth: int) -> _Resolved:
        operands = [self._evaluate(operand, path, depth + 1) for operand in expr.operands]
        numbers = []
        for operand in operands:
            if not isinstance(operand, Value):
                return None
            number = _config_number(operand.value) if expr.op in ("int", "float") else operand.value
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
        return self._evaluate_name(key, container.path, depth + 1)

    def _config_lookup(self, node: _ConfigNode, key: str, depth: int = 0) -> _Resolved:
        """A key of a loaded config, through the Hydra groups its defaults list composes."""
        keys = node.keys + (key,)
        override = self._launch.override(keys) if self._launch is not None else None
        if override is not None:
            return _known(Value(override.value, override.location, ()))
        for path, inner in self._composition(node.path, keys):
            entries = self._config_entries(path)
            entry = entries.get(inner)
            if entry is not None:
                return self._config_value(path, entry, depth)
            listed = _config_list(entries, inner)
            if listed is not None:
                return listed
            if any(candidate[: len(inner)] == inner for candidate in entries):
                return _ConfigNode(node.path, keys)
        return None

    def _composition(self, path: str, keys: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
        """Where `keys` of a Hydra config may be set, highest precedence first: (file, keys there)."""
        entries = self._config_entries(path)
        defaults = sorted(
            ((int(k[1]), k[2:], entry.value.value) for k, entry in entries.items()
             if len(k) >= 2 and k[0] == "defaults" and k[1].isdigit()),
        )
        folder = posixpath.dirname(path)
        extension = posixpath.splitext(path)[1] or ".yaml"
        groups: list[tuple[str, tuple[str, ...]]] = []
        self_first = False
        for _, group, option in defaults:
            if option == "_self_" and not group:
                self_first = not groups  # `_self_` before any group lets the groups win
                continue
            if not isinstance(option, str) or len(group) > 1:
                continue
            package = tuple(group[0].replace("override ", "").strip().split("/")) if group else ()
            target = posixpath.normpath(posixpath.join(folder, *package, option + extension))
            if target in self.files and keys[: len(package)] == package:
                groups.append((target, keys[len(package):]))
        groups.reverse()  # a later group overrides an earlier one
        own = [(path, keys)]
        return groups + own if self_first else own + groups

    def _config_value(self, path: str, entry: ConfigEntry, depth: int) -> _Resolved:
        """A config leaf; `${a.b}` and `${..b}` follow the reference inside the same file."""
        value = entry.value.value
        reference = _INTERPOLATION.fullmatch(value) if isinstance(value, str) else None
        if reference is None:
            return Value(_config_number(value), entry.value.location, ())
        if depth > _MAX_DEPTH:
            return None
        target = _interpolated_keys(reference.group(1), entry.keys)
        found = self._config_entries(path).get(target) if target is not None else None
        if found is None:
            return None  # resolvers (${oc.env:X}) and missing keys are unknown
        return _via(self._config_value(path, found, depth + 1), Hop(value, entry.value.location))

    def _config_entries(self, path: str) -> dict[tuple[str, ...], ConfigEntry]:
        entries = self._config_entry_cache.get(path)
        if entries is None:
            entries = {entry.keys: entry for entry in self.of_type(path, ConfigEntry) if entry.document == 0}
            self._config_entry_cache[path] = entries
        return entries

    def _argument_default(self, path: str, dest: str, depth: int) -> _Resolved:
        here = [(path, definition) for definition in self._arguments(path) if definition.dest == dest]
        found = here or [(p, d) for p, d in self.all_of(ArgumentDef) if d.dest == dest]
        if len(found) != 1:
            return None  # undefined or defined twice
        where, definition = found[0]
        launched = self._launch.option(definition) if self._launch is not None and self._launch.script == path else None
        if launched is not None:
            return _known(Value(launched.value, launched.location, (Hop(definition.flag, launched.location),)))
        if definition.default is None:
            return None  # required, without a default
        value = self._evaluate(definition.default, where, depth + 1)  # type: ignore[arg-type]
        if not isinstance(value, Value):
            return None
        if definition.value_type in ("int", "float") and isinstance(value.value, str):
            number = _config_number(value.value)
            value = Value(number, value.origin, value.chain) if isinstance(number, (int, float)) else value
        return _via(value, Hop(f"{definition.flag} default", definition.location))

    def _arguments(self, path: str) -> list[ArgumentDef]:
        return self.of_type(path, ArgumentDef)

    def _evaluate_parameter(self, parameter: Parameter, path: str, depth: int) -> _Resolved:
        """A parameter's value at every visible call site; unknown unless they all agree."""
        results: list[_Resolved] = []
        for caller, call in self._calls_of(parameter.function, path):
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

    def _calls_of(self, function: str, path: str) -> Iterator[tuple[str, FunctionCall]]:
        """Calls of a module-level function, or instantiations of a class (for its __init__)."""
        target = function[: -len(".__init__")] if function.endswith(".__init__") else function
        for caller, call in self._function_calls.get(function, []):
            if caller == path:
                yield caller, call
        for caller, call in self._dotted_calls.get(target.rpartition(".")[2], []):
            if self._lookup_qualified(call.function, caller) == (path, target):
                yield caller, call

    @cached_property
    def _function_calls(self) -> dict[str, list[tuple[str, FunctionCall]]]:
        grouped: dict[str, list[tuple[str, FunctionCall]]] = {}
        for caller, call in self.all_of(FunctionCall):
            grouped.setdefault(call.function, []).append((caller, call))
        return grouped

    @cached_property
    def _dotted_calls(self) -> dict[str, list[tuple[str, FunctionCall]]]:
        """Calls through a module (`models.build(...)`), by the function's own name."""
        grouped: dict[str, list[tuple[str, FunctionCall]]] = {}
        for caller, call in self.all_of(FunctionCall):
            if "." in call.function:
                grouped.setdefault(call.function.rpartition(".")[2], []).append((caller, call))
        return grouped

    def _evaluate_call_result(self, expr: CallResult, path: str, depth: int) -> _Resolved:
        target = (path, expr.function) if "." not in expr.function else self._lookup_qualified(expr.function, path)
        if target is None or target[0] not in self.files:
            return None
        for returned in self.of_type(target[0], FunctionReturn):
            if returned.function == target[1]:
                return self._evaluate(returned.expr, target[0], depth + 1)
        return None

    def _loaded_config(self, config: ConfigFile, from_path: str) -> str | None:
        written = self.resolve(config.path, from_path)
        if written is None or not isinstance(written.value, str):
            return None
        return self._find_file(written.value, from_path, python=False)

    def _find_file(self, written: str, from_path: str, python: bool) -> str | None:
        """A file named in another, relative to that file's folder or any folder above it."""
        folder = posixpath.dirname(from_path)
        candidates = []
        while True:
            candidates.append(posixpath.normpath(posixpath.join(folder, written)))
            if not folder or folder in (".", "/"):
                break
            folder = posixpath.dirname(folder)
        for candidate in candidates:
            file = self.files.get(candidate)
            if file is not None and (file.language == "python") == python:
                return candidate
        return None

    @cached_property
    def loaded_configs(self) -> frozenset[str]:
        """Config files the project's code loads."""
        found = set()
        for path, file in self.files.items():
            if file.language != "python":
                continue
            for config in _nested(file.facts, ConfigFile):
                located = self._loaded_config(config, path)
                if located is not None:
                    found.add(located)
            # A path handed to a framework or an option: TrainingArguments(deepspeed="ds.json"), --config x.yaml
            for constant in _nested(file.facts, Const):
                if isinstance(constant.value, str) and constant.value.endswith(_CONFIG_SUFFIXES):
                    located = self._find_file(constant.value, path, python=False)
                    if located is not None:
                        found.add(located)
        return frozenset(found)

    # ------------------------------------------------------------ modules and models

    def _lookup_qualified(self, qualified: str, from_path: str) -> tuple[str, str] | None:
        """`model.Net` imported in from_path -> (path of model.py, "Net")."""
        module, _, name = qualified.rpartition(".")
        if module.startswith("."):
            module = _absolute_module(module, from_path)
        path = self._modules.get(module)
        return (path, name) if path is not None else None

    def model_def(self, ref: ModelRef, from_path: str) -> ModelDef | None:
        if ref.module is None:
            path, name = from_path, ref.name
        else:
            found = self._lookup_qualified(f"{ref.module}.{ref.name}", from_path)
            if found is None:
                return None
            path, name = found
        file = self.files.get(path)
        if file is None:
            return None
        for model in file.of_type(ModelDef):
            if model.name == name:
                return model
        # `from model import Net` re-exported through another import in model.py
        if ref.module is not None:
            for imported in file.of_type(Import):
                if imported.local == name:
                    module, _, inner = imported.qualified.rpartition(".")
                    return self.model_def(ModelRef(module, inner), path) if module != ref.module else None
        return None

    def model_losses(self) -> Iterator[ModelLoss]:
        for path, loss in self.all_of(LossInput):
            model = self.model_def(loss.model, path)
            if model is not None:
                yield ModelLoss(model, loss)

    # ------------------------------------------------------------ hyperparameters

    def settings(self, hyperparameter: str) -> list[Setting]:
        return [setting for setting in self._settings if setting.hyperparameter == hyperparameter]

    @cached_property
    def _settings(self) -> tuple[Setting, ...]:
        found: list[Setting] = []
        for _, call in self.all_of(Call):
            found.extend(self._settings_of_call(call))
        for path, file in self.files.items():
            if file.language not in ("python", "shell") and self.is_training_config(path):
                found.extend(self._settings_of_config(file))
            elif file.language == "python" and _is_python_config(file):
                found.extend(self._settings_of_python_config(file))
        for path, command in self.all_of(LaunchCommand):
            found.extend(self._settings_of_launch(path, command))
        found.extend(self._settings_of_loops())
        return tuple(found)

    def _settings_of_launch(self, path: str, command: LaunchCommand) -> Iterator[Setting]:
        """What a launch changes: values its arguments override, and the devices it starts."""
        script = self._find_file(command.script, path, python=True)
        if script is None:
            return
        group = f"launch:{command.location}"
        if command.devices is not None:
            devices = Value(command.devices.value, command.devices.location, ())
            consumer = f"launch of {command.script}"
            yield Setting("devices", devices, consumer, command.location, "train", in_config=False, group=group)
        self._launch = _Launch(command, script, group)
        try:
            for _, call in self.all_of(Call):
                for setting in self._settings_of_call(call):
                    if setting.value.origin.path == path:
                        yield dataclasses.replace(setting, group=group)
        finally:
            self._launch = None

    def _launch_sets(self, group: str, hyperparameter: str) -> bool:
        """The launch passes its own value for this hyperparameter (so the default is not what it runs)."""
        return any(setting.group == group for setting in self.settings(hyperparameter))

    def batch_factors(self, batch: Setting) -> tuple[Setting, ...]:
        """Gradient accumulation and device count that multiply a per-device batch, when known.

        A factor set in the same call, config file or launch as the batch wins; otherwise one
        value shared by the whole project. Device counts only count when written as numbers.
        """
        if batch.in_config and batch.consumer.rpartition(".")[2].lower() in catalogue.GLOBAL_BATCH_KEYS:
            return ()
        factors = []
        for name in ("grad_accum", "devices"):
            candidates = [
                setting for setting in self.settings(name)
                if setting.role == "train" and _is_count(setting.value.value) and not (name == "devices" and setting.value.chain)
            ]
            if name == "devices":
                candidates = [
                    setting for setting in candidates
                    if not setting.group.startswith("launch:") or setting.group == batch.group
                    or not self._launch_sets(setting.group, batch.hyperparameter)
                ]
            pool = [setting for setting in candidates if setting.group == batch.group and _applies_to(setting, batch)]
            if not pool and any(setting.group == batch.group for setting in candidates):
                continue  # the run's own config sets it elsewhere: for another section
            pool = pool or candidates
            if len({setting.value.value for setting in pool}) == 1 and pool[0].value.value > 1:  # type: ignore[operator]
                factors.append(pool[0])
        return tuple(factors)

    def _settings_of_loops(self) -> Iterator[Setting]:
        """`for epoch in range(EPOCHS)`: the number of epochs a manual loop trains."""
        for path, op in self.all_of(Operation):
            if op.kind == "loop" and op.count is not None and "epoch" in op.target.lower():
                value = self.resolve(op.count, path)
                if value is not None and _is_number(value.value):
                    yield Setting("epochs", value, "training loop", op.location, "train", in_config=False, group=path)

    def call_at(self, location: Location) -> Call | None:
        """The library call written at a location (a layer's constructor, for its arguments)."""
        return self._calls_by_location.get(location)

    @cached_property
    def _calls_by_location(self) -> dict[Location, Call]:
        return {call.location: call for _, call in self.all_of(Call)}

    def operations(self, path: str, scope: str) -> list[Operation]:
        """The operations of one function (or module body), in the order written."""
        return self._operations_by_scope.get((path, scope), [])

    def functions(self) -> Iterator[tuple[str, str, list[Operation]]]:
        """Every function (and module body) with operations: (path, scope, its operations)."""
        for (path, scope), operations in sorted(self._operations_by_scope.items()):
            yield path, scope, operations

    @cached_property
    def _operations_by_scope(self) -> dict[tuple[str, str], list[Operation]]:
        grouped: dict[tuple[str, str], list[Operation]] = {}
        for path, op in self.all_of(Operation):
            grouped.setdefault((path, op.scope), []).append(op)
        return grouped

    def callees(self, path: str, scope: str) -> Iterator[tuple[str, str]]:
        """The project functions a function calls, as (path, qualified name in that file)."""
        for op in self.operations(path, scope):
            if op.kind != "calls":
                continue
            if "." not in op.subject or (path, op.subject) in self._operations_by_scope:
                yield path, op.subject
            else:
                target = self._lookup_qualified(op.subject, path)
                if target is not None:
                    yield target

    def callers(self, path: str, function: str) -> Iterator[Operation]:
        """The `calls` operations that call a function (or, through self, a method) of the project."""
        short = function.rpartition(".")[2]
        for caller, op in self._calls_by_name.get(short, []):
            if caller == path and op.subject == function:
                yield op
            elif "." in op.subject and self._lookup_qualified(op.subject, caller) == (path, function):
                yield op

    @cached_property
    def _calls_by_name(self) -> dict[str, list[tuple[str, Operation]]]:
        grouped: dict[str, list[tuple[str, Operation]]] = {}
        for caller, op in self.all_of(Operation):
            if op.kind == "calls":
                grouped.setdefault(op.subject.rpartition(".")[2], []).append((caller, op))
        return grouped

    def _settings_of_call(self, call: Call) -> Iterator[Setting]:
        short = call.api.rpartition(".")[2]
        if call.api in catalogue.DATA_LOADERS:
            dataset = call.argument("dataset", 0)
            evaluation = names_evaluation(call.target) or names_evaluation(call.scope) or (
                dataset is not None and names_evaluation(written_name(dataset))
            )
            role = "eval" if evaluation else "train"
            yield from self._setting(call, "batch_size", call.argument("batch_size", 1), short, role)
        elif call.api in catalogue.OPTIMIZERS:
            yield from self._setting(call, "lr", call.argument("lr", 1), short, "train")
        elif call.api in catalogue.TRAINING_ARGUMENTS:
            for keyword, expr in call.keywords:
                hyperparameter = catalogue.hyperparameter_for_key(keyword)
                if hyperparameter is not None:
                    role = "eval" if hyperparameter == "eval_batch_size" else "train"
                    yield from self._setting(call, hyperparameter, expr, short, role)
        elif call.api in catalogue.CALL_HYPERPARAMETERS:
            for keyword, hyperparameter in catalogue.CALL_HYPERPARAMETERS[call.api].items():
                yield from self._setting(call, hyperparameter, call.argument(keyword), short, "train")

    def _setting(self, call: Call, hyperparameter: str, expr: Expr | None, consumer: str, role: str) -> Iterator[Setting]:
        value = self.resolve(expr, call.location.path)
        if value is not None and _is_number(value.value):
            yield Setting(hyperparameter, value, consumer, call.location, role, in_config=False, group=str(call.location))

    def _settings_of_config(self, file: FileFacts) -> Iterator[Setting]:
        written: set[Location] = set()  # a key merged in with `<<: *base` is written once
        for entry in file.of_type(ConfigEntry):
            hyperparameter = _config_hyperparameter(entry)
            if hyperparameter is None or _is_hydra_defaults(entry.keys) or entry.value.location in written:
                continue
            written.add(entry.value.location)
            value = self._config_value(file.path, entry, 0)
            if not isinstance(value, Value) or not _is_number(value.value) and hyperparameter != "optimizer":
                continue
            role = "eval" if hyperparameter == "eval_batch_size" or any(
                names_evaluation(key) for key in entry.keys[:-1]
            ) else "train"
            yield Setting(
                hyperparameter, value, ".".join(entry.keys), entry.value.location, role,
                in_config=True, group=file.path,
            )

    def _settings_of_python_config(self, file: FileFacts) -> Iterator[Setting]:
        """MMEngine-style configs: `optim_wrapper = dict(optimizer=dict(type="SGD", lr=0.02))`."""
        leaves: list[tuple[tuple[str, ...], str, Value]] = []
        for binding in file.of_type(Binding):
            for keys, expr in _dict_leaves((binding.name,), binding.expr):
                hyperparameter = catalogue.hyperparameter_for_key(keys[-1])
                value = self.resolve(expr, file.path) if hyperparameter is not None else None
                if hyperparameter is not None and value is not None and _is_number(value.value):
                    leaves.append((keys, hyperparameter, value))
        inherits = any(binding.name == "_base_" for binding in file.of_type(Binding))
        if not inherits and len({hyperparameter for _, hyperparameter, _ in leaves}) < _MIN_TRAINING_KEYS:
            return
        for keys, hyperparameter, value in leaves:
            role = "eval" if hyperparameter == "eval_batch_size" or any(names_evaluation(key) for key in keys[:-1]) else "train"
            yield Setting(hyperparameter, value, ".".join(keys), value.origin, role, in_config=True, group=file.path)

    def optimizer_of(self, setting: Setting) -> str | None:
        """The optimizer (torch.optim class name) a learning-rate setting belongs to, when written."""
        if not setting.in_config:
            if setting.consumer in catalogue.TRAINING_ARGUMENTS_SHORT:
                call = self.call_at(setting.use)
                chosen = self.resolve(call.argument("optim"), setting.use.path) if call is not None else None
                return catalogue.optimizer_named(str(chosen.value)) if chosen is not None else "AdamW"
            return catalogue.optimizer_named(setting.consumer)
        keys = tuple(setting.consumer.split("."))
        best: tuple[int, str] | None = None
        for entry in self._config_entries(setting.use.path).values():
            if entry.keys[-1].lower() not in _OPTIMIZER_KEYS or not isinstance(entry.value.value, str):
                continue
            name = catalogue.optimizer_named(entry.value.value)
            parent = entry.keys[:-1]
            if name is not None and keys[: len(parent)] == parent and (best is None or len(parent) > best[0]):
                best = (len(parent), name)
        return best[1] if best is not None else None

    def is_training_config(self, path: str) -> bool:
        """A config counts when the code loads it or it sets at least two distinct hyperparameters."""
        known = self._training_config_cache.get(path)
        if known is None:
            known = self._training_config_cache[path] = self._is_training_config(path)
        return known

    def _is_training_config(self, path: str) -> bool:
        file = self.files.get(path)
        if file is None or PurePosixPath(path).name == "pyproject.toml":
            return False
        if path in self.loaded_configs:
            return True
        if any(entry.keys[0] in _INHERITANCE_KEYS for entry in file.of_type(ConfigEntry)):
            return True  # a yacs/MMEngine child config: its base holds the rest
        names = {_config_hyperparameter(entry) for entry in file.of_type(ConfigEntry)}
        names.discard(None)
        return len(names) >= _MIN_TRAINING_KEYS


# ---------------------------------------------------------------- helpers


def _via(resolved: _Resolved, hop: Hop) -> _Resolved:
    """A value reached through one more step; containers carry no chain."""
    if not isinstance(resolved, Value):
        return resolved
    if resolved.chain and resolved.chain[0].description == hop.description:
        return resolved  # `from settings import LR`: one name, one step
    return Value(resolved.value, resolved.origin, (hop,) + resolved.chain)


_INTERPOLATION = re.compile(r"\$\{(\.*[A-Za-z_][\w.]*)\}")


def _interpolated_keys(reference: str, keys: tuple[str, ...]) -> tuple[str, ...] | None:
    """`${data.batch_size}` -> (data, batch_size); `${..lr}` is relative to the key's parent."""
    dots = len(reference) - len(reference.lstrip("."))
    parts = tuple(reference.lstrip(".").split("."))
    if dots == 0:
        return parts
    parent = keys[: len(keys) - dots]
    return parent + parts if len(keys) - dots >= 0 else None


def _is_python_config(file: FileFacts) -> bool:
    """A Python file that is a config: it inherits with `_base_`, or lives in a configs folder."""
    folders = {part.lower() for part in PurePosixPath(file.path).parts[:-1]}
    return bool(folders & {"configs", "config", "conf"}) or any(
        binding.name == "_base_" for binding in file.of_type(Binding)
    )


def _dict_leaves(keys: tuple[str, ...], expr: Expr) -> Iterator[tuple[tuple[str, ...], Expr]]:
    if isinstance(expr, DictLiteral):
        for key, inner in expr.items:
            yield from _dict_leaves(keys + (key,), inner)
    else:
        yield keys, expr


def _config_list(entries: dict[tuple[str, ...], ConfigEntry], keys: tuple[str, ...]) -> Value | None:
    """`milestones: [30, 60, 90]` as one value, written where its first item is."""
    items = []
    while keys + (str(len(items)),) in entries:
        items.append(entries[keys + (str(len(items)),)])
    if not items:
        return None
    if any(len(candidate) > len(keys) + 1 for candidate in entries if candidate[: len(keys)] == keys):
        return None  # a list of mappings, not of numbers
    values = tuple(_config_number(item.value.value) for item in items)
    return Value(values, items[0].value.location, ())  # type: ignore[arg-type]


def _is_hydra_defaults(keys: tuple[str, ...]) -> bool:
    return len(keys) > 1 and keys[0] == "defaults" and keys[1].isdigit()


def _applies_to(factor: Setting, batch: Setting) -> bool:
    """In one config, a factor counts for a batch in its own section (or above), or from a trainer section."""
    if not (factor.in_config and batch.in_config):
        return True
    section = tuple(factor.consumer.split("."))[:-1]
    return tuple(batch.consumer.split("."))[: len(section)] == section or any(
        part.lower() in ("trainer", "training", "runtime") for part in section
    )


def _known(value: Value) -> Value | None:
    """A launch argument written as `$VAR` is unknown, not a fall back to the default."""
    return value if value.value is not None else None


def _is_count(value: Scalar) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_number(value: Scalar) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def written_name(expr: Expr) -> str:
    """`val_set`, `self.val_ds`, `datasets["validation"]`: the name an argument is written with."""
    if isinstance(expr, (Name, Local)):
        return expr.name
    if isinstance(expr, Lookup):
        return expr.key
    if isinstance(expr, Parameter):
        return expr.name
    return ""


def _argument_for(call: FunctionCall, parameter: Parameter) -> Expr | None:
    """The expression a call passes for a parameter; None when it relies on the default."""
    for name, expr in call.keywords:
        if name == parameter.name:
            return expr
    if 0 <= parameter.position < len(call.args):
        return call.args[parameter.position]
    return None


def _nested(objects: Iterable[Any], kind: type[FactT]) -> Iterator[FactT]:
    """Every instance of `kind` inside facts and the expressions they hold."""
    stack = list(objects)
    while stack:
        item = stack.pop()
        if isinstance(item, kind):
            yield item
        if dataclasses.is_dataclass(item):
            stack.extend(getattr(item, field.name) for field in dataclasses.fields(item))
        elif isinstance(item, tuple):
            stack.extend(item)


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
    return result


def _config_hyperparameter(entry: ConfigEntry) -> str | None:
    if not entry.keys or entry.keys[-1].isdigit():
        return None
    hyperparameter = catalogue.hyperparameter_for_key(entry.keys[-1])
    if hyperparameter is None or hyperparameter == "optimizer":
        return hyperparameter
    # Numeric hyperparameters only count when they hold a number, a number-like string or a reference.
    value = entry.value.value
    if isinstance(_config_number(value), (int, float)) or isinstance(value, str) and _INTERPOLATION.fullmatch(value):
        return hyperparameter
    return None


def _config_number(value: Scalar) -> Scalar:
    """YAML 1.1 reads `1e-3` as a string; under a hyperparameter key it is a number."""
    if isinstance(value, str):
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            return value
        return int(number) if number.is_integer() and "e" not in value.lower() and "." not in value else number
    return value


def _module_table(files: dict[str, FileFacts]) -> dict[str, str]:
    """Dotted module names -> path, for every suffix of each Python file's path that is unique."""
    candidates: dict[str, list[str]] = {}
    for path, file in files.items():
        if file.language != "python":
            continue
        parts = list(PurePosixPath(path).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        parts = [part for part in parts if part not in (".", "..")]
        for start in range(len(parts)):
            candidates.setdefault(".".join(parts[start:]), []).append(path)
    return {module: paths[0] for module, paths in candidates.items() if len(paths) == 1}


def _absolute(qualified: str, from_path: str) -> str:
    return _absolute_module(qualified, from_path) if qualified.startswith(".") else qualified


def _absolute_module(relative: str, from_path: str) -> str:
    level = len(relative) - len(relative.lstrip("."))
    package = list(PurePosixPath(from_path).parent.parts)
    if level > 1:
        package = package[: len(package) - (level - 1)]
    rest = relative.lstrip(".")
    return ".".join([part for part in package if part not in (".", "..")] + ([rest] if rest else []))
