"""HP2xx: model construction (output activations, layers, recurrent cells, init, normalisation)."""

from __future__ import annotations

import re

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from hplint import catalogue
from hplint.checks import Rule
from hplint.checks.layers import (
    activation_family, combines_tensors, first_linear_is_hidden, forward_graphs, graph_of, init_reach,
    initialised_models, is_normalised, layer_count, linear_chain, linears_in_order, short_name,
)
from hplint.checks.activation_fixes import removal, renaming
from hplint.diagnostics import Diagnostic, Fix, Severity
from hplint.facts import (
    Arith, Call, Expr, ForwardGraph, InitApplied, InitCall, Layer, Local, Location, Lookup, ModelDef, OutputOp, Parameter,
    Value,
)
from hplint.project import ModelLoss, Project

# What each activating loss does itself, and what to do instead, for the message.
_APPLIES_ITSELF = {"softmax": "log-softmax", "sigmoid": "the sigmoid"}
_INSTEAD = {
    "softmax": "return the logits (or pair log_softmax with NLLLoss)",
    "sigmoid": "return the logits (or pair sigmoid with BCELoss)",
}


class OutputActivation(Rule):
    code = "HP201"
    name = "output-activation"
    severity = Severity.ERROR
    summary = "softmax/sigmoid on a model output that goes to a loss applying it again"
    related_places = "the loss the model's output reaches"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for output, pairs, alone in _outputs_reaching(project, _applies_again):
            pair = pairs[0]
            applied = output.op
            loss_name = pair.loss.loss.rpartition(".")[2]
            # Removing it is right only when every loss the output reaches applies it again.
            fix = removal(project, output, f"remove the {applied}: {loss_name} applies it itself") if alone else None
            yield self.diagnostic(
                f"{applied} on the output of {pair.described} before {loss_name} ({pair.loss.location}), "
                f"which applies {_APPLIES_ITSELF[applied]} itself; {_INSTEAD[applied]}",
                output.location,
                pair.loss.location,
                related=[other.loss.location for other in pairs[1:]],
                fix=fix,
            )


def _applies_again(pair: ModelLoss) -> bool:
    """Every return path applies what the loss applies itself: `return logits if self.training else probs` is fine."""
    applied = catalogue.LOSS_APPLIES.get(pair.loss.loss)
    outputs = pair.outputs
    return applied is not None and bool(outputs) and all(output.op == applied for output in outputs)


def _outputs_reaching(
    project: Project, wrong: Callable[[ModelLoss], bool],
) -> Iterator[tuple[OutputOp, list[ModelLoss], bool]]:
    """Each output of a model whose pairing with a loss is wrong, with every such loss it reaches: one finding per
    output; and whether the output reaches only such losses (then an edit of the output is right for all of them)."""
    found: dict[Location, tuple[OutputOp, list[ModelLoss]]] = {}
    paired_right: set[Location] = set()
    for pair in project.model_losses():
        is_wrong = wrong(pair)
        for output in pair.outputs:
            if is_wrong:
                found.setdefault(output.location, (output, []))[1].append(pair)
            else:
                paired_right.add(output.location)
    for location, (output, pairs) in found.items():
        yield output, pairs, location not in paired_right


class VanillaRnn(Rule):
    code = "HP206"
    name = "vanilla-rnn"
    severity = Severity.WARNING
    summary = "nn.RNN / nn.RNNCell where a gated cell (LSTM, GRU) learns better"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for call in project.calls(catalogue.VANILLA_RNNS):
            cell = call.api.rpartition(".")[2]
            gated = "nn.LSTMCell or nn.GRUCell" if cell == "RNNCell" else "nn.LSTM or nn.GRU"
            yield self.diagnostic(
                f"nn.{cell}: a vanilla recurrent cell struggles with long-range dependencies; "
                f"use {gated} (same arguments)",
                call.location,
            )


def _number(value: Value | None) -> float | None:
    if value is None or isinstance(value.value, bool) or not isinstance(value.value, (int, float)):
        return None
    return value.value


