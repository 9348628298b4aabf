"""What the probe trains, read from what the factory returns: a Recipe. Only the child imports this.

A factory returns one of:
- a model (an `nn.Module`): trained with `--loss` (or the project's loss) on synthetic data of
  `--input-shape`, or on `--data`;
- a bundle: a dict or a dataclass with `model` and any of `optimizer` (an optimizer, or a
  function of the parameters), `loss`, `data`, `step` (`(model, batch) -> loss`), `lr`,
  `batch_size`; a `(model, optimizer)` pair is a bundle too;
- a LightningModule (anything with `training_step` and `configure_optimizers`): its own training
  step, optimizer and `train_dataloader()` (or the LightningDataModule of `--data`).
Batches that are dicts (a Hugging Face tokenizer's output) go in as keywords, and the loss is
`outputs.loss`, as a Hugging Face model computes it from the batch's labels.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hplint.probe.data import describe, is_data_module, loader_batch_size, loader_of

BUNDLE_KEYS = ("model", "optimizer", "loss", "data", "step", "lr", "batch_size")
_LOSS_KINDS = {  # by the loss's class or function name: what targets it reads and its chance level
    "crossentropyloss": "ce", "cross_entropy": "ce", "nllloss": "ce", "nll_loss": "ce",
    "bcewithlogitsloss": "bce", "binary_cross_entropy_with_logits": "bce", "bceloss": "bce",
    "binary_cross_entropy": "bce", "mseloss": "mse", "mse_loss": "mse",
}


class RecipeError(Exception):
    """What the factory returned cannot be trained as it is: a usage error, with what to write instead."""


@dataclass
class Trainee:
    """A fresh model and, when the recipe names one, its own optimizer (else the probe builds one)."""

    model: nn.Module
    optimizer: torch.optim.Optimizer | None


@dataclass(frozen=True)
class Sourced:
    """A value with the place it came from, for messages: `0.1` from `the bundle's optimizer`."""

    value: Any
    source: str


@dataclass
class Recipe:
    kind: str  # model | bundle | lightning
    build: Callable[[], Any]  # the factory: what it returns, fresh on every call
    step: Callable[[nn.Module, Any], torch.Tensor]  # one batch's training loss
    step_name: str  # for messages: `F.nll_loss(model(x), y)`, `training_step`, `outputs.loss`, `step`
    forward: Callable[[nn.Module, Any], torch.Tensor] | None  # the model's output for a batch, when the step is loss(model(x), y)
    loss_kind: str | None  # ce | bce | mse when known: the chance level and synthetic targets follow from it
    data: Any | None  # the run's data; None: synthetic
    data_name: str
    lr: Sourced | None
    batch_size: Sourced | None

    def fresh(self) -> Trainee:
        return trainee(self.build(), self.kind)


def bundle_of(returned: Any) -> dict[str, Any]:
    """What the factory returned, as a bundle dict with at least `model`."""
    if isinstance(returned, nn.Module):
        return {"model": returned}
    if isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[0], nn.Module):
        return {"model": returned[0], "optimizer": returned[1]}
    if dataclasses.is_dataclass(returned) and not isinstance(returned, type):
        bundle = {field.name: getattr(returned, field.name) for field in dataclasses.fields(returned)}
    elif isinstance(returned, Mapping):
        bundle = dict(returned)
    else:
        raise RecipeError(
            f"the factory returned {type(returned).__name__}; return an nn.Module, or a bundle (a dict or dataclass) "
            f"with 'model' and any of {', '.join(BUNDLE_KEYS[1:])}"
        )
    unknown = sorted(str(key) for key in bundle if key not in BUNDLE_KEYS)
    if unknown:
        raise RecipeError(f"the bundle has {', '.join(map(repr, unknown))}; its keys are {', '.join(BUNDLE_KEYS)}")
    if not isinstance(bundle.get("model"), nn.Module):
        found = type(bundle.get("model")).__name__ if "model" in bundle else "no 'model'"
        raise RecipeError(f"the bundle's 'model' must be an nn.Module, found {found}")
    return {key: value for key, value in bundle.items() if value is not None}


def is_lightning(model: nn.Module) -> bool:
    """A LightningModule, or a module shaped like one (the probe does not need lightning installed)."""
    return callable(getattr(model, "training_step", None)) and callable(getattr(model, "configure_optimizers", None))


def trainee(returned: Any, kind: str) -> Trainee:
    bundle = bundle_of(returned)
    model = bundle["model"]
    if kind == "lightning":
        return Trainee(model, lightning_optimizer(model))
    optimizer = bundle.get("optimizer")
    if optimizer is None:
        return Trainee(model, None)
    if not isinstance(optimizer, torch.optim.Optimizer):
        if not callable(optimizer):
            raise RecipeError(f"the bundle's optimizer is a {type(optimizer).__name__}: give an optimizer or a function of the parameters")
        optimizer = optimizer(model.parameters())
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise RecipeError(f"the bundle's optimizer function returned {type(optimizer).__name__}, not an optimizer")
    return Trainee(model, optimizer)


def lightning_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    """The first optimizer `configure_optimizers()` returns, in any of the shapes Lightning accepts."""
    if getattr(model, "automatic_optimization", True) is False:
        raise RecipeError(
            f"{type(model).__name__} uses manual optimization (its training_step steps the optimizer itself): return a "
            "bundle with a step function that computes the loss instead"
        )
    configured: Any = model.configure_optimizers()
    for _ in range(4):
        if isinstance(configured, torch.optim.Optimizer):
            return configured
        if isinstance(configured, Mapping):
            configured = configured.get("optimizer")
        elif isinstance(configured, (list, tuple)) and configured:
            configured = configured[0]
        else:
            break
    raise RecipeError(f"{type(model).__name__}.configure_optimizers() returned no optimizer the probe can read")


def make_recipe(
    build: Callable[[], Any], first: Any, data: Any | None, data_name: str, loss_name: str | None, loss_api: str | None,
) -> Recipe:
    """The recipe for what the factory returned (`first`, its first call), with --data and --loss."""
    bundle = bundle_of(first)
    model = bundle["model"]
    lightning = is_lightning(model) and "step" not in bundle and "loss" not in bundle
    kind = "lightning" if lightning else ("bundle" if len(bundle) > 1 or not isinstance(first, nn.Module) else "model")
    if "data" in bundle:
        data, data_name = bundle["data"], f"the bundle's {type(bundle['data']).__name__}"
    elif data is None and lightning and _overrides(model, "train_dataloader"):
        data, data_name = model, f"{type(model).__name__}.train_dataloader()"
    if data is not None and not is_data_module(data):
        loader_of(data, None, 0)  # the error now, at setup, when the data cannot be read
    lr = Sourced(float(bundle["lr"]), "the bundle's lr") if "lr" in bundle else None
    batch_size = Sourced(int(bundle["batch_size"]), "the bundle's batch_size") if "batch_size" in bundle else None
    if batch_size is None and data is not None and not is_data_module(data) and loader_batch_size(data):
        batch_size = Sourced(loader_batch_size(data), f"{data_name}")
    if lightning:
        step, step_name, forward, kind_of_loss = _lightning_step, f"{type(model).__name__}.training_step", None, None
    elif "step" in bundle:
        user_step = bundle["step"]
        step, step_name, forward, kind_of_loss = _user_step(user_step), "the bundle's step", None, None
    else:
        loss, loss_label, kind_of_loss = _loss(bundle.get("loss"), loss_name, loss_api)
        step, forward = _supervised(loss), _forward
        step_name = f"{loss_label}(model(x), y)"
    return Recipe(kind, build, step, step_name, forward, kind_of_loss, data, data_name, lr, batch_size)


def _overrides(model: nn.Module, method: str) -> bool:
    """The model's class defines the method itself (LightningModule's own raises when not overridden)."""
    return any(method in vars(cls) for cls in type(model).__mro__ if cls.__module__.split(".")[0] not in ("lightning", "pytorch_lightning", "torch"))


def _loss(given: Any, loss_name: str | None, loss_api: str | None) -> tuple[Callable[..., torch.Tensor], str, str | None]:
    """The loss callable, its name for messages, and its kind (ce | bce | mse | None)."""
    if given is not None:
        if not callable(given):
            raise RecipeError(f"the bundle's loss is a {type(given).__name__}, not a callable")
        name = type(given).__name__ if isinstance(given, nn.Module) else getattr(given, "__name__", type(given).__name__)
        return given, name, _LOSS_KINDS.get(name.lower())
    if loss_api:
        found = _torch_attribute(loss_api)
        if found is not None:
            loss = found() if isinstance(found, type) else found
            name = loss_api.rpartition(".")[2]
            return loss, name, _LOSS_KINDS.get(name.lower())
    kind = loss_name or "ce"
    functions = {"ce": F.cross_entropy, "bce": F.binary_cross_entropy_with_logits, "mse": F.mse_loss}
    return functions[kind], functions[kind].__name__, kind


def _torch_attribute(qualified: str) -> Any:
    """`torch.nn.CrossEntropyLoss` or `torch.nn.functional.nll_loss`, looked up without importing anything new."""
    parts = qualified.split(".")
    if parts[0] != "torch":
        return None
    found: Any = torch
    for part in parts[1:]:
        found = getattr(found, part, None)
        if found is None:
            return None
    return found


def logits(output: Any) -> torch.Tensor:
    """The tensor the loss reads: the output itself, the first of a tuple, or `.logits` / `["logits"]`."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    if isinstance(output, Mapping) and isinstance(output.get("logits"), torch.Tensor):
        return output["logits"]
    if isinstance(getattr(output, "logits", None), torch.Tensor):
        return output.logits
    raise RecipeError(f"the model returned {type(output).__name__}; the probe needs a tensor of outputs (or a step)")


