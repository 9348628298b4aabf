"""What a model's layers do, read from its facts: the chains forward applies them in, the activations
between them, and which layers an init call reaches. Shared by the model-structure rules (HP203,
HP204, HP209, HP211); no rule lives here.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from hplint import catalogue
from hplint.facts import ForwardGraph, InitApplied, InitCall, Layer, ModelDef, ModelRef
from hplint.project import Project
from hplint.project.models import model_def

# Steps that combine two tensors (ForwardStep ops): a skip connection, a gate, attention.
COMBINING = frozenset({"add", "mul", "cat", "matmul"})
RELU_FAMILY = frozenset({"relu", "relu6", "leaky_relu", "prelu", "rrelu"})
SATURATING = frozenset({"sigmoid", "tanh"})
# torch.nn activation classes by the name of the function they apply.
_MODULE_ACTIVATIONS = {
    "ReLU": "relu", "ReLU6": "relu6", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "RReLU": "rrelu",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "ELU": "elu", "SELU": "selu", "CELU": "celu", "GELU": "gelu",
    "SiLU": "silu", "Mish": "mish", "Softplus": "softplus", "Hardtanh": "hardtanh", "Hardswish": "hardswish",
    "Hardsigmoid": "hardsigmoid",
}
_FUNCTIONAL_ACTIVATIONS = frozenset(_MODULE_ACTIVATIONS.values()) | {"relu_", "sigmoid_", "tanh_"}
_WEIGHTED = catalogue.LINEAR_LAYERS | catalogue.CONV_LAYERS
_NORM_NAME = re.compile(r"(^|[._])(norm|bn|ln|gn)\d*($|[._])", re.IGNORECASE)


def short_name(api: str) -> str:
    return api.rpartition(".")[2]


def forward_graphs(project: Project) -> dict[tuple[str, str], ForwardGraph]:
    """Each model class's forward graph, by (file, class name)."""
    return {(path, graph.model): graph for path, graph in project.all_of(ForwardGraph)}


def graph_of(graphs: dict[tuple[str, str], ForwardGraph], model: ModelDef) -> ForwardGraph | None:
    return graphs.get((model.location.path, model.name)) if model.kind == "class" else None


def layers_under(model: ModelDef, attribute: str) -> list[Layer]:
    """The layers an attribute holds: itself, or the elements of an nn.Sequential / ModuleList."""
    return [layer for layer in model.layers if layer.attribute == attribute or layer.attribute.startswith(attribute + ".")]


def combines_tensors(graph: ForwardGraph | None) -> bool:
    """Forward, or a method it calls, adds, multiplies, concatenates or matrix-multiplies tensors."""
    return graph is not None and any(step.op in COMBINING for step in graph.steps)


def layer_count(model: ModelDef, kinds: frozenset[str] = _WEIGHTED) -> int | None:
    """How many layers of these kinds (default: Linear and convolution) the model builds; None when a loop
    hides the count."""
    total = 0
    for layer in model.layers:
        if short_name(layer.api) in kinds:
            if layer.count == 0:
                return None
            total += layer.count
    return total


def is_normalised(model: ModelDef) -> bool:
    """A BatchNorm/GroupNorm/LayerNorm layer, a normalising function in forward, or a norm layer built from a parameter."""
    return (
        any(short_name(layer.api) in catalogue.NORM_LAYERS or _NORM_NAME.search(layer.attribute) for layer in model.layers)
        or any(op.op in catalogue.NORM_FUNCTIONS for op in model.forward)
    )


# ---------------------------------------------------------------- chains of Linear layers


def _step_layers(model: ModelDef, op: str) -> list[Layer] | None:
    """The layers a `layer:`/`each:`/`one:` step applies; None for any other step."""
    kind, _, attribute = op.partition(":")
    return layers_under(model, attribute) if kind in ("layer", "each", "one") else None


