"""HP903 gradient-flow: every trainable tensor gets a finite, non-zero gradient, and the first layers get one
that has not vanished on its way back from the last."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from hplint.probe.spec import CheckResult
from hplint.probe.workbench import Workbench, disable_dropout, make_optimizer, names

ZERO_GRAD_STEPS = 3  # a gradient that is zero at init may come alive once a zero-initialised gate moves
OVERFIT_LR = 1e-3
PER_LAYER = 0.25  # a sigmoid's slope is at most 1/4: a gradient that shrinks faster per layer is vanishing


def gradient_flow(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    model = bench.fresh_model()
    disable_dropout(model)
    parameters = [(name, parameter) for name, parameter in model.named_parameters() if parameter.requires_grad]
    expected = "every trainable tensor gets a finite, non-zero gradient that has not vanished"
    if not parameters:
        message = "the model has no trainable parameters (requires_grad is False everywhere): nothing can learn"
        return CheckResult("HP903", "fail", "0 trainable tensors", expected, message)
    batch = bench.batch("gradient")
    order: list[tuple[str, nn.Module]] = []
    hooks = _record_weighted_layers(model, order)
    try:
        loss = bench.loss(model, batch)
    finally:
        for hook in hooks:
            hook.remove()
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
    flow = _flow(order) if not non_finite else None
    if zero and not non_finite:
        zero = _still_zero(bench, model, parameters, batch, zero)
    healthy = len(parameters) - len(missing) - len(non_finite) - len(zero)
    details: dict[str, Any] = {"tensors": len(parameters), "no_gradient": missing, "non_finite": non_finite, "zero": zero}
    measured = f"{healthy}/{len(parameters)} tensors healthy"
    vanishing = None
    if flow is not None:
        details.update(flow)
        measured += f"; first/last layer gradient {flow['ratio']:.1e}"
        threshold = float(options["vanishing"])
        if flow["ratio"] < threshold and flow["per_layer"] < PER_LAYER:
            vanishing = (
                f"the gradient vanishes on its way back: the first weighted layer ({flow['first']}) gets "
                f"{flow['ratio']:.1e} times the gradient norm of the last ({flow['last']}), {1 / flow['per_layer']:.1f}× "
                f"less per layer over {flow['layers']} weighted layers; the first layers barely learn: use ReLU-like "
                "activations instead of sigmoid/tanh between layers, normalisation layers, residual connections, or "
                "an initialisation for the activation (nn.init.kaiming_normal_)"
            )
    if not (missing or non_finite or zero or vanishing):
        return CheckResult("HP903", "pass", measured, expected, details=details)
    problems = []
    if missing:
        problems.append(
            f"{len(missing)} of {len(parameters)} parameter tensors get no gradient ({names(missing)}): forward "
            "does not use them, or cuts the graph before them (.detach(), .item(), .data, torch.no_grad)"
        )
    if non_finite:
        cause = f"the loss itself is {loss.item()}" if not math.isfinite(loss.item()) else (
            "an operation yields inf/NaN in the backward pass (sqrt or log at 0, a division by zero, an overflow)"
        )
        problems.append(f"{len(non_finite)} get a non-finite gradient ({names(non_finite)}): {cause}")
    if zero:
        problems.append(
            f"{len(zero)} get an all-zero gradient that stays zero for {ZERO_GRAD_STEPS} optimizer steps "
            f"({names(zero)}): a dead path (units that never activate, a multiplication by zero, a cast to integer)"
        )
    if vanishing:
        problems.append(vanishing)
    return CheckResult("HP903", "fail", measured, expected, "; ".join(problems), details=details)


def _weight_tensors(module: nn.Module) -> list[nn.Parameter]:
    """The layer's own matrices and kernels (not biases, not normalisation scales)."""
    return [parameter for parameter in module.parameters(recurse=False) if parameter.dim() >= 2 and parameter.requires_grad]


def _record_weighted_layers(model: nn.Module, order: list[tuple[str, nn.Module]]) -> list[Any]:
    """Hooks that note the weighted layers in the order forward first calls them."""
    seen: set[int] = set()
    hooks = []
    for name, module in model.named_modules():
        if not _weight_tensors(module):
            continue

        def note(module: nn.Module, inputs: Any, output: Any, name: str = name) -> None:
            if id(module) not in seen:
                seen.add(id(module))
                order.append((name or type(module).__name__, module))

        hooks.append(module.register_forward_hook(note))
    return hooks


def _flow(order: list[tuple[str, nn.Module]]) -> dict[str, Any] | None:
    """The ratio of the first weighted layer's gradient norm to the last's, and its geometric mean per layer."""
    norms = []
    for name, module in order:
        gradients = [parameter.grad for parameter in _weight_tensors(module) if parameter.grad is not None]
        if gradients:
            norms.append((name, math.sqrt(sum(float(gradient.float().pow(2).sum()) for gradient in gradients))))
    if len(norms) < 3 or norms[-1][1] == 0:
        return None
    (first, first_norm), (last, last_norm) = norms[0], norms[-1]
    ratio = first_norm / last_norm
    layers = len(norms)
    per_layer = ratio ** (1 / (layers - 1)) if ratio > 0 else 0.0
    return {"first": first, "last": last, "ratio": ratio, "per_layer": per_layer, "layers": layers}


def _still_zero(
    bench: Workbench, model: nn.Module, parameters: list[tuple[str, nn.Parameter]], batch: Any, zero: list[str],
) -> list[str]:
    """Zero-initialised gates (zero-init residual, ReZero) silence a branch only until they move."""
    optimizer = make_optimizer("Adam", [parameter for _, parameter in parameters], lr=OVERFIT_LR)
    by_name = dict(parameters)
    for _ in range(ZERO_GRAD_STEPS):
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        bench.loss(model, batch).backward()
        zero = [name for name in zero if by_name[name].grad is None or not bool(by_name[name].grad.any())]
        if not zero:
            break
    return zero