def _is_mlp(model: ModelDef, graph: ForwardGraph | None = None) -> bool:
    """Fully-connected layers applied one after another: no conv, recurrent, embedding, attention, skip."""
    kinds = {short_name(layer.api) for layer in model.layers}
    others = catalogue.CONV_LAYERS | catalogue.RECURRENT_LAYERS | catalogue.ATTENTION_LAYERS | {"Embedding", "EmbeddingBag"}
    if not kinds & catalogue.LINEAR_LAYERS or kinds & others or model.merges or model.gates:
        return False
    if combines_tensors(graph):
        return False  # tensors combined in a method forward calls: a skip, a gate, a sampling step
    if graph is not None and any(step.op == "module:?" for step in graph.steps):
        return False  # forward applies a module whose layers are not known (a body built by a function)
    if any(layer.api.startswith("local.") for layer in model.layers):
        return False  # blocks of its own: not a plain stack of Linear layers
    if any(op.op in ("softmax", "scaled_dot_product_attention", "linear") for op in model.forward):
        return False  # attention: q/k/v projections are parallel, not a deep stack
    return not any(word in model.name.lower() for word in ("attention", "attn"))


def _models(project: Project) -> Iterator[ModelDef]:
    for _, model in project.all_of(ModelDef):
        yield model


class HiddenActivationOnOutput(Rule):
    code = "HP202"
    name = "hidden-activation-on-output"
    severity = Severity.WARNING
    summary = "ReLU, dropout or a normalisation as the last operation of a network whose output is logits or a value"
    related_places = "the loss the model's output reaches"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for output, pairs, _ in _outputs_reaching(project, _ends_hidden):
            pair = pairs[0]
            yield self.diagnostic(
                f"{output.op} is the last operation of {pair.described}, whose output goes into {short_name(pair.loss.loss)} "
                f"({pair.loss.location}): it distorts the logits or values the loss expects; end with the "
                "last Linear/Conv layer",
                output.location,
                pair.loss.location,
                related=[other.loss.location for other in pairs[1:]],
            )


def _ends_hidden(pair: ModelLoss) -> bool:
    outputs = pair.outputs
    return pair.loss.loss in catalogue.LOGIT_OR_VALUE_LOSSES and bool(outputs) and all(
        output.op in catalogue.HIDDEN_OUTPUT_OPS for output in outputs
    )


class ActivationLossMismatch(Rule):
    code = "HP214"
    name = "activation-loss-mismatch"
    severity = Severity.ERROR
    summary = "a model's last activation that does not fit the loss it reaches"
    related_places = "the loss the model's output reaches"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for output, pairs, alone in _outputs_reaching(project, lambda pair: _mismatch(project, pair) is not None):
            pair = pairs[0]
            why = _mismatch(project, pair)
            # One edit when every loss the output reaches asks for the same one.
            fixes = {_mismatch_fix(project, other, output) for other in pairs} if alone else {None}
            yield self.diagnostic(
                f"{output.op} on the output of {pair.described} goes into {short_name(pair.loss.loss)} "
                f"({pair.loss.location}): {why}",
                output.location,
                pair.loss.location,
                related=[other.loss.location for other in pairs[1:]],
                fix=fixes.pop() if len(fixes) == 1 else None,
            )


# What each loss expects of its input, for an output whose last activation is the key.
_MISMATCHES = {
    ("softmax", "nll"): "NLLLoss expects log-probabilities; use log_softmax (or return the logits to CrossEntropyLoss)",
    ("sigmoid", "cross_entropy"): (
        "CrossEntropyLoss expects logits, and outputs squashed into (0, 1) cannot become confident; return the logits"
    ),
    ("log_softmax", "bce"): (
        "binary cross-entropy expects probabilities (BCELoss) or logits (BCEWithLogitsLoss), not log-probabilities; "
        "use sigmoid with BCELoss, or return the logits to BCEWithLogitsLoss"
    ),
}
_LOSS_FAMILY = {
    "torch.nn.NLLLoss": "nll", "torch.nn.functional.nll_loss": "nll",
    "torch.nn.CrossEntropyLoss": "cross_entropy", "torch.nn.functional.cross_entropy": "cross_entropy",
    "torch.nn.BCELoss": "bce", "torch.nn.functional.binary_cross_entropy": "bce",
    "torch.nn.BCEWithLogitsLoss": "bce", "torch.nn.functional.binary_cross_entropy_with_logits": "bce",
}


