"""The facts of all files, joined: names resolved to values with their chain, models to losses.

Rules ask the project questions (`settings("lr")`, `model_losses()`, `trains`) and never
look at a syntax tree or a file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import TypeVar

from hplint import catalogue
from hplint.facts import (
    Arith, Binding, Call, ConfigEntry, Const, Expr, FileFacts, Hop, Import, Local, Location,
    LossInput, ModelDef, ModelRef, Name, OutputOp, ParseError, Scalar, TrainingStep, Value,
)

FactT = TypeVar("FactT")
_MAX_DEPTH = 32  # name chains longer than this are cycles or too clever to follow
_MIN_TRAINING_KEYS = 2  # distinct hyperparameters that make a config a training config
_EVAL_WORDS = ("val", "eval", "test", "predict", "infer", "dev")
_WORD = re.compile(r"[a-z]+|[A-Z][a-z]*")


@dataclass(frozen=True, slots=True)
class Setting:
    """A hyperparameter value and what consumes it."""

    hyperparameter: str
    value: Value
    consumer: str  # DataLoader, SGD, TrainingArguments, or the config key path
    use: Location  # the call, or the config key
    role: str  # train | eval
    in_config: bool  # set by a config file rather than by code

    def describe_use(self) -> str:
        if self.in_config:
            return f"key {self.consumer}"
        return f"{self.consumer} at {self.use}"


@dataclass(frozen=True, slots=True)
class ModelLoss:
    """A model whose output reaches a loss: the model's definition and the loss call."""

    model: ModelDef
    loss: LossInput


