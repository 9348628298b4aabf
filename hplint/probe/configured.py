"""What the project trains with, read from its static facts (no code runs): lr, optimizer, batch size, and
the one model that reaches a loss (what `hplint probe` builds when no factory is named).

The Project API this uses: `hplint.lint.facts_of(paths, config)`, `project.runs` (when it exists),
and on a run or the project `settings(name)`, `model_losses()`, `resolve(expr, path)`,
`call_at(location)` and `files`.
"""

from __future__ import annotations

import math
import os
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hplint import catalogue
from hplint.facts import FunctionCall, ModelDef

# The optimizer arguments the probe passes on, besides lr: scalars a sweep must share with the run.
_OPTIMIZER_ARGUMENTS = ("momentum", "weight_decay", "nesterov", "dampening", "eps", "alpha", "rho", "amsgrad")
# Layers with weights: the first of them reads the input (a Linear's in_features is one sample's shape).
_WEIGHTED_LAYERS = frozenset(
    f"torch.nn.{name}" for name in ("Linear", "Conv1d", "Conv2d", "Conv3d", "Embedding", "LSTM", "GRU", "RNN")
)


@dataclass(frozen=True)
class Configured:
    """A value the project settles on (one distinct value for training), and where it is written."""

    value: float
    source: str


@dataclass(frozen=True)
class ProjectRun:
    lr: Configured | None = None
    batch_size: Configured | None = None  # per device: what has to fit in one device's memory
    optimizer: str | None = None  # torch.optim class name, when the facts name exactly one
    optimizer_arguments: dict[str, Any] = field(default_factory=dict)
    optimizer_source: str = ""
    run: str = ""  # the run the facts come from, for messages

    def to_spec(self) -> dict[str, Any]:
        """The facts as the child reads them (ProbeSpec.project)."""
        found: dict[str, Any] = {"run": self.run}
        if self.lr is not None:
            found["lr"] = {"value": self.lr.value, "source": self.lr.source}
        if self.batch_size is not None and self.batch_size.value >= 1:
            found["batch_size"] = {"value": int(self.batch_size.value), "source": self.batch_size.source}
        if self.optimizer is not None:
            found["optimizer"] = {
                "name": self.optimizer, "kwargs": dict(self.optimizer_arguments), "source": self.optimizer_source,
            }
        return found


@dataclass(frozen=True)
class Build:
    """Without a factory: the model class and the constructor arguments the project's code writes."""

    path: str  # the model's file, relative to the current folder
    name: str  # the class
    line: int
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    source: str  # the constructor call the arguments come from
    loss_api: str  # the loss the model's output reaches
    input_shape: tuple[int, ...] | None  # one sample's shape, when the first layer says it

    def to_spec(self) -> dict[str, Any]:
        return {"path": self.path, "name": self.name, "args": list(self.args), "kwargs": dict(self.kwargs),
                "source": self.source}


class NoModel(Exception):
    """No factory was named and the project's facts do not say which model to build, or how: what to write."""


def load(root: Path) -> Any | None:
    """The project's facts; None when hplint cannot read them (reading facts must never stop the probe)."""
    try:
        from hplint.config import load_config
        from hplint.lint import facts_of

        _, project = facts_of([root], load_config([root]))
    except Exception:  # noqa: BLE001 - see the docstring
        return None
    return project


def runs_of(project: Any, module_path: str | None) -> list[Any]:
    """The facts that belong to the probed model: the runs whose files include its module.

    With runs (SPEC §5b): the runs that import the module and train (else all that import it);
    none when no run does, so that an unrelated script elsewhere in the tree never lends its
    values. Before the project knew runs: the whole project.
    """
    runs = getattr(project, "runs", None)
    if runs is None:
        return [project]
    if module_path is None:
        return [run for run in runs if _entry(run)]
    module = os.path.realpath(module_path)
    holding = [run for run in runs if _entry(run) and any(os.path.realpath(path) == module for path in run.files)]
    training = [run for run in holding if getattr(run, "trains", ())]
    return training or holding


def _entry(run: Any) -> str | None:
    return getattr(run, "entry", None) or getattr(getattr(run, "spec", None), "entry", None)