def _mismatch(project: Project, pair: ModelLoss) -> str | None:
    """Why the model's last activation does not fit its loss, when every return path agrees; else None."""
    ops = {output.op for output in pair.outputs}
    if len(ops) != 1 or not pair.outputs:
        return None
    op = ops.pop()
    if op in ("softmax", "log_softmax") and all(_single_unit(project, pair.model, output) for output in pair.outputs):
        return f"a {op.replace('_', '-')} over a single output unit is always {'1' if op == 'softmax' else '0'}, so the loss never moves; use sigmoid (or one logit per class)"
    return _MISMATCHES.get((op, _LOSS_FAMILY.get(pair.loss.loss, "")))


def _mismatch_fix(project: Project, pair: ModelLoss, output: OutputOp) -> Fix | None:
    """The one edit that makes the activation fit the loss, where there is one (rules/HP214.md, Fix):
    softmax -> NLLLoss becomes log_softmax; sigmoid -> CrossEntropyLoss and log_softmax -> BCEWithLogitsLoss
    lose the activation. log_softmax -> BCELoss (sigmoid, or logits to BCEWithLogitsLoss?) and a single
    output unit (sigmoid, or one logit per class?) have two right answers: no fix."""
    op, loss = output.op, pair.loss.loss
    if op in ("softmax", "log_softmax") and _single_unit(project, pair.model, output):
        return None
    family = _LOSS_FAMILY.get(loss, "")
    if (op, family) == ("softmax", "nll"):
        return renaming(project, output, "log_softmax", f"use log_softmax: {short_name(loss)} expects log-probabilities")
    if (op, family) == ("sigmoid", "cross_entropy"):
        return removal(project, output, f"remove the sigmoid: {short_name(loss)} expects logits")
    if op == "log_softmax" and loss in catalogue.LOSS_APPLIES and catalogue.LOSS_APPLIES[loss] == "sigmoid":
        return removal(project, output, f"remove the log_softmax: {short_name(loss)} expects logits")
    return None


def _single_unit(project: Project, model: ModelDef, output: OutputOp) -> bool:
    """The layer the activation takes is a Linear with one output feature."""
    if not output.source:
        return False
    prefix = output.source[:-1] if output.source.endswith("*") else None
    weighted = catalogue.LINEAR_LAYERS | catalogue.CONV_LAYERS | catalogue.RECURRENT_LAYERS | {"Embedding"}
    candidates = [
        layer for layer in model.layers
        if (layer.attribute.startswith(prefix) if prefix is not None else layer.attribute == output.source)
        and short_name(layer.api) in weighted
    ]
    if not candidates or short_name(candidates[-1].api) not in catalogue.LINEAR_LAYERS:
        return False
    call = project.call_at(candidates[-1].location)
    width = project.resolve(call.argument("out_features", 1), call.location.path) if call is not None else None
    return width is not None and width.value == 1


class DeepMlp(Rule):
    code = "HP203"
    name = "deep-mlp"
    severity = Severity.INFO
    summary = "more fully-connected layers in a row than max in a non-convolutional model"
    options = {"max": 3}

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        graphs = forward_graphs(project)
        for model in _models(project):
            graph = graph_of(graphs, model)
            count = linear_chain(model, graph) if _is_mlp(model, graph) else None
            if count is None or count <= options["max"]:
                continue
            if _is_autoencoder(project, model, graph, linears_in_order(model, graph)):
                continue  # an encoder and a decoder: two networks in one, each judged on its own design
            yield self.diagnostic(
                f"{model.name} stacks {count} fully-connected layers; past {options['max']} an MLP rarely gains "
                f"accuracy but trains slower: try {options['max']} wider layers",
                model.location,
            )


