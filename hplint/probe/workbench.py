"""The checks' shared workbench: fresh models, the run's optimizer, batches, the loss, the time. Child only.

Every check starts from a fresh model (the factory called again, under a fixed seed) and reads
its batches from here: the run's own data when the recipe has some (the bundle's, the
LightningModule's, `--data`), else synthetic data of `--input-shape` (synthetic.py).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from hplint.probe import data as batches
from hplint.probe.recipe import Recipe, RecipeError, Sourced, Trainee, chance_level, logits, split
from hplint.probe.spec import ProbeSpec
from hplint.probe.synthetic import SyntheticData
from hplint.probe.threads import SMALL_MODEL, busy_cores, thread_count, usable_cores

INIT_BATCH = 32  # the init loss is a mean: a larger batch steadies it, and it costs one forward pass
OVERFIT_BATCH = 16  # "check the network with few samples"
DEFAULT_BATCH = 32  # the LR range test's batch when neither the run nor the project says
# The share of the time left that each iterative check may use, relative to the checks still to run.
TIME_WEIGHT = {"HP902": 1.0, "HP906": 1.0, "HP904": 4.0, "HP905": 1.0}
_OPTIMIZERS = (
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
)
_DROPOUT_TYPES = tuple(
    getattr(nn, name)
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
    if hasattr(nn, name)
)


class SetupError(Exception):
    """The options do not describe the model (input shape, classes, data): a usage error."""


@dataclass(frozen=True)
class RunOptimizer:
    """The optimizer the run trains with: its class name, its arguments besides lr, and where it was read."""

    name: str
    kwargs: dict[str, Any]
    source: str

    def describe(self) -> str:
        arguments = ", ".join(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
                              for key, value in sorted(self.kwargs.items()))
        return f"{self.name}({arguments})" if arguments else self.name


class Workbench:
    def __init__(self, spec: ProbeSpec, recipe: Recipe, device: torch.device) -> None:
        self.spec = spec
        self.recipe = recipe
        self.device = device
        self.synthetic: SyntheticData | None = None
        self.stream: batches.BatchStream | None = None
        self.stream_batches = 0  # the sweeps' batches read so far (synthetic data)
        self.loss_kind = recipe.loss_kind
        self.classes = spec.outputs
        self.run_optimizer = _run_optimizer(spec)
        self.lr: Sourced | None = None
        self.batch_size: Sourced | None = None
        self.threads: int | None = None

    # ------------------------------------------------------------ setup
    def setup(self) -> None:
        """Build the first model, read the first batch, run the step once: every usage error shows here."""
        trainee = self.fresh()
        model = trainee.model
        self._settle(trainee)
        if self.recipe.data is not None:
            data = batches.loader_of(self.recipe.data, self.batch_size.value if self.batch_size else None, self.spec.seed)
            self.stream = batches.BatchStream(data)
            if self.batch_size is None:
                length = batches.batch_length(self.stream.fixed(0))
                if length:
                    self.batch_size = Sourced(length, f"the first batch of {self.recipe.data_name}")
        elif self.recipe.forward is None:
            raise SetupError(
                f"{self.recipe.step_name} needs the run's batches: return them as the bundle's 'data', define "
                "train_dataloader(), or pass --data MODULE:FACTORY"
            )
        else:
            self._synthetic_setup(model)
        batch = self.batch("init")
        if isinstance(batch, Mapping) and self.recipe.forward is not None:
            self.recipe.step_name = "model(**batch).loss"
        try:
            with torch.no_grad():
                loss = self.recipe.step(model, batch)
        except RecipeError as error:
            raise SetupError(str(error)) from None
        except Exception as error:  # noqa: BLE001 - the user's code: any error is a usage error here
            raise SetupError(
                f"the training step ({self.recipe.step_name}) raised {type(error).__name__}: {error} "
                f"(batch: {batches.describe(batch)})"
            ) from error
        if not isinstance(loss, torch.Tensor):
            raise SetupError(f"the training step returned {type(loss).__name__}, not a loss tensor")
        self._threads(model)
        # torch imports its compiler stack on the first optimizer step (seconds): pay for it here,
        # not inside the first check's time budget.
        warm = torch.zeros(1, requires_grad=True)
        warm.grad = torch.zeros(1)
        torch.optim.Adam([warm]).step()

    def _settle(self, trainee: Trainee) -> None:
        """The configured lr and batch size: the command line, the recipe, the project, in that order."""
        spec, recipe, project = self.spec, self.recipe, self.spec.project
        if spec.lr is not None:
            self.lr = Sourced(spec.lr, "--lr")
        elif recipe.lr is not None:
            self.lr = recipe.lr
        elif trainee.optimizer is not None:
            where = "configure_optimizers()" if recipe.kind == "lightning" else "the bundle's optimizer"
            self.lr = Sourced(reference_lr(trainee.optimizer), where)
        elif project.get("lr") and spec.optimizer in (None, (project.get("optimizer") or {}).get("name")):
            self.lr = Sourced(project["lr"]["value"], project["lr"]["source"])
        if spec.batch_size is not None:
            self.batch_size = Sourced(spec.batch_size, "--batch-size")
        elif recipe.batch_size is not None:
            self.batch_size = recipe.batch_size
        elif project.get("batch_size") and recipe.data is None:
            self.batch_size = Sourced(project["batch_size"]["value"], project["batch_size"]["source"])
        if trainee.optimizer is not None and spec.optimizer is None:
            where = "configure_optimizers()" if recipe.kind == "lightning" else "the bundle's optimizer"
            self.run_optimizer = RunOptimizer(type(trainee.optimizer).__name__, _arguments(trainee.optimizer), where)

    def _synthetic_setup(self, model: nn.Module) -> None:
        if not self.spec.input_shape:
            raise SetupError(
                "the factory returns a model without data: give --input-shape (one sample's shape, like 3,32,32), "
                "--data MODULE:FACTORY, or return a bundle with 'data'"
            )
        kind = self.loss_kind or "ce"
        self.loss_kind = kind
        vocabulary = _vocabulary(model)
        probe = SyntheticData(self.spec.input_shape, kind, self.classes or 2, (), self.spec.seed, vocabulary)
        x = probe.inputs(2, 0).to(self.device)
        try:
            with torch.no_grad():
                output = self.recipe.forward(model, (x, None)) if self.recipe.forward else None
        except RecipeError as error:
            raise SetupError(str(error)) from None
        except Exception as error:  # noqa: BLE001 - the user's forward, any error is a usage error here
            raise SetupError(
                f"model(x) raised {type(error).__name__}: {error} (x of shape {tuple(x.shape)}); check --input-shape"
            ) from error
        assert output is not None
        shape = tuple(output.shape)
        self.classes = _outputs(shape, kind, self.classes)
        self.synthetic = SyntheticData(self.spec.input_shape, kind, self.classes, shape[1:], self.spec.seed, vocabulary)

    def _threads(self, model: nn.Module) -> None:
        if self.device.type != "cpu":
            return
        parameters = sum(parameter.numel() for parameter in model.parameters())
        busy = busy_cores() if parameters >= SMALL_MODEL else 0.0  # measuring takes a moment: only when it matters
        self.threads = thread_count(parameters, usable_cores(), busy, os.environ)
        if self.threads is not None:
            torch.set_num_threads(self.threads)

    # ------------------------------------------------------------ models and optimizers
    def fresh(self, seed: int | None = None) -> Trainee:
        """A fresh model (and its own optimizer, when the recipe has one), in training mode on the device."""
        torch.manual_seed(self.spec.seed if seed is None else seed)
        trainee = self.recipe.fresh()
        trainee.model.to(self.device).train()
        return trainee

    def fresh_model(self) -> nn.Module:
        return self.fresh().model

    def optimizer(self, trainee: Trainee) -> torch.optim.Optimizer:
        """The run's optimizer for this trainee: its own, or one built as the run (or --optimizer) builds it."""
        if trainee.optimizer is not None and self.spec.optimizer is None:
            return trainee.optimizer
        lr = self.lr.value if self.lr is not None else 1e-3
        return make_optimizer(self.run_optimizer.name, trainee.model.parameters(), lr, **self.run_optimizer.kwargs)

    # ------------------------------------------------------------ data
    def batch(self, purpose: str) -> Any:
        """The fixed batch a one-batch check uses: `init` (HP901), `gradient` (HP903), `overfit` (HP902, HP906)."""
        index = {"init": 0, "gradient": 1, "overfit": 2}[purpose]
        if self.stream is not None:
            batch = self.stream.fixed(index)
            if purpose == "overfit":
                batch = batches.first_samples(batch, OVERFIT_BATCH)
            return batches.to_device(batch, self.device)
        assert self.synthetic is not None
        size = INIT_BATCH if purpose == "init" else OVERFIT_BATCH
        return batches.to_device(self.synthetic.batch(size, index + 1), self.device)

    def sweep_batches(self) -> Iterator[Any]:
        """Batches for one LR range sweep: the run's next batches (each sweep reads on), or the learnable stream."""
        while True:
            if self.stream is not None:
                yield batches.to_device(self.stream.next(), self.device)
            else:
                assert self.synthetic is not None
                self.stream_batches += 1
                size = self.batch_size.value if self.batch_size else DEFAULT_BATCH
                yield batches.to_device(self.synthetic.stream(size, self.stream_batches), self.device)

    def sized_batch(self, size: int) -> Any:
        """A batch of exactly `size` samples on the device, for the largest-batch search."""
        if self.stream is not None:
            return batches.to_device(batches.tiled(self.stream.fixed(0), size), self.device)
        assert self.synthetic is not None
        return self.synthetic.on_device(size, self.device)

    @property
    def synthetic_data(self) -> bool:
        return self.stream is None

    # ------------------------------------------------------------ loss
    def loss(self, model: nn.Module, batch: Any) -> torch.Tensor:
        return self.recipe.step(model, batch)

    def output_and_loss(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor | None, torch.Tensor]:
        """The model's output (when the step is loss(model(x), y)) and the loss, from one forward pass."""
        if self.recipe.forward is None or self.recipe.kind == "lightning":
            return None, self.recipe.step(model, batch)
        captured: list[torch.Tensor] = []
        handle = model.register_forward_hook(lambda module, inputs, output: captured.append(output))
        try:
            loss = self.recipe.step(model, batch)
        finally:
            handle.remove()
        output = None
        if captured:
            try:
                output = logits(captured[-1])
            except RecipeError:
                output = None
        return output, loss

    def chance(self, batch: Any, output: torch.Tensor | None) -> tuple[float, str] | None:
        """The loss of a model that knows nothing on this batch; None when the loss's kind is unknown."""
        kind = self.loss_kind
        if kind is None and self.classes:  # a training step of unknown loss, with --num-classes: cross-entropy
            kind = "ce"
        targets = None
        if isinstance(batch, (tuple, list)) and len(batch) >= 2:
            targets = split(batch)[1]
        elif isinstance(batch, Mapping):
            targets = batch.get("labels")
        return chance_level(kind, output, targets, self.classes)

    # ------------------------------------------------------------ time
    def time_cap(self, code: str) -> float:
        """Seconds this check may use: its weight's share of the time left, among the checks still to run."""
        left = self.spec.deadline - time.time() - 1.0
        remaining = self.spec.checks[self.spec.checks.index(code):] if code in self.spec.checks else (code,)
        weights = [self._weight(other) for other in remaining]
        share = self._weight(code) / sum(weights) if sum(weights) else 1.0
        return max(0.0, left * share)

    def _weight(self, code: str) -> float:
        if code == "HP905" and self.device.type != "cuda":
            return 0.0
        return TIME_WEIGHT.get(code, 0.0)