def from_project(project: Any | None, module_path: str | None) -> ProjectRun:
    """The lr, batch size and optimizer of the runs that train the probed model; None for each unknown or ambiguous."""
    if project is None:
        return ProjectRun()
    scopes = runs_of(project, module_path)
    lr_settings = _training(scopes, "lr")
    lr = _one_value(lr_settings)
    optimizer, arguments, optimizer_source = _optimizer(project, scopes, lr_settings)
    names = sorted({_entry(scope) or "" for scope in scopes} - {""})
    return ProjectRun(
        lr, _one_value(_training(scopes, "batch_size")), optimizer, arguments, optimizer_source, ", ".join(names),
    )


def _training(scopes: Iterable[Any], hyperparameter: str) -> list[Any]:
    found: dict[Any, None] = {}
    for scope in scopes:
        for setting in scope.settings(hyperparameter):
            value = setting.value.value
            if setting.role == "train" and isinstance(value, (int, float)) and not isinstance(value, bool):
                found[setting] = None
    return list(found)


def _one_value(settings: Sequence[Any]) -> Configured | None:
    values = {float(setting.value.value) for setting in settings}
    if len(values) != 1:
        return None
    setting = settings[0]
    return Configured(values.pop(), source_of(setting))


def source_of(setting: Any) -> str:
    """`train.py:40, SGD`, `configs/train.yaml:7, key optim.lr`, `main.py:81 via args.lr ← --lr default, Adadelta at main.py:128`."""
    origin, use = setting.value.origin, setting.use
    where = setting.value.provenance() or str(origin)
    if setting.in_config:
        return f"{where}, key {setting.consumer}"
    if (origin.path, origin.line) == (use.path, use.line):
        return f"{where}, {setting.consumer}"
    return f"{where}, {setting.consumer} at {use}"


def _optimizer(project: Any, scopes: Sequence[Any], lr_settings: Sequence[Any]) -> tuple[str | None, dict[str, Any], str]:
    """The one optimizer the training lrs are given to, its scalar arguments, and where it is built."""
    found: dict[str, tuple[dict[str, Any], str]] = {}
    for setting in lr_settings:
        if setting.in_config:
            name = _config_optimizer(scopes, setting)
            if name is not None:
                found.setdefault(name, ({}, str(setting.use)))
            continue
        call = project.call_at(setting.use)
        name = catalogue.optimizer_named(call.api) if call is not None else None
        if name is None or call is None:
            continue
        arguments = {}
        for keyword in _OPTIMIZER_ARGUMENTS:
            resolved = (scope.resolve(call.argument(keyword), call.location.path) for scope in scopes)
            value = next((found for found in resolved if found is not None), None)
            if value is not None and isinstance(value.value, (int, float, bool)):
                arguments[keyword] = value.value
        found.setdefault(name, (arguments, f"{call.location}"))
    if len(found) != 1:
        return None, {}, ""
    name, (arguments, where) = found.popitem()
    return name, arguments, where


def _config_optimizer(scopes: Sequence[Any], lr_setting: Any) -> str | None:
    """The optimizer a config names next to its lr (`optimizer: adamw` in the same file)."""
    names = set()
    for scope in scopes:
        for setting in scope.settings("optimizer"):
            if setting.use.path == lr_setting.use.path and isinstance(setting.value.value, str):
                name = catalogue.optimizer_named(setting.value.value)
                if name is not None:
                    names.add(name)
    return names.pop() if len(names) == 1 else None


# ---------------------------------------------------------------- without a factory: the one model


def buildable(project: Any | None) -> Build:
    """The one model that reaches a loss, with constructor arguments the code writes; NoModel says what to write."""
    if project is None:
        raise NoModel("hplint could not read this folder's code: name the model with MODULE:FACTORY")
    reached: dict[tuple[str, int], tuple[ModelDef, Any, Any]] = {}
    for scope in runs_of(project, None):
        for model_loss in scope.model_losses():
            model = model_loss.model
            reached.setdefault((model.location.path, model.location.line), (model, model_loss.loss, scope))
    if not reached:
        raise NoModel(
            "no model of this folder's code reaches a loss that hplint can follow; name one: "
            "hplint probe MODULE:FACTORY, with FACTORY a function that returns the model (or a bundle, see the README)"
        )
    if len(reached) > 1:
        listed = ", ".join(f"{model.name} ({model.location})" for model, _, _ in reached.values())
        raise NoModel(f"{len(reached)} models reach a loss ({listed}); name the one to probe: hplint probe MODULE:FACTORY")
    model, loss, scope = next(iter(reached.values()))
    if model.kind != "class":
        raise NoModel(
            f"the model that reaches {loss.loss.rpartition('.')[2]} ({loss.location}) is an nn.Sequential built at "
            f"{model.location}; {_factory_advice(model)}"
        )
    args, kwargs, source = _constructor_arguments(project, scope, model, loss)
    return Build(
        model.location.path, model.name, model.location.line, args, kwargs, source, loss.loss,
        _input_shape(project, scope, model),
    )