class NarrowFirstHidden(Rule):
    code = "HP204"
    name = "narrow-first-hidden"
    severity = Severity.INFO
    summary = "first hidden Linear layer with fewer units than inputs"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        graphs = forward_graphs(project)
        for model in _models(project):
            graph = graph_of(graphs, model)
            if not _is_mlp(model, graph) or (layer_count(model, catalogue.LINEAR_LAYERS) or 0) < 2:
                continue
            linears = linears_in_order(model, graph)
            if not first_linear_is_hidden(model, graph) or _is_autoencoder(project, model, graph, linears):
                continue  # only output heads; or an encoder, which narrows on purpose
            first = linears[0]
            call = project.call_at(first.location)
            if call is None:
                continue
            inputs = _written_size(project, call.argument("in_features", 0), call.location.path)
            units = _written_size(project, call.argument("out_features", 1), call.location.path)
            if inputs is None or units is None or units >= inputs:
                continue
            yield self.diagnostic(
                f"the first hidden layer of {model.name}, Linear({inputs:g}, {units:g}), has fewer units than its "
                f"{inputs:g} inputs; a first hidden layer at least as wide as the input usually learns better",
                first.location,
            )


_ENCODER = re.compile(r"(^|_)enc(oder)?(\d|_|$)", re.IGNORECASE)
_DECODER = re.compile(r"(^|_)dec(oder)?(\d|_|$)", re.IGNORECASE)


def _is_autoencoder(project: Project, model: ModelDef, graph: ForwardGraph | None, linears: list[Layer]) -> bool:
    """An encoder and a decoder (attributes or methods named so), or an output as wide as the input with a
    narrower layer between them (a bottleneck)."""
    names = {layer.attribute.split(".")[0] for layer in model.layers} | set(graph.methods if graph is not None else ())
    if any(_ENCODER.search(name) or name == "encode" for name in names) and any(
        _DECODER.search(name) or name == "decode" for name in names
    ):
        return True
    calls = [project.call_at(layer.location) for layer in linears]
    if len(calls) < 2 or any(call is None for call in calls):
        return False
    widths = [
        _number(project.resolve(call.argument("out_features", 1), call.location.path)) for call in calls if call is not None
    ]
    first = calls[0]
    inputs = _number(project.resolve(first.argument("in_features", 0), first.location.path)) if first is not None else None
    narrowest = min((width for width in widths[:-1] if width is not None), default=None)
    return inputs is not None and widths[-1] == inputs and narrowest is not None and narrowest < inputs


def _written_size(project: Project, expr: Expr | None, path: str) -> float | None:
    """A layer size written as a literal, a module constant, a config or argparse value, or passed at every call site;
    None when it comes from a parameter's default (`def __init__(self, hidden=32)`), which the page never uses."""
    value = _number(project.resolve(expr, path))
    if value is None or expr is None:
        return None
    for parameter in _parameters_in(expr):
        if parameter.default is None:
            continue
        passed = project.resolve(parameter, path)
        default = project.resolve(parameter.default, path)
        if passed is None or (default is not None and passed.origin == default.origin):
            return None
    return value


def _parameters_in(expr: Expr) -> Iterator[Parameter]:
    if isinstance(expr, Parameter):
        yield expr
    elif isinstance(expr, Local):
        yield from _parameters_in(expr.expr)
    elif isinstance(expr, Arith):
        for operand in expr.operands:
            yield from _parameters_in(operand)
    elif isinstance(expr, Lookup):
        yield from _parameters_in(expr.base)