def _linears_applied(model: ModelDef, op: str) -> int | None:
    """How many Linear layers one forward step applies in a row; None when a loop hides the count."""
    layers = _step_layers(model, op)
    if layers is None:
        return 1 if op == "linear" else 0
    linears = [layer for layer in layers if short_name(layer.api) in catalogue.LINEAR_LAYERS]
    if any(layer.count == 0 for layer in linears):
        return None
    if not op.startswith("one:"):
        return sum(layer.count for layer in linears)
    # one element of a ModuleList, in a comprehension: one Linear, unless its elements are blocks of several
    attribute = op.partition(":")[2]
    if any(layer.attribute.count(".") > attribute.count(".") + 1 for layer in linears):
        return None
    return min(len(linears), 1)


def linear_chain(model: ModelDef, graph: ForwardGraph | None) -> int | None:
    """The most Linear layers applied one after another: along forward for a class, all of an nn.Sequential;
    None when forward is not known or a loop hides a count."""
    if model.kind == "sequential":
        return _count_linears(model)
    if graph is None:
        return None
    longest: list[int] = []
    for step in graph.steps:
        own = _linears_applied(model, step.op)
        if own is None:
            return None
        longest.append(own + max((longest[index] for index in step.inputs), default=0))
    return max(longest, default=0)


def _count_linears(model: ModelDef) -> int | None:
    linears = [layer for layer in model.layers if short_name(layer.api) in catalogue.LINEAR_LAYERS]
    return None if any(layer.count == 0 for layer in linears) else sum(layer.count for layer in linears)


def linears_in_order(model: ModelDef, graph: ForwardGraph | None) -> list[Layer]:
    """The model's Linear layers in the order forward applies them (as built where forward does not say)."""
    linears = [layer for layer in model.layers if short_name(layer.api) in catalogue.LINEAR_LAYERS]
    if graph is None:
        return linears
    applied: list[Layer] = []
    for step in graph.steps:
        for layer in _step_layers(model, step.op) or ():
            if layer in linears and layer not in applied:
                applied.append(layer)
    return applied + [layer for layer in linears if layer not in applied]


def first_linear_is_hidden(model: ModelDef, graph: ForwardGraph | None) -> bool:
    """The first Linear forward applies feeds another one (it is not an output head beside others)."""
    if graph is None:
        return True  # as built: the first of at least two
    for index, step in enumerate(graph.steps):
        linears = _linears_applied(model, step.op)
        if not linears:
            continue
        return linears > 1 or any(_linears_applied(model, graph.steps[later].op) for later in _descendants(graph, index))
    return False


def _descendants(graph: ForwardGraph, index: int) -> set[int]:
    found = {index}
    for later in range(index + 1, len(graph.steps)):
        if found.intersection(graph.steps[later].inputs):
            found.add(later)
    found.discard(index)
    return found


# ---------------------------------------------------------------- activations between layers


def hidden_activations(model: ModelDef, graph: ForwardGraph | None) -> set[str] | None:
    """The activations whose output reaches a weighted layer (relu, tanh, ...); None when forward is not known."""
    if model.kind == "sequential":
        return _activations_before_weighted(list(model.layers))
    if graph is None:
        return None
    feeds_weighted = _feeds_weighted(model, graph)
    found: set[str] = set()
    for index, step in enumerate(graph.steps):
        layers = _step_layers(model, step.op)
        if layers is None:
            if step.op in _FUNCTIONAL_ACTIVATIONS and feeds_weighted[index]:
                found.add(step.op.rstrip("_"))
            continue
        found |= _activations_before_weighted(layers, trailing=feeds_weighted[index])
    return found


def _activations_before_weighted(layers: list[Layer], trailing: bool = False) -> set[str]:
    """Activation modules of a stack followed by a weighted layer of it (or by whatever follows, when `trailing`)."""
    found: set[str] = set()
    pending: set[str] = set()
    for layer in layers:
        kind = short_name(layer.api)
        if kind in _WEIGHTED:
            found |= pending
            pending = set()
        elif kind in _MODULE_ACTIVATIONS:
            pending.add(_MODULE_ACTIVATIONS[kind])
    return found | pending if trailing else found