def _constructor_arguments(project: Any, scope: Any, model: ModelDef, loss: Any) -> tuple[tuple[Any, ...], dict[str, Any], str]:
    calls = list(_constructor_calls(project, model))
    reaches = f"{model.name} ({model.location}) reaches {loss.loss.rpartition('.')[2]} ({loss.location})"
    if not calls:
        raise NoModel(f"{reaches}, but hplint finds no call that builds it; {_factory_advice(model)}")
    built: dict[str, tuple[tuple[Any, ...], dict[str, Any], str]] = {}
    for call in calls:
        args, kwargs, unknown = [], {}, None
        for position, expr in enumerate(call.args):
            value = scope.resolve(expr, call.location.path)
            if value is None or not _plain(value.value):
                unknown = unknown or f"argument {position + 1}"
            else:
                args.append(value.value)
        for keyword, expr in call.keywords:
            value = scope.resolve(expr, call.location.path)
            if value is None or not _plain(value.value):
                unknown = unknown or f"{keyword}="
            else:
                kwargs[keyword] = value.value
        if unknown is not None:
            raise NoModel(
                f"{reaches}, but the {unknown} of {model.name}(...) at {call.location} is not known statically; "
                f"{_factory_advice(model)}"
            )
        built[repr((args, sorted(kwargs.items())))] = (tuple(args), kwargs, str(call.location))
    if len(built) > 1:
        sources = ", ".join(source for _, _, source in built.values())
        raise NoModel(f"{reaches}, and it is built with different arguments ({sources}); {_factory_advice(model)}")
    return next(iter(built.values()))


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str)) and not (isinstance(value, float) and not math.isfinite(value))


def _constructor_calls(project: Any, model: ModelDef) -> Iterable[FunctionCall]:
    """The calls `Net(...)` of the model's class: in its own file, or through an import of its module."""
    module = posixpath.splitext(model.location.path)[0].replace("/", ".")
    for path, file in project.files.items():
        for call in file.of_type(FunctionCall):
            prefix, _, name = call.function.removesuffix(".__init__").rpartition(".")
            if name == model.name and (_same_module(prefix, module) if prefix else path == model.location.path):
                yield call


def _same_module(written: str, module: str) -> bool:
    """`model`, `pkg.model` or `.model` as written names the module at `src/pkg/model.py`."""
    written = written.lstrip(".")
    return bool(written) and (module == written or module.endswith("." + written))


def _input_shape(project: Any, scope: Any, model: ModelDef) -> tuple[int, ...] | None:
    """One sample's shape when the model's first weighted layer is a Linear whose in_features is known."""
    first = next((layer for layer in model.layers if layer.api in _WEIGHTED_LAYERS), None)
    if first is None or first.api != "torch.nn.Linear":
        return None
    call = project.call_at(first.location)
    value = scope.resolve(call.argument("in_features", 0), first.location.path) if call is not None else None
    if value is None or isinstance(value.value, bool) or not isinstance(value.value, int) or value.value < 1:
        return None
    return (value.value,)


def _factory_advice(model: ModelDef) -> str:
    module = posixpath.splitext(model.location.path)[0].replace("/", ".")
    return (
        f"write a factory that builds it, e.g. in probe_factory.py: `from {module} import {model.name}` and "
        f"`def make_model(): return {model.name}(...)`, then run hplint probe probe_factory.py:make_model"
        if model.kind == "class" else
        "write a factory that returns it (def make_model(): return nn.Sequential(...)) and name it: "
        "hplint probe MODULE:make_model"
    )