class LargeKernel(Rule):
    code = "HP205"
    name = "large-kernel"
    severity = Severity.INFO
    summary = "Conv2d/Conv3d kernel larger than max"
    options = {"max": 7}
    related_places = "where the value is used"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        reported: set[Location] = set()
        for call in project.calls(catalogue.IMAGE_CONVS):
            groups = call.argument("groups", 6)
            if groups is not None and getattr(project.resolve(groups, call.location.path), "value", None) != 1:
                continue  # depthwise/grouped: large kernels there are a design (ConvNeXt, RepLKNet)
            value = project.resolve(call.argument("kernel_size", 2), call.location.path)
            if value is None or value.origin in reported:
                continue
            stride = project.resolve(call.argument("stride", 3), call.location.path)
            if stride is not None and stride.value == value.value:
                continue  # kernel == stride: a patch embedding (ViT), not a large filter
            sizes = value.value if isinstance(value.value, tuple) else (value.value,)
            if not all(isinstance(size, int) and not isinstance(size, bool) for size in sizes):
                continue
            if max(sizes) <= options["max"]:  # type: ignore[type-var]
                continue
            reported.add(value.origin)
            written = "×".join(str(size) for size in sizes)
            yield self.at_value(
                f"{short_name(call.api)} kernel_size={written} is larger than {options['max']}; stacked 3×3 "
                "convolutions see as far with fewer parameters and more non-linearity",
                value,
                call.location,
            )


class DeepRnnStack(Rule):
    code = "HP207"
    name = "deep-rnn-stack"
    severity = Severity.INFO
    summary = "more stacked recurrent layers than max"
    options = {"max": 3}
    related_places = "where the value is used"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        reported: set[Location] = set()
        for call in project.calls(catalogue.RECURRENT_APIS | catalogue.VANILLA_RNNS):
            value = project.resolve(call.argument("num_layers", 2), call.location.path)
            layers = _number(value)
            if value is None or layers is None or layers <= options["max"] or value.origin in reported:
                continue
            reported.add(value.origin)
            yield self.at_value(
                f"{short_name(call.api)} num_layers={layers:g} stacks more than {options['max']} recurrent layers; "
                "gains usually stop at 2–3 and deep stacks are slow and hard to train",
                value,
                call.location,
            )


class EmbeddingDim(Rule):
    code = "HP208"
    name = "embedding-dim"
    severity = Severity.INFO
    summary = "nn.Embedding over a large vocabulary with a dimension outside [min, max]"
    options = {"min": 50, "max": 1000, "min-vocab": 1000}
    related_places = "where the value is used"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        if _uses_attention(project):
            return  # with attention the embedding width is the model width
        reported: set[Location] = set()
        for call in project.calls({"torch.nn.Embedding"}):
            path = call.location.path
            vocab = _number(project.resolve(call.argument("num_embeddings", 0), path))
            dim_value = project.resolve(call.argument("embedding_dim", 1), path)
            dim = _number(dim_value)
            if vocab is None or dim is None or dim_value is None or vocab < options["min-vocab"]:
                continue
            if options["min"] <= dim <= options["max"] or dim_value.origin in reported:
                continue
            reported.add(dim_value.origin)
            yield self.at_value(
                f"Embedding over {vocab:g} tokens with {dim:g} dimensions; word embeddings work best with "
                f"{options['min']}–{options['max']} (most often 50–300)",
                dim_value,
                call.location,
            )


def _uses_attention(project: Project) -> bool:
    """Any attention in the project: nn.MultiheadAttention, nn.Transformer*, an *Attention class."""
    for _, call in project.all_of(Call):
        if short_name(call.api) in catalogue.ATTENTION_LAYERS or "attention" in call.api.lower():
            return True
    return any(
        any(word in model.name.lower() for word in ("attention", "attn", "transformer"))
        for _, model in project.all_of(ModelDef)
    )


