"""The probe's six checks on the real model; only the child process imports this (and torch with it).

Every check builds a fresh model from the factory with the same seed, feeds it synthetic data
(standard-normal inputs of the given shape and targets that carry no information about them;
for the LR range test, a stream that can be learnt: Workbench.stream_batch) and returns a
CheckResult. The criteria here are the ones the rule pages rules/HP901.md ... HP906.md state.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hplint.probe import batch_search, lr_range
from hplint.probe.spec import CheckResult, ProbeSpec

INIT_BATCH = 32  # the init loss is a mean: a larger batch steadies it, and it costs one forward pass
OVERFIT_BATCH = 16  # "check the network with few samples"
SWEEP_BATCH = 16
LATENT_DIM = 8  # the LR range test's stream: inputs made from 8 latent numbers (see Workbench.stream_batch)
TEACHER_SCALE = 2.0  # sharpness of the labels' dependence on the latent: learnable, with a loss floor above 0
OVERFIT_LR = 1e-3  # Adam's default: the overfit runs test the model's wiring, HP904 tests the lr
BATCH_STEPS = 3  # optimizer steps per batch-size trial: the first allocates gradients and optimizer state
ZERO_GRAD_STEPS = 3  # a gradient that is zero at init may come alive once a zero-initialised gate moves
MIN_COMPARABLE_STEPS = 20
SMALL_MODEL = 1_000_000  # parameters; below this the CPU probe runs on one thread
# The share of the time left at the start of the probe that each iterative check may use.
TIME_SHARE = {"HP902": 0.2, "HP906": 0.2, "HP904": 0.2, "HP905": 0.25}
_OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam")
_DROPOUT_TYPES = tuple(
    getattr(nn, name)
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
    if hasattr(nn, name)
)


class SetupError(Exception):
    """The options do not describe the model (input shape, classes, outputs): a usage error."""


class Workbench:
    """The model factory, the synthetic data and the loss, shared by the checks."""

    def __init__(self, spec: ProbeSpec, factory: Callable[[], Any], device: torch.device) -> None:
        self.spec = spec
        self.factory = factory
        self.device = device
        self.started = time.time()
        self.output_shape: tuple[int, ...] = ()  # one sample's output, learnt in setup()

    # ------------------------------------------------------------ model
    def fresh_model(self) -> nn.Module:
        torch.manual_seed(self.spec.seed)
        model = self.factory()
        if not isinstance(model, nn.Module):
            raise SetupError(f"the factory returned {type(model).__name__}, not a torch.nn.Module")
        return model.to(self.device).train()

    def setup(self) -> None:
        """One forward pass on two samples: the output must fit the loss the options describe."""
        model = self.fresh_model()
        x = self.inputs(2, index=0)
        try:
            with torch.no_grad():
                output = logits(model(x))
        except SetupError:
            raise
        except Exception as error:  # noqa: BLE001 - the user's forward, any error is a usage error here
            raise SetupError(
                f"model(x) raised {type(error).__name__}: {error} (x of shape {tuple(x.shape)}); check --input-shape"
            ) from None
        self.output_shape = _check_output_shape(tuple(output.shape), self.spec)
        if self.device.type == "cpu" and sum(parameter.numel() for parameter in model.parameters()) < SMALL_MODEL:
            # Tiny tensors gain nothing from intra-op threads, and on a busy machine the threads'
            # spinning makes each step 10-50x slower: one thread keeps the probe quick.
            torch.set_num_threads(1)
        # torch imports its compiler stack on the first optimizer step (seconds): pay for it here,
        # not inside the first check's time budget.
        warm = torch.zeros(1, requires_grad=True)
        warm.grad = torch.zeros(1)
        torch.optim.Adam([warm]).step()

    # ------------------------------------------------------------ data
    def inputs(self, size: int, index: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(self.spec.seed * 1_000_003 + index)
        return torch.randn((size, *self.spec.input_shape), generator=generator).to(self.device)

    def targets(self, size: int, index: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(self.spec.seed * 1_000_003 + 500_000 + index)
        if self.spec.loss == "ce":
            return torch.randint(0, self.spec.outputs, (size,), generator=generator).to(self.device)
        shape = (size, *self.output_shape)
        if self.spec.loss == "bce":
            return torch.randint(0, 2, shape, generator=generator).float().to(self.device)
        return torch.randn(shape, generator=generator).to(self.device)

    def batch(self, size: int, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.inputs(size, index), self.targets(size, index)

    def stream_batch(self, size: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A fresh batch of a task that can be learnt but not memorised: the LR range test's data.

        Random labels on random inputs hold nothing to learn but the samples themselves, which a
        small model memorises within the sweep, after which no learning rate raises the loss. Here
        each input is a fixed linear image of a latent z ~ N(0, I_8) (for inputs with channels,
        partly constant per channel, so convolutions with global pooling can read it too), and the
        labels are drawn from a fixed random linear teacher on z, so the loss has a floor above zero.
        """
        basis, weights = self._teacher
        shape = self.spec.input_shape
        sample = torch.Generator().manual_seed(self.spec.seed * 1_000_003 + 900_000 + step)
        latent = torch.randn(size, LATENT_DIM, generator=sample)
        x = (latent @ basis / math.sqrt(LATENT_DIM)).reshape(size, *shape)
        scores = TEACHER_SCALE * latent @ weights / math.sqrt(LATENT_DIM)
        if self.spec.loss == "ce":
            # Over many classes the teacher must be sharper, or the labels are noise (100 classes: 2x).
            scores = scores * max(1.0, math.log10(self.spec.outputs))
            y = torch.multinomial(F.softmax(scores, dim=1), 1, generator=sample).squeeze(1)
        elif self.spec.loss == "bce":
            y = torch.bernoulli(torch.sigmoid(scores), generator=sample).reshape(size, *self.output_shape)
        else:
            noise = torch.randn(scores.shape, generator=sample)
            y = ((scores + noise) / math.sqrt(TEACHER_SCALE**2 + 1)).reshape(size, *self.output_shape)
        return x.to(self.device), y.to(self.device)

    @cached_property
    def _teacher(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The stream's fixed parts: the latent's image in input space, and the teacher's weights."""
        teacher = torch.Generator().manual_seed(self.spec.seed * 1_000_003 + 777)
        shape, count = self.spec.input_shape, math.prod(self.spec.input_shape)
        basis = torch.randn(LATENT_DIM, count, generator=teacher)
        if len(shape) > 1:
            per_channel = torch.randn(LATENT_DIM, shape[0], 1, generator=teacher)
            per_channel = per_channel.expand(LATENT_DIM, shape[0], count // shape[0]).reshape(LATENT_DIM, count)
            basis = (basis + per_channel) / math.sqrt(2)
        outputs = math.prod(self.output_shape) if self.spec.loss != "ce" else self.spec.outputs
        return basis, torch.randn(LATENT_DIM, outputs, generator=teacher)

    def device_batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch made on the device itself (for large batches: no host copy)."""
        x = torch.randn((size, *self.spec.input_shape), device=self.device)
        if self.spec.loss == "ce":
            return x, torch.randint(0, self.spec.outputs, (size,), device=self.device)
        shape = (size, *self.output_shape)
        if self.spec.loss == "bce":
            return x, torch.randint(0, 2, shape, device=self.device).float()
        return x, torch.randn(shape, device=self.device)

    # ------------------------------------------------------------ loss
    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.spec.loss == "ce":
            return F.cross_entropy(output, target)
        if self.spec.loss == "bce":
            return F.binary_cross_entropy_with_logits(output, target)
        return F.mse_loss(output, target)

    def forward_loss(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = logits(model(x))
        return output, self.loss(output, y)

    def chance_loss(self, target: torch.Tensor) -> float:
        """The loss of a model that knows nothing: uniform over C classes, 1/2 per label, the target mean."""
        if self.spec.loss == "ce":
            return math.log(self.spec.outputs)
        if self.spec.loss == "bce":
            return math.log(2)
        return float(target.float().var(dim=0, unbiased=False).mean())

    def chance_text(self, chance: float) -> str:
        if self.spec.loss == "ce":
            return f"ln {self.spec.outputs} = {chance:.3g}"
        if self.spec.loss == "bce":
            return f"ln 2 = {chance:.3g}"
        return f"target variance {chance:.3g}"

    # ------------------------------------------------------------ time
    def time_cap(self, code: str) -> float:
        """Seconds this check may use: its share of the probe's time, never past the deadline."""
        total = self.spec.deadline - self.started
        left = self.spec.deadline - time.time() - 1.0
        return max(0.0, min(TIME_SHARE[code] * total, left))


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
    raise SetupError(f"the model returned {type(output).__name__}; the probe needs a tensor of outputs")


def _check_output_shape(shape: tuple[int, ...], spec: ProbeSpec) -> tuple[int, ...]:
    per_sample = shape[1:]
    count = math.prod(per_sample)
    if spec.loss == "ce":
        if len(shape) != 2 or shape[1] != spec.outputs:
            raise SetupError(
                f"the model's output has shape {shape} for 2 samples; --loss ce with --num-classes {spec.outputs} "
                f"needs (2, {spec.outputs})"
            )
    elif spec.loss == "bce":
        if not shape or shape[0] != 2 or count not in (spec.outputs, 1):
            raise SetupError(
                f"the model's output has shape {shape} for 2 samples; --loss bce with --num-classes {spec.outputs} "
                f"needs (2, {spec.outputs}) or (2, 1)"
            )
    elif not shape or shape[0] != 2 or count != spec.outputs:
        raise SetupError(
            f"the model's output has shape {shape} for 2 samples; --loss mse with --output-dim {spec.outputs} "
            f"needs (2, {spec.outputs})"
        )
    return per_sample


# ---------------------------------------------------------------- helpers


def dropout_layers(model: nn.Module) -> list[str]:
    """Names of the layers that drop activations in training mode (p > 0), attention dropout included."""
    found = []
    for name, module in model.named_modules():
        if isinstance(module, _DROPOUT_TYPES) and module.p > 0:
            found.append(name or type(module).__name__)
        elif isinstance(module, nn.MultiheadAttention) and module.dropout > 0:
            found.append(f"{name}.dropout" if name else "dropout")
    return found


def disable_dropout(model: nn.Module) -> None:
    """Regularisation off while staying in training mode (eval mode would change batch norm too)."""
    for module in model.modules():
        if isinstance(module, _DROPOUT_TYPES):
            module.p = 0.0
        elif isinstance(module, nn.MultiheadAttention):
            module.dropout = 0.0


def is_stochastic(model: nn.Module, x: torch.Tensor) -> bool:
    """Two training-mode forward passes on the same input differ: dropout (or noise) is applied."""
    with torch.no_grad():
        first = logits(model(x)).float()
        second = logits(model(x)).float()
    return not torch.allclose(first, second, rtol=1e-3, atol=1e-6, equal_nan=True)


def looks_like_probabilities(output: torch.Tensor, loss: str) -> bool:
    """Rows that sum to 1 (softmax) or values all in [0, 1] (sigmoid), for a loss that expects logits."""
    values = output.detach().float()
    if values.numel() == 0 or not bool(torch.isfinite(values).all()):
        return False
    if loss == "ce":
        return bool((values >= 0).all()) and float((values.sum(dim=1) - 1).abs().max()) < 1e-3
    if loss == "bce":
        return values.numel() >= 8 and bool(((values >= 0) & (values <= 1)).all())
    return False


def make_optimizer(
    name: str, parameters: Iterable[nn.Parameter], lr: float, weight_decay: float = 0.0
) -> torch.optim.Optimizer:
    """A torch.optim optimizer by class name (Adam when unknown); SGD with momentum 0.9, as usually trained."""
    optimizer_class = getattr(torch.optim, name if name in _OPTIMIZERS else "Adam")
    if optimizer_class is torch.optim.SGD:
        return optimizer_class(parameters, lr=lr, momentum=0.9, weight_decay=weight_decay)
    return optimizer_class(parameters, lr=lr, weight_decay=weight_decay)


def _names(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


@dataclass
class FitRun:
    losses: list[float]
    stopped: str  # reached | steps | time | nonfinite
    output: torch.Tensor | None


def fit_batch(
    bench: Workbench,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: tuple[torch.Tensor, torch.Tensor],
    steps: int,
    seconds: float,
    stop_below: float | None = None,
) -> FitRun:
    """Train on one batch; losses[k] is the loss after k updates."""
    x, y = batch
    losses: list[float] = []
    output = None
    started = time.perf_counter()
    for _ in range(steps + 1):
        if losses and time.perf_counter() - started > seconds:  # the loss at the start is always measured
            return FitRun(losses, "time", output)
        optimizer.zero_grad(set_to_none=True)
        output, loss = bench.forward_loss(model, x, y)
        value = loss.item()
        losses.append(value)
        if not math.isfinite(value):
            return FitRun(losses, "nonfinite", output)
        if stop_below is not None and value < stop_below:
            return FitRun(losses, "reached", output)
        if len(losses) > steps:
            break
        loss.backward()
        optimizer.step()
    return FitRun(losses, "steps", output)


# ---------------------------------------------------------------- HP901


def init_loss(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    model = bench.fresh_model()
    x, y = bench.batch(INIT_BATCH, index=1)
    with torch.no_grad():
        output, loss_tensor = bench.forward_loss(model, x, y)
    loss = loss_tensor.item()
    chance = bench.chance_loss(y)
    tolerance = float(options["tolerance"]) * chance
    probabilities = looks_like_probabilities(output, bench.spec.loss)
    details = {"loss": loss, "chance": chance, "tolerance": tolerance, "output_looks_like_probabilities": probabilities}
    measured = f"loss {loss:.4g}" + (" (output looks like probabilities)" if probabilities else "")
    expected = f"{bench.chance_text(chance)} ± {tolerance:.3g}"
    if math.isfinite(loss) and abs(loss - chance) <= tolerance:
        return CheckResult("HP901", "pass", measured, expected, details=details)
    if not math.isfinite(loss):
        message = (
            f"the loss at initialisation is {loss}: the forward pass already yields non-finite values; find the "
            "operation that does (log or sqrt of a non-positive value, a division by zero, an overflow)"
        )
    elif loss > chance:
        what = "the variance of the targets" if bench.spec.loss == "mse" else "the chance level"
        message = (
            f"the loss at initialisation is {loss:.3g}, far above {what} ({bench.chance_text(chance)}, allowed "
            f"±{tolerance:.2g}): the first predictions are large and confidently wrong; scale the output layer's "
            "initial weights down (or zero them) so they start near uniform"
        )
    else:
        message = (
            f"the loss at initialisation is {loss:.3g}, far below the chance level ({bench.chance_text(chance)}, "
            f"allowed ±{tolerance:.2g}) on random labels: the loss does not measure what it should (a sum where a "
            "mean is meant, or outputs the loss ignores)"
        )
    return CheckResult("HP901", "fail", measured, expected, message, details=details)


# ---------------------------------------------------------------- HP902


def cannot_overfit(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    steps = int(options["steps"])
    model = bench.fresh_model()
    disable_dropout(model)
    batch = bench.batch(OVERFIT_BATCH, index=3)
    chance = bench.chance_loss(batch[1])
    threshold = float(options["threshold"]) * chance
    optimizer = make_optimizer("Adam", model.parameters(), lr=OVERFIT_LR)
    run = fit_batch(bench, model, optimizer, batch, steps, bench.time_cap("HP902"), stop_below=threshold)
    updates = len(run.losses) - 1
    first, best, last = run.losses[0], min(run.losses), run.losses[-1]
    probabilities = run.output is not None and looks_like_probabilities(run.output, bench.spec.loss)
    details = {
        "initial_loss": first, "final_loss": last, "best_loss": best, "threshold": threshold, "steps": updates,
        "max_steps": steps, "output_looks_like_probabilities": probabilities,
        "losses": [round(value, 6) for value in run.losses],
    }
    expected = f"< {threshold:.3g} ({options['threshold']} × {bench.chance_text(chance)}) within {steps} steps"
    measured = f"{last:.3g} after {updates} steps"
    setup = f"Adam steps (lr {OVERFIT_LR:g}, dropout off, no weight decay) on one batch of {OVERFIT_BATCH}"
    if run.stopped == "reached":
        return CheckResult("HP902", "pass", measured, expected, details=details)
    if run.stopped == "time":
        reason = (
            f"only {updates} of {steps} steps fit in this check's time budget and the loss ({last:.3g}) is not "
            f"below {threshold:.3g} yet; raise --timeout or run on a GPU"
        )
        return CheckResult("HP902", "skip", measured, expected, reason, details=details)
    if run.stopped == "nonfinite":
        message = (
            f"the loss became {last} after {updates} {setup}: training diverges even at a small learning rate; "
            "look for an operation that overflows or divides by zero"
            if updates else
            f"the loss is {last} before the first step: the forward pass yields non-finite values (see HP901)"
        )
        return CheckResult("HP902", "fail", measured, expected, message, details=details)
    hint = (
        "the outputs are probabilities (rows sum to 1, or all in [0, 1]): remove the softmax/sigmoid at the "
        "output, the loss applies it itself"
        if probabilities
        else "check that the raw output reaches the loss, that no layer blocks the gradient, and that the model "
        "is not too narrow"
    )
    message = (
        f"the loss fell only from {first:.3g} to {best:.3g} in {steps} {setup}; a healthy model drives it below "
        f"{threshold:.3g}: {hint}"
    )
    return CheckResult("HP902", "fail", measured, expected, message, details=details)


# ---------------------------------------------------------------- HP903


def gradient_flow(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    model = bench.fresh_model()
    disable_dropout(model)
    parameters = [(name, parameter) for name, parameter in model.named_parameters() if parameter.requires_grad]
    expected = "every trainable tensor gets a finite, non-zero gradient"
    if not parameters:
        message = "the model has no trainable parameters (requires_grad is False everywhere): nothing can learn"
        return CheckResult("HP903", "fail", "0 trainable tensors", expected, message)
    x, y = bench.batch(OVERFIT_BATCH, index=2)
    _, loss = bench.forward_loss(model, x, y)
    loss.backward()
    missing = [name for name, parameter in parameters if parameter.grad is None]
    non_finite = [
        name for name, parameter in parameters
        if parameter.grad is not None and not bool(torch.isfinite(parameter.grad).all())
    ]
    zero = [
        name for name, parameter in parameters
        if parameter.grad is not None and name not in non_finite and not bool(parameter.grad.any())
    ]
    if zero and not non_finite:
        zero = _still_zero(bench, model, parameters, (x, y), zero)
    healthy = len(parameters) - len(missing) - len(non_finite) - len(zero)
    details = {"tensors": len(parameters), "no_gradient": missing, "non_finite": non_finite, "zero": zero}
    measured = f"{healthy}/{len(parameters)} tensors healthy"
    if not (missing or non_finite or zero):
        return CheckResult("HP903", "pass", measured, expected, details=details)
    problems = []
    if missing:
        problems.append(
            f"{len(missing)} of {len(parameters)} parameter tensors get no gradient ({_names(missing)}): forward "
            "does not use them, or cuts the graph before them (.detach(), .item(), .data, torch.no_grad)"
        )
    if non_finite:
        cause = f"the loss itself is {loss.item()}" if not math.isfinite(loss.item()) else (
            "an operation yields inf/NaN in the backward pass (sqrt or log at 0, a division by zero, an overflow)"
        )
        problems.append(f"{len(non_finite)} get a non-finite gradient ({_names(non_finite)}): {cause}")
    if zero:
        problems.append(
            f"{len(zero)} get an all-zero gradient that stays zero for {ZERO_GRAD_STEPS} optimizer steps "
            f"({_names(zero)}): a dead path (units that never activate, a multiplication by zero, a cast to integer)"
        )
    return CheckResult("HP903", "fail", measured, expected, "; ".join(problems), details=details)


def _still_zero(
    bench: Workbench,
    model: nn.Module,
    parameters: list[tuple[str, nn.Parameter]],
    batch: tuple[torch.Tensor, torch.Tensor],
    zero: list[str],
) -> list[str]:
    """Zero-initialised gates (zero-init residual, ReZero) silence a branch only until they move."""
    optimizer = make_optimizer("Adam", [parameter for _, parameter in parameters], lr=OVERFIT_LR)
    by_name = dict(parameters)
    for _ in range(ZERO_GRAD_STEPS):
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        _, loss = bench.forward_loss(model, *batch)
        loss.backward()
        zero = [name for name in zero if by_name[name].grad is None or not bool(by_name[name].grad.any())]
        if not zero:
            break
    return zero


# ---------------------------------------------------------------- HP904


def lr_range_test(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    steps = int(options["steps"])
    factor = float(options["factor"])
    model = bench.fresh_model()
    optimizer = make_optimizer(bench.spec.optimizer, model.parameters(), lr=lr_range.START_LR)
    smoother = lr_range.Smoother()
    best = math.inf
    curve: list[lr_range.CurvePoint] = []
    stopped = "end"
    cap, started = bench.time_cap("HP904"), time.perf_counter()
    for step, lr in enumerate(lr_range.sweep_lrs(steps)):
        x, y = bench.stream_batch(SWEEP_BATCH, step)
        if time.perf_counter() - started > cap:
            stopped = "time"
            break
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        _, loss = bench.forward_loss(model, x, y)
        value = loss.item()
        if math.isfinite(value):
            loss.backward()
            optimizer.step()
        smoothed = smoother.update(value) if math.isfinite(value) else math.inf
        curve.append(lr_range.CurvePoint(lr, value, smoothed))
        if lr_range.diverged(smoothed, best):
            stopped = "diverged"
            break
        best = min(best, smoothed)
    suggestion = lr_range.suggest(curve)
    optimizer_name = type(optimizer).__name__
    details: dict[str, Any] = {
        "optimizer": optimizer_name,
        "curve": [
            {"lr": point.lr, "loss": _json_number(point.loss), "smoothed": _json_number(point.smoothed)}
            for point in curve
        ],
        "stopped": stopped,
        "configured_lr": bench.spec.configured_lr,
        "suggested_lr": suggestion.suggested if suggestion else None,
        "suggested_range": [suggestion.low, suggestion.high] if suggestion else None,
        "steepest": suggestion.steepest if suggestion else None,
        "min_over_10": suggestion.min_over_10 if suggestion else None,
    }
    configured = bench.spec.configured_lr
    expected = f"configured lr within {factor:g}× of the range" if configured is not None else "a range to suggest"
    if suggestion is None:
        end = f"{curve[-1].lr:.1e}" if curve else "its start"
        reason = (
            f"the smoothed loss never fell {lr_range.MIN_DROP:.0%} below its start during the sweep (up to lr {end}"
            f"{', where time ran out' if stopped == 'time' else ''}): there is no descent to read a learning rate from"
        )
        return CheckResult("HP904", "skip", "no descent", expected, reason, details=details)
    measured = f"{optimizer_name} {suggestion.low:.1e} to {suggestion.high:.1e}, suggested {suggestion.suggested:.1e}"
    if configured is None:
        return CheckResult("HP904", "pass", measured, "a range to suggest (no configured lr: --lr)", details=details)
    off = lr_range.off_by(configured, suggestion)
    details["off_by"] = off
    measured += f"; configured {configured:g}"
    if off <= factor:
        return CheckResult("HP904", "pass", measured, expected, details=details)
    direction = "above" if configured > suggestion.high else "below"
    source = f" ({bench.spec.configured_lr_source})" if bench.spec.configured_lr_source else ""
    message = (
        f"the configured lr {configured:g}{source} is {off:.0f}× {direction} the range an LR range test suggests "
        f"for {optimizer_name} on this model, {suggestion.low:.1e} to {suggestion.high:.1e} (steepest descent at "
        f"{suggestion.steepest:.1e}, a tenth of the lowest loss's lr {suggestion.min_over_10:.1e}); try "
        f"{suggestion.suggested:.1e}"
    )
    return CheckResult("HP904", "fail", measured, expected, message, details=details)


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


# ---------------------------------------------------------------- HP905


def max_batch(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    configured = bench.spec.configured_batch
    if bench.device.type != "cuda":
        reason = "skipped on CPU: running out of memory there kills the process instead of raising an error"
        return CheckResult("HP905", "skip", "-", batch_search.expectation(configured), reason)
    margin = float(options["margin"])
    model = bench.fresh_model()
    optimizer = make_optimizer(bench.spec.optimizer, model.parameters(), lr=1e-6)
    peak_bytes: dict[int, int] = {}

    def trial(size: int) -> float | None:
        torch.cuda.reset_peak_memory_stats(bench.device)
        rate = _timed_steps(bench, model, optimizer, size)
        if rate is not None:
            peak_bytes[size] = torch.cuda.max_memory_allocated(bench.device)
        _free_memory(optimizer)
        return rate

    cap_seconds, started = bench.time_cap("HP905"), time.perf_counter()
    cap = max(batch_search.CAP, 2 ** math.ceil(math.log2(configured))) if configured else batch_search.CAP
    search = batch_search.search_max_batch(
        trial, cap=cap, out_of_time=lambda: time.perf_counter() - started > cap_seconds
    )
    device_name = torch.cuda.get_device_name(bench.device)
    total = torch.cuda.get_device_properties(bench.device).total_memory
    memory = f"the {total / 2**30:.0f} GiB of {device_name} with {type(optimizer).__name__}"
    result = batch_search.judge(search, trial, configured, bench.spec.configured_batch_source, margin, memory)
    result.details.update({
        "peak_bytes": {str(size): value for size, value in sorted(peak_bytes.items())},
        "device_bytes": total, "device_name": device_name,
    })
    return result


def _timed_steps(bench: Workbench, model: nn.Module, optimizer: torch.optim.Optimizer, size: int) -> float | None:
    """Samples/s over the last steps of BATCH_STEPS real optimizer steps; None when memory ran out."""
    try:
        x, y = bench.device_batch(size)
        times = []
        for _ in range(BATCH_STEPS):
            torch.cuda.synchronize(bench.device)
            started = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            _, loss = bench.forward_loss(model, x, y)
            loss.backward()
            optimizer.step()
            torch.cuda.synchronize(bench.device)
            times.append(time.perf_counter() - started)
        return size * (BATCH_STEPS - 1) / max(sum(times[1:]), 1e-9)
    except RuntimeError as error:  # torch.cuda.OutOfMemoryError is a RuntimeError
        if not _is_out_of_memory(error):
            raise
    # Returning drops this frame's tensors; the exception (and the frames it holds) is gone already.
    return None


def _is_out_of_memory(error: BaseException) -> bool:
    out_of_memory = getattr(torch.cuda, "OutOfMemoryError", None)
    return (out_of_memory is not None and isinstance(error, out_of_memory)) or "out of memory" in str(error)


def _free_memory(optimizer: torch.optim.Optimizer) -> None:
    optimizer.zero_grad(set_to_none=True)
    gc.collect()
    torch.cuda.empty_cache()


# ---------------------------------------------------------------- HP906


def regularization_check(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    steps = int(options["steps"])
    weight_decay = float(options["weight-decay"])
    expected = "higher loss with regularisation on"
    batch = bench.batch(OVERFIT_BATCH, index=3)  # HP902's batch
    model = bench.fresh_model()
    layers = dropout_layers(model)
    stochastic = is_stochastic(model, batch[0])
    disable_dropout(model)
    if is_stochastic(model, batch[0]):
        reason = (
            "the model stays random in training mode with its dropout layers at p=0 (functional dropout or noise "
            "layers), so there is no run without regularisation to compare with"
        )
        return CheckResult("HP906", "skip", "stochastic without dropout layers", expected, reason)
    if not layers:
        reason = (
            f"the model has no dropout; weight decay alone ({weight_decay:g}) changes a {steps}-step run too little "
            "to measure"
        )
        return CheckResult("HP906", "skip", "no dropout", expected, reason)
    details: dict[str, Any] = {"dropout_layers": layers, "weight_decay": weight_decay}
    if not stochastic:
        message = (
            f"{len(layers)} dropout layer(s) with p > 0 ({_names(layers)}), but two training-mode forward passes give "
            "identical outputs: the dropout is never applied (a layer built in __init__ that forward does not call?)"
        )
        return CheckResult("HP906", "fail", "dropout has no effect", expected, message, details=details)
    cap, started = bench.time_cap("HP906"), time.perf_counter()
    plain_model = bench.fresh_model()
    disable_dropout(plain_model)
    plain_optimizer = torch.optim.AdamW(plain_model.parameters(), lr=OVERFIT_LR, weight_decay=0.0)
    plain = fit_batch(bench, plain_model, plain_optimizer, batch, steps, cap / 2)
    updates = len(plain.losses) - 1
    regular_model = bench.fresh_model()
    regular_optimizer = torch.optim.AdamW(regular_model.parameters(), lr=OVERFIT_LR, weight_decay=weight_decay)
    regular = fit_batch(bench, regular_model, regular_optimizer, batch, updates, cap - (time.perf_counter() - started))
    if plain.stopped == "nonfinite" or regular.stopped == "nonfinite":
        reason = "the loss became non-finite (see HP902, HP903)"
        return CheckResult("HP906", "skip", "non-finite loss", expected, reason)
    if updates < MIN_COMPARABLE_STEPS or len(regular.losses) != len(plain.losses):
        reason = f"only {updates} steps fit in this check's time budget; raise --timeout or run on a GPU"
        return CheckResult("HP906", "skip", f"{updates} steps", expected, reason, details=details)
    tail = max(1, min(10, updates // 4))  # dropout makes single losses noisy: compare the last few
    plain_loss = sum(plain.losses[-tail:]) / tail
    regular_loss = sum(regular.losses[-tail:]) / tail
    details.update(
        {"steps": updates, "plain_loss": plain_loss, "regularized_loss": regular_loss, "averaged_over": tail}
    )
    measured = f"{regular_loss:.3g} with vs {plain_loss:.3g} without"
    if regular_loss > plain_loss:
        return CheckResult("HP906", "pass", measured, expected, details=details)
    message = (
        f"with dropout ({_names(layers)}) and weight decay {weight_decay:g} on, the loss on the overfit batch after "
        f"{updates} steps is {regular_loss:.3g}, not higher than {plain_loss:.3g} without them: the regularisation "
        "has no effect on training; check that forward applies the dropout layers"
    )
    return CheckResult("HP906", "fail", measured, expected, message, details=details)


CHECKS: dict[str, Callable[[Workbench, Mapping[str, Any]], CheckResult]] = {
    "HP901": init_loss,
    "HP902": cannot_overfit,
    "HP903": gradient_flow,
    "HP904": lr_range_test,
    "HP905": max_batch,
    "HP906": regularization_check,
}
