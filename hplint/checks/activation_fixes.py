"""The edits HP201 and HP214 offer: remove, or rename, the activation a model's output ends with.

Only where the activation is written as one thing an edit can take out or rename (OutputOp.form,
or the last layer of an nn.Sequential); a softmax bound to a name earlier, or followed by a
reshape, gets no fix. Every fix here changes what the model returns, so each is unsafe.
"""

from __future__ import annotations

from hplint import catalogue
from hplint.diagnostics import UNSAFE, Fix
from hplint.facts import Layer, ModelDef, OutputOp
from hplint.project import Project

# The layer class of each activation, for renaming the last layer of an nn.Sequential.
_LAYER_CLASS = {"softmax": "Softmax", "log_softmax": "LogSoftmax"}


def removal(project: Project, output: OutputOp, title: str) -> Fix | None:
    """Take the activation out: `F.softmax(x, dim=1)` -> `x`, `x.softmax(1)` -> `x`, `self.softmax(x)` -> `x`,
    or the activation layer out of the nn.Sequential whose last layer it is."""
    if output.form in ("function", "call", "layer"):
        return Fix(UNSAFE, title, "unwrap-call", output.location)
    if output.form == "method":
        return Fix(UNSAFE, title, "unwrap-method", output.location)
    layer = _last_sequential_layer(project, output)
    return Fix(UNSAFE, title, "drop-argument", layer.location) if layer is not None else None


def renaming(project: Project, output: OutputOp, new_op: str, title: str) -> Fix | None:
    """Another activation in its place: `F.softmax` -> `F.log_softmax`, `x.softmax(1)` -> `x.log_softmax(1)`,
    `nn.Softmax(dim=1)` -> `nn.LogSoftmax(dim=1)` as the last layer of an nn.Sequential. A layer built in
    `__init__` under a name of its own (`self.softmax`) is not renamed: the name would then say otherwise."""
    if output.form in ("function", "method"):
        return Fix(UNSAFE, title, "rename-call", output.location, (output.op, new_op))
    if output.form:
        return None
    layer = _last_sequential_layer(project, output)
    if layer is None or output.op not in _LAYER_CLASS or new_op not in _LAYER_CLASS:
        return None
    return Fix(UNSAFE, title, "rename-call", layer.location, (_LAYER_CLASS[output.op], _LAYER_CLASS[new_op]))


def _last_sequential_layer(project: Project, output: OutputOp) -> Layer | None:
    """The activation layer an output comes from when it is the last of two or more layers of an nn.Sequential
    (`self.head = nn.Sequential(nn.Linear(64, 10), nn.Softmax(dim=1))`, or one built at module level)."""
    if not output.source.endswith("*"):
        return None
    owner = _owner(project, output)
    if owner is None:
        return None
    prefix = output.source[:-1]
    elements = [layer for layer in owner.layers if layer.attribute.startswith(prefix)]
    if not elements:
        return None
    last = elements[-1]
    index = last.attribute[len(prefix):]
    if not index.isdigit() or index == "0" or last.count != 1:
        return None  # nested in another Sequential, alone, or built more than once
    return last if catalogue.ACTIVATION_LAYERS.get(last.api) == output.op else None


def _owner(project: Project, output: OutputOp) -> ModelDef | None:
    """The model whose return path the output is (a submodel's, when the output comes through one)."""
    for model in project.of_type(output.location.path, ModelDef):
        if output in model.outputs:
            return model
    return None