class Project:
    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.files: dict[str, FileFacts] = {facts.path: facts for facts in files}
        self._modules = _module_table(self.files)

    # ------------------------------------------------------------ facts by kind

    def all_of(self, kind: type[FactT]) -> Iterator[tuple[str, FactT]]:
        for path, file in self.files.items():
            for fact in file.facts:
                if isinstance(fact, kind):
                    yield path, fact

    def calls(self, apis: Iterable[str]) -> Iterator[Call]:
        wanted = frozenset(apis)
        for _, call in self.all_of(Call):
            if call.api in wanted:
                yield call

    def parse_errors(self) -> Iterator[ParseError]:
        for _, error in self.all_of(ParseError):
            yield error

    @cached_property
    def trains(self) -> tuple[TrainingStep, ...]:
        """Evidence anywhere in the project that it runs optimizer steps."""
        return tuple(step for _, step in self.all_of(TrainingStep))

    # ------------------------------------------------------------ values

    def resolve(self, expr: Expr | None, path: str) -> Value | None:
        """The value an expression has, with the chain it was reached through; None if unknown."""
        return self._resolve(expr, path, 0) if expr is not None else None

    def _resolve(self, expr: Expr, path: str, depth: int) -> Value | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, Const):
            return Value(expr.value, expr.location, ())
        if isinstance(expr, Local):
            inner = self._resolve(expr.expr, path, depth + 1)
            return _via(inner, Hop(expr.name, expr.location))
        if isinstance(expr, Name):
            return self._resolve_name(expr.name, path, depth)
        if isinstance(expr, Arith):
            return self._resolve_arith(expr, path, depth)
        return None

    def _resolve_name(self, name: str, path: str, depth: int) -> Value | None:
        file = self.files.get(path)
        if file is None:
            return None
        for binding in file.of_type(Binding):
            if binding.name == name:
                return _via(self._resolve(binding.expr, path, depth + 1), Hop(name, binding.location))
        for imported in file.of_type(Import):
            if imported.local == name:
                target = self._lookup_qualified(imported.qualified, path)
                if target is not None:
                    return _via(self._resolve_name(target[1], target[0], depth + 1), Hop(name, imported.location))
        return None

    def _resolve_arith(self, expr: Arith, path: str, depth: int) -> Value | None:
        operands = [self._resolve(operand, path, depth + 1) for operand in expr.operands]
        numbers = []
        for operand in operands:
            if operand is None or isinstance(operand.value, bool) or not isinstance(operand.value, (int, float)):
                return None
            numbers.append(operand.value)
        result = _compute(expr.op, numbers)
        if result is None:
            return None
        chain = tuple(hop for operand in operands if operand is not None for hop in operand.chain)
        return Value(result, expr.location, chain)

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
            if file.language != "python" and self.is_training_config(path):
                found.extend(self._settings_of_config(file))
        return tuple(found)

    def _settings_of_call(self, call: Call) -> Iterator[Setting]:
        short = call.api.rpartition(".")[2]
        if call.api in catalogue.DATA_LOADERS:
            role = "eval" if _names_evaluation(call.target) or _names_evaluation(call.scope) else "train"
            yield from self._setting(call, "batch_size", call.argument("batch_size", 1), short, role)
        elif call.api in catalogue.OPTIMIZERS:
            yield from self._setting(call, "lr", call.argument("lr", 1), short, "train")
        elif call.api in catalogue.TRAINING_ARGUMENTS:
            for keyword, expr in call.keywords:
                hyperparameter = catalogue.hyperparameter_for_key(keyword)
                if hyperparameter is not None:
                    role = "eval" if hyperparameter == "eval_batch_size" else "train"
                    yield from self._setting(call, hyperparameter, expr, short, role)

    def _setting(self, call: Call, hyperparameter: str, expr: Expr | None, consumer: str, role: str) -> Iterator[Setting]:
        value = self.resolve(expr, call.location.path)
        if value is not None:
            yield Setting(hyperparameter, value, consumer, call.location, role, in_config=False)

    def _settings_of_config(self, file: FileFacts) -> Iterator[Setting]:
        for entry in file.of_type(ConfigEntry):
            hyperparameter = _config_hyperparameter(entry)
            if hyperparameter is None:
                continue
            value = _config_number(entry.value.value)
            role = "eval" if hyperparameter == "eval_batch_size" or any(
                _names_evaluation(key) for key in entry.keys[:-1]
            ) else "train"
            consumer = ".".join(entry.keys)
            yield Setting(
                hyperparameter, Value(value, entry.value.location, ()), consumer, entry.value.location, role,
                in_config=True,
            )

    def is_training_config(self, path: str) -> bool:
        """A config counts when it sets at least two distinct hyperparameters."""
        file = self.files.get(path)
        if file is None or PurePosixPath(path).name == "pyproject.toml":
            return False
        names = {_config_hyperparameter(entry) for entry in file.of_type(ConfigEntry)}
        names.discard(None)
        return len(names) >= _MIN_TRAINING_KEYS


# ---------------------------------------------------------------- helpers


def _via(value: Value | None, hop: Hop) -> Value | None:
    if value is None:
        return None
    return Value(value.value, value.origin, (hop,) + value.chain)


def _compute(op: str, numbers: list[int | float]) -> int | float | None:
    try:
        if op == "neg":
            return -numbers[0]
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


def _names_evaluation(name: str | None) -> bool:
    """`val_loader`, `testloader`, `LitModel.val_dataloader`, `eval`: evaluation, not training."""
    if not name:
        return False
    words = [word.lower() for word in _WORD.findall(name.rpartition(".")[2] or name)]
    return any(word.startswith(_EVAL_WORDS) for word in words)


def _config_hyperparameter(entry: ConfigEntry) -> str | None:
    if not entry.keys or entry.keys[-1].isdigit():
        return None
    hyperparameter = catalogue.hyperparameter_for_key(entry.keys[-1])
    if hyperparameter is None or hyperparameter == "optimizer":
        return hyperparameter
    # Numeric hyperparameters only count when they hold a number (or a number-like string).
    return hyperparameter if isinstance(_config_number(entry.value.value), (int, float)) else None


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


def _absolute_module(relative: str, from_path: str) -> str:
    level = len(relative) - len(relative.lstrip("."))
    package = list(PurePosixPath(from_path).parent.parts)
    if level > 1:
        package = package[: len(package) - (level - 1)]
    rest = relative.lstrip(".")
    return ".".join([part for part in package if part not in (".", "..")] + ([rest] if rest else []))