def as_loss(value: Any, where: str) -> torch.Tensor:
    """A loss tensor from what a step returned: a tensor, `{"loss": ...}`, or an object with `.loss`."""
    if isinstance(value, Mapping):
        value = value.get("loss")
    elif not isinstance(value, torch.Tensor) and hasattr(value, "loss"):
        value = value.loss
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        shown = f"a tensor of shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else type(value).__name__
        raise RecipeError(f"{where} returned {shown}; the probe needs the loss, a single number")
    return value.reshape(())


def _lightning_step(model: nn.Module, batch: Any) -> torch.Tensor:
    return as_loss(model.training_step(batch, 0), f"{type(model).__name__}.training_step")  # type: ignore[operator]


def _user_step(step: Callable[[nn.Module, Any], Any]) -> Callable[[nn.Module, Any], torch.Tensor]:
    def run(model: nn.Module, batch: Any) -> torch.Tensor:
        return as_loss(step(model, batch), "the bundle's step")

    return run


def _forward(model: nn.Module, batch: Any) -> torch.Tensor:
    if isinstance(batch, Mapping):
        return logits(model(**batch))
    inputs, _ = split(batch)
    return logits(model(inputs))


def _supervised(loss: Callable[..., torch.Tensor]) -> Callable[[nn.Module, Any], torch.Tensor]:
    def run(model: nn.Module, batch: Any) -> torch.Tensor:
        if isinstance(batch, Mapping):  # keywords in, the model's own loss out (a Hugging Face model with labels)
            outputs = model(**batch)
            found = outputs.get("loss") if isinstance(outputs, Mapping) else getattr(outputs, "loss", None)
            if isinstance(found, torch.Tensor):
                return as_loss(found, "the model")
            if "labels" not in batch:
                raise RecipeError(f"model(**batch) returned no loss and the batch has no 'labels' ({describe(batch)})")
            return as_loss(loss(logits(outputs), batch["labels"]), "the loss")
        inputs, targets = split(batch)
        return as_loss(loss(logits(model(inputs)), targets), "the loss")

    return run


def split(batch: Any) -> tuple[Any, Any]:
    """`(inputs, targets)` from a batch `(x, y)` or `[x, y, ...]`."""
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return batch[0], batch[1]
    raise RecipeError(
        f"a batch is {describe(batch)}: the probe reads (inputs, targets) pairs or dicts of keywords; for anything "
        "else return a bundle with a step function, `step(model, batch) -> loss`"
    )


def chance_level(kind: str | None, output: torch.Tensor | None, targets: Any, classes: int | None) -> tuple[float, str] | None:
    """The loss of a model that knows nothing, and how to say it; None when the loss's kind is unknown."""
    if kind == "ce":
        count = classes or (int(output.shape[-1]) if output is not None and output.dim() >= 2 else None)
        return (math.log(count), f"ln {count}") if count and count > 1 else None
    if kind == "bce":
        return math.log(2), "ln 2"
    if kind == "mse" and isinstance(targets, torch.Tensor) and targets.is_floating_point() and targets.shape[0] > 1:
        return float(targets.float().var(dim=0, unbiased=False).mean()), "target variance"
    return None


__all__ = ["Recipe", "RecipeError", "Sourced", "Trainee", "make_recipe"]