class SaturatingActivation(Rule):
    code = "HP209"
    name = "saturating-activation"
    severity = Severity.INFO
    summary = "Sigmoid/Tanh as a hidden activation of a feed-forward or convolutional net"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        graphs = forward_graphs(project)
        for model in _models(project):
            if model.gates or model.merges or layer_count(model, catalogue.RECURRENT_LAYERS) != 0:
                continue  # gates, attention scores and several heads are not hidden activations
            if combines_tensors(graph_of(graphs, model)):
                continue  # the same, in a method forward calls, or through x.bmm(v) and torch.mm
            if any(output.op == "tuple" for output in model.outputs):
                continue
            sequence = [(layer.api.rpartition(".")[2], layer.location) for layer in model.layers] if model.kind == "sequential" else [
                (op.op, op.location) for op in model.forward
            ]
            weighted = catalogue.LINEAR_LAYERS | catalogue.CONV_LAYERS
            for index, (op, location) in enumerate(sequence):
                if op in catalogue.SATURATING and any(later in weighted for later, _ in sequence[index + 1:]):
                    yield self.diagnostic(
                        f"{op} as a hidden activation of {model.name}: it saturates and its gradient vanishes "
                        "in deeper nets; use ReLU (or GELU) between layers",
                        location,
                    )
                    break


class DropoutRange(Rule):
    code = "HP210"
    name = "dropout-range"
    severity = Severity.WARNING
    summary = "dropout probability above max (underfits); p < 0 or p >= 1 is an error"
    options = {"max": 0.5}
    related_places = "where the value is used"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        seen: set[Location] = set()
        for value, where, source in _dropout_values(project):
            p = _number(value)
            if value is None or p is None or value.origin in seen:
                continue
            seen.add(value.origin)
            if p < 0 or p >= 1:
                yield self.diagnostic(
                    f"dropout p={p:g} ({where}) is not a probability in [0, 1): it fails or drops every unit",
                    value.origin, source, Severity.ERROR,
                )
            elif p > options["max"]:
                yield self.diagnostic(
                    f"dropout p={p:g} ({where}) drops more than {options['max']:g} of the units: the network "
                    f"underfits; start from 0.2–{options['max']:g}",
                    value.origin, source,
                )


def _dropout_values(project: Project) -> Iterator[tuple[Value | None, str, Location | None]]:
    for _, call in project.all_of(Call):
        if not call.api.startswith("torch.nn."):
            continue
        short = short_name(call.api)
        if call.api in catalogue.DROPOUT_LAYERS:
            position = 1 if call.api.startswith("torch.nn.functional.") else 0
            written = call.argument("p", position)
        else:
            written = call.argument("dropout")
        if written is None:
            continue
        value = project.resolve(written, call.location.path)
        yield value, f"{short} at {call.location}", call.location if value is not None and value.chain else None
    for setting in project.settings("dropout"):
        if setting.in_config:
            yield setting.value, f"key {setting.consumer}", None