def _run_optimizer(spec: ProbeSpec) -> RunOptimizer:
    if spec.optimizer:
        kwargs: dict[str, Any] = {"momentum": 0.9} if spec.optimizer == "SGD" else {}
        return RunOptimizer(spec.optimizer, kwargs, "--optimizer")
    found = spec.project.get("optimizer")
    if found and found.get("name") in _OPTIMIZERS:
        return RunOptimizer(found["name"], dict(found.get("kwargs", {})), found.get("source", "the project"))
    return RunOptimizer("Adam", {}, "the default (neither the run nor the project names one)")


def _arguments(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """The optimizer's settings that differ from its class's defaults (for messages)."""
    try:
        defaults = type(optimizer)([nn.Parameter(torch.zeros(1))]).defaults
    except Exception:  # noqa: BLE001 - an optimizer class that needs more arguments: show none
        return {}
    shown = {}
    for key, value in optimizer.defaults.items():
        if key != "lr" and isinstance(value, (int, float, bool)) and defaults.get(key) != value:
            shown[key] = value
    return shown


def reference_lr(optimizer: torch.optim.Optimizer) -> float:
    """The optimizer's own lr: its default, which its parameter groups scale (before any scheduler)."""
    value = optimizer.defaults.get("lr")
    if isinstance(value, torch.Tensor):
        value = float(value)
    if isinstance(value, (int, float)) and value > 0:
        return float(value)
    group = optimizer.param_groups[0]
    return float(group.get("initial_lr", group["lr"]))


def set_lr(optimizer: torch.optim.Optimizer, lr: float, reference: float) -> None:
    """Every parameter group at `lr`, keeping the groups' ratios to the optimizer's own lr."""
    for group in optimizer.param_groups:
        own = float(group.setdefault("probe_initial_lr", group.get("initial_lr", group["lr"])))
        group["lr"] = lr * own / reference if reference > 0 else lr


def _vocabulary(model: nn.Module) -> int | None:
    """A model whose first layer is an nn.Embedding reads token ids below its vocabulary size."""
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            return int(module.num_embeddings)
        if len(list(module.children())) == 0 and any(True for _ in module.parameters(recurse=False)):
            return None
    return None


def _outputs(shape: tuple[int, ...], kind: str, given: int | None) -> int:
    """The classes (ce) or output values (bce, mse) in the model's output of `shape` for 2 samples."""
    if kind == "ce":
        if len(shape) == 2 and shape[1] >= 2 and given in (None, shape[1]):
            return shape[1]
        wanted = f"(2, {given})" if given else "(2, C) with C ≥ 2 classes"
        raise SetupError(f"the model's output has shape {shape} for 2 samples; --loss ce needs {wanted}")
    per_sample = math.prod(shape[1:])
    allowed = (given, 1) if kind == "bce" else (given,)
    if shape and shape[0] == 2 and (given is None or per_sample in allowed):
        return per_sample
    option = "--num-classes" if kind == "bce" else "--output-dim"
    raise SetupError(f"the model's output has shape {shape} for 2 samples; --loss {kind} with {option} {given} needs (2, {given})")


# ---------------------------------------------------------------- helpers the checks share


def dropout_layers(model: nn.Module) -> list[str]:
    """Names of the layers that drop activations in training mode (p > 0): attention and recurrent dropout too."""
    found = []
    for name, module in model.named_modules():
        if isinstance(module, _DROPOUT_TYPES) and module.p > 0:
            found.append(name or type(module).__name__)
        elif isinstance(module, nn.MultiheadAttention) and module.dropout > 0:
            found.append(f"{name}.dropout" if name else "dropout")
        elif isinstance(module, nn.RNNBase) and module.dropout > 0:
            found.append(f"{name}.dropout" if name else "dropout")
    return found


def disable_dropout(model: nn.Module) -> None:
    """Regularisation off while staying in training mode (eval mode would change batch norm too)."""
    for module in model.modules():
        if isinstance(module, _DROPOUT_TYPES):
            module.p = 0.0
        elif isinstance(module, (nn.MultiheadAttention, nn.RNNBase)):
            module.dropout = 0.0


def is_stochastic(bench: Workbench, model: nn.Module, batch: Any) -> bool:
    """Two training-mode passes on the same batch differ: dropout (or noise) is applied."""
    with torch.no_grad():
        torch.manual_seed(1)
        first = bench.loss(model, batch).float()
        torch.manual_seed(2)
        second = bench.loss(model, batch).float()
    return not torch.allclose(first, second, rtol=1e-4, atol=1e-7, equal_nan=True)


def looks_like_probabilities(output: torch.Tensor | None, loss: str | None) -> bool:
    """Rows that sum to 1 (softmax) or values all in [0, 1] (sigmoid), for a loss that expects logits."""
    if output is None:
        return False
    values = output.detach().float()
    if values.numel() == 0 or values.dim() < 2 or not bool(torch.isfinite(values).all()):
        return False
    if loss == "ce":
        return bool((values >= 0).all()) and float((values.sum(dim=-1) - 1).abs().max()) < 1e-3
    if loss == "bce":
        return values.numel() >= 8 and bool(((values >= 0) & (values <= 1)).all())
    return False


def make_optimizer(name: str, parameters: Iterable[nn.Parameter], lr: float, **kwargs: Any) -> torch.optim.Optimizer:
    """A torch.optim optimizer by class name (Adam when unknown), with the run's other arguments."""
    optimizer_class = getattr(torch.optim, name if name in _OPTIMIZERS else "Adam")
    try:
        return optimizer_class(parameters, lr=lr, **kwargs)
    except TypeError:  # an argument this class does not take (read from another optimizer's call): leave them out
        return optimizer_class(parameters, lr=lr)


def names(found: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(found[:limit])
    return f"{shown} and {len(found) - limit} more" if len(found) > limit else shown


@dataclass
class FitRun:
    losses: list[float]
    stopped: str  # reached | steps | time | nonfinite
    output: torch.Tensor | None


def fit_batch(
    bench: Workbench,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: Any,
    steps: int,
    seconds: float,
    stop_below: float | None = None,
    still_falling: int = 0,
) -> FitRun:
    """Train on one batch; losses[k] is the loss after k updates.

    With `still_falling` > 0, the run goes on past `steps` (up to that many more) while the loss
    still falls: the best loss of the last quarter lies a tenth below the best before it.
    """
    losses: list[float] = []
    output = None
    started = time.perf_counter()
    limit = steps
    while True:
        if losses and time.perf_counter() - started > seconds:  # the loss at the start is always measured
            return FitRun(losses, "time", output)
        optimizer.zero_grad(set_to_none=True)
        output, loss = bench.output_and_loss(model, batch)
        value = loss.item()
        losses.append(value)
        if not math.isfinite(value):
            return FitRun(losses, "nonfinite", output)
        if stop_below is not None and value < stop_below:
            return FitRun(losses, "reached", output)
        if len(losses) > limit:
            if limit - steps < still_falling and _falling(losses):
                limit = min(limit + max(1, steps // 4), steps + still_falling)
            else:
                return FitRun(losses, "steps", output)
        loss.backward()
        optimizer.step()


def _falling(losses: Sequence[float]) -> bool:
    quarter = max(1, len(losses) // 4)
    before, recent = min(losses[:-quarter]), min(losses[-quarter:])
    return recent < 0.9 * before


__all__ = ["SetupError", "Workbench"]