def _feeds_weighted(model: ModelDef, graph: ForwardGraph) -> list[bool]:
    """Per step: whether its result reaches a weighted layer further on."""
    feeds = [False] * len(graph.steps)
    for index in range(len(graph.steps) - 1, -1, -1):
        step = graph.steps[index]
        layers = _step_layers(model, step.op)
        weighted = step.op in ("linear", "conv1d", "conv2d", "conv3d") or any(
            short_name(layer.api) in _WEIGHTED for layer in layers or ()
        )
        if weighted or feeds[index]:
            for earlier in step.inputs:
                feeds[earlier] = True
    return feeds


def activation_family(model: ModelDef, graph: ForwardGraph | None) -> str | None:
    """relu when every hidden activation is ReLU-like, tanh when every one is tanh or sigmoid; None otherwise."""
    hidden = hidden_activations(model, graph)
    if not hidden:
        return None
    if hidden <= RELU_FAMILY:
        return "relu"
    if hidden <= SATURATING:
        return "tanh"
    return None


# ---------------------------------------------------------------- what an init call reaches


def init_reach(project: Project, init: InitCall, path: str, applied: list[tuple[str, InitApplied]]) -> Iterator[tuple[ModelDef, list[Layer]]]:
    """Each model an init call reaches, with the layers of it the call sets."""
    if init.via == "attribute":
        model = _model(project, init.model, path)
        layer = next((layer for layer in model.layers if layer.attribute == init.layer), None) if model else None
        if model is not None and layer is not None:
            yield model, [layer]
        return
    if init.guard == "unknown":
        return
    if init.via == "modules":
        models = [_model(project, init.model, path)]
    elif init.via == "parameter":
        models = [
            _model(project, apply.model, apply_path)
            for apply_path, apply in applied
            if _applies(apply, apply_path, init.scope, path)
        ]
    else:
        return
    seen: set[tuple[str, str]] = set()
    for model in models:
        if model is None or (model.location.path, model.name) in seen:
            continue
        seen.add((model.location.path, model.name))
        yield model, [layer for layer in model.layers if _admitted(init, short_name(layer.api))]


def _applies(apply: InitApplied, apply_path: str, function: str, path: str) -> bool:
    """`model.apply(init_weights)` applies the function `function` of `path`: in the same file, or imported."""
    if apply_path == path:
        return apply.function == function
    module, _, name = apply.function.rpartition(".")
    stem = path.rpartition("/")[2].removesuffix(".py")
    return name == function and module.rpartition(".")[2] == stem


def _admitted(init: InitCall, kind: str) -> bool:
    if init.guard == "none":
        return True
    return any(kind == wanted or ("*" in wanted and fnmatch.fnmatchcase(kind, wanted)) for wanted in init.kinds)


def _model(project: Project, ref: ModelRef | None, path: str) -> ModelDef | None:
    return model_def(project.index, ref, path) if ref is not None else None


def initialised_models(project: Project) -> set[tuple[str, str]]:
    """(file, name) of every model an init call or an applied init function touches, or whose methods init something."""
    applied = list(project.all_of(InitApplied))
    touched: set[tuple[str, str]] = set()
    for path, apply in applied:
        model = _model(project, apply.model, path)
        if model is not None:
            touched.add((model.location.path, model.name))
    for path, init in project.all_of(InitCall):
        for part in init.scope.split("."):
            touched.add((path, part))  # an init written in a method of the class
        for model, _ in init_reach(project, init, path, applied):
            touched.add((model.location.path, model.name))
        if init.model is not None:
            model = _model(project, init.model, path)
            if model is not None:
                touched.add((model.location.path, model.name))
    return touched