class WeightInit(Rule):
    code = "HP211"
    name = "weight-init"
    severity = Severity.WARNING
    summary = "constant init of hidden weights (error), an init that does not suit the activation, a deep ReLU net left to the default init"
    options = {"min-layers": 8}

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        applied = list(project.all_of(InitApplied))
        graphs = forward_graphs(project)
        reached: dict[Location, list[tuple[InitCall, ModelDef, list[Layer]]]] = {}
        for path, init in project.all_of(InitCall):
            if init.tensor == "weight" or (init.tensor.startswith("weight_") and init.api in _CONSTANT):
                for model, layers in init_reach(project, init, path, applied):
                    reached.setdefault(init.location, []).append((init, model, layers))
        for found in reached.values():
            finding = self._constant(found) or self._mismatch(project, found, graphs, options["min-layers"])
            if finding is not None:
                yield finding
        yield from self._default_init(project, graphs, options["min-layers"])

    def _constant(self, found: list[tuple[InitCall, ModelDef, list[Layer]]]) -> Diagnostic | None:
        """Every unit of a hidden layer set to the same weights: an error, whatever the value."""
        for init, model, layers in found:
            if init.api not in _CONSTANT or model.merges:
                continue  # a residual branch's projection may start at zero (Fixup, ReZero)
            hidden = [layer.attribute for layer in layers if _is_hidden(model, layer)]
            if not hidden:
                continue
            written = f"{short_name(init.api)}({init.target})" if init.api.startswith("torch.") else f"{init.target}.{short_name(init.api)}(...)"
            which = f"the hidden layer {hidden[0]}" if init.via == "attribute" else (
                f"the hidden layers of {model.name} ({', '.join(hidden)})"
            )
            return self.diagnostic(
                f"{written} gives every unit of {which} the same weights, so they compute and learn the same "
                "thing; use the default init, or kaiming_/xavier_ for hidden layers (zero-init only the output or "
                "a residual branch's last projection)",
                init.location,
                severity=Severity.ERROR,
            )
        return None

    def _mismatch(
        self, project: Project, found: list[tuple[InitCall, ModelDef, list[Layer]]],
        graphs: dict[tuple[str, str], ForwardGraph], min_layers: int,
    ) -> Diagnostic | None:
        """Xavier init in a ReLU net, Kaiming init (for ReLU) in a tanh net."""
        for init, model, layers in found:
            if not any(_is_hidden(model, layer) for layer in layers):
                continue  # the output layer is not followed by the activation
            family = activation_family(model, graph_of(graphs, model))
            expected = _mismatched_init(project, init, family)
            if expected is None or family is None:
                continue
            weighted = layer_count(model)
            deep = weighted is not None and weighted >= min_layers and not is_normalised(model)
            activation = "ReLU" if family == "relu" else "tanh/sigmoid"
            depth = f" in {weighted} weighted layers without normalisation" if deep else ""
            return self.diagnostic(
                f"{short_name(init.api)}({init.target}) scales the weights of {model.name} for {_SCALED_FOR[family]}, "
                f"but its hidden layers use {activation}{depth}; use {expected}",
                init.location,
                severity=Severity.WARNING if deep else Severity.INFO,
            )
        return None

    def _default_init(self, project: Project, graphs: dict[tuple[str, str], ForwardGraph], min_layers: int) -> Iterator[Diagnostic]:
        """A deep plain ReLU stack left to PyTorch's default init (kaiming_uniform_ with a=√5)."""
        initialised: set[tuple[str, str]] | None = None
        for model in _models(project):
            weighted = layer_count(model)
            if weighted is None or weighted < min_layers or model.merges or is_normalised(model):
                continue
            if any(layer.api.startswith("local.") for layer in model.layers):
                continue  # blocks of its own: what they hold is not known here
            if model.kind == "class" and not set(model.bases) <= _PLAIN_BASES:
                continue  # a base class of its own (mmengine's BaseModule, a project's) may initialise it
            graph = graph_of(graphs, model)
            if combines_tensors(graph) or activation_family(model, graph) != "relu":
                continue
            if initialised is None:
                initialised = initialised_models(project)
            if (model.location.path, model.name) in initialised:
                continue
            yield self.diagnostic(
                f"{model.name} stacks {weighted} weighted layers with ReLU, no normalisation and no explicit init: "
                "PyTorch's default (kaiming_uniform_ with a=√5) shrinks the signal at every ReLU layer; initialise "
                "with kaiming_normal_(nonlinearity='relu') or add normalisation",
                model.location,
                severity=Severity.INFO,
            )


_CONSTANT = catalogue.CONSTANT_INITS | {"Tensor.fill_", "Tensor.zero_"}
_PLAIN_BASES = catalogue.MODULE_BASES | {catalogue.SEQUENTIAL}
_XAVIER = frozenset({"torch.nn.init.xavier_uniform_", "torch.nn.init.xavier_normal_", "torch.nn.init.xavier_uniform", "torch.nn.init.xavier_normal"})
_KAIMING = frozenset({"torch.nn.init.kaiming_uniform_", "torch.nn.init.kaiming_normal_", "torch.nn.init.kaiming_uniform", "torch.nn.init.kaiming_normal"})
_SCALED_FOR = {"relu": "tanh-like activations (Glorot & Bengio)", "tanh": "ReLU (He et al.)"}


