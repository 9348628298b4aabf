"""What a model's layers do, read from its facts: the chains forward applies them in. Shared by the
model-structure rules (HP203, HP204, HP209); no rule lives here.
"""

from __future__ import annotations

from hplint import catalogue
from hplint.facts import ForwardGraph, Layer, ModelDef
from hplint.project import Project

# Steps that combine two tensors (ForwardStep ops): a skip connection, a gate, attention.
COMBINING = frozenset({"add", "mul", "cat", "matmul"})


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