def _mismatched_init(project: Project, init: InitCall, family: str | None) -> str | None:
    """What to use instead, when the init does not suit the net's activation; None when it does (or it is not known)."""
    call = project.call_at(init.location)
    if call is None:
        return None
    path = call.location.path
    if init.api in _XAVIER and family == "relu":
        if call.argument("gain", 1) is not None:
            return None  # gain=calculate_gain("relu") scales it for ReLU
        return f"{short_name(init.api).replace('xavier', 'kaiming')}(..., nonlinearity='relu') (He et al.)"
    if init.api in _KAIMING and family == "tanh":
        if call.argument("a", 1) is not None:
            return None  # a negative slope set by hand: kaiming_uniform_(w, a=math.sqrt(5)) is PyTorch's own default
        written = call.argument("nonlinearity", 3)
        nonlinearity = project.resolve(written, path) if written is not None else None
        if written is not None and (nonlinearity is None or nonlinearity.value not in ("relu", "leaky_relu")):
            return None  # nonlinearity="tanh" scales it for tanh
        return f"{short_name(init.api).replace('kaiming', 'xavier')} (Glorot & Bengio), or nonlinearity='tanh'"
    return None


def _is_hidden(model: ModelDef, layer: Layer) -> bool:
    """A weighted layer that is not the output layer or named like a residual branch's last projection."""
    return short_name(layer.api) in catalogue.WEIGHTED_LAYERS and not _is_output_or_projection(model, layer.attribute)


_NORM_NAME = re.compile(r"(^|[._])(norm|bn|ln|gn)\d*($|[._])", re.IGNORECASE)
_OUTPUT_NAMES = ("head", "out", "classifier", "proj", "last", "final", "logit", "zero", "gate", "modulation", "adaln", "fc_o")


def _is_output_or_projection(model: ModelDef, attribute: str) -> bool:
    """The output layer, or a layer named like a residual branch's last projection (Fixup, ReZero, adaLN-Zero)."""
    if any(word in attribute.lower() for word in _OUTPUT_NAMES):
        return True
    weighted = [layer for layer in model.layers if short_name(layer.api) in catalogue.WEIGHTED_LAYERS]
    return bool(weighted) and weighted[-1].attribute == attribute


class NoNormalization(Rule):
    code = "HP212"
    name = "no-normalization"
    severity = Severity.INFO
    summary = "a CNN with at least min-layers conv layers and no normalisation"
    options = {"min-layers": 6}

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for model in _models(project):
            convs = layer_count(model, catalogue.CONV_LAYERS)
            if convs is None or convs < options["min-layers"]:
                continue
            if layer_count(model, catalogue.NORM_LAYERS) or any(op.op in catalogue.NORM_FUNCTIONS for op in model.forward):
                continue
            if any(_NORM_NAME.search(layer.attribute) for layer in model.layers):
                continue  # a norm layer built from a parameter (norm_layer(dim)) is still a norm
            yield self.diagnostic(
                f"{model.name} has {convs} conv layers and no BatchNorm/GroupNorm/LayerNorm: deep CNNs train "
                "faster and more stably with a normalisation after each conv",
                model.location,
            )


class NoResidual(Rule):
    code = "HP213"
    name = "no-residual"
    severity = Severity.INFO
    summary = "a plain stack of at least min-layers weighted layers with no skip connection"
    options = {"min-layers": 12}

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for model in _models(project):
            weighted = layer_count(model, catalogue.LINEAR_LAYERS | catalogue.CONV_LAYERS)
            if weighted is None or weighted < options["min-layers"] or model.merges:
                continue
            yield self.diagnostic(
                f"{model.name} is a plain stack of {weighted} weighted layers with no skip connection; "
                "past a dozen layers, residual connections make the difference between training and not",
                model.location,
            )
