"""What the walk remembers: scopes, bindings, what names mean, the class being read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import libcst as cst

from hplint.facts import Expr, Layer, Location, ModelRef, Parameter


@dataclass(frozen=True)
class ModelMeaning:
    """A model instance."""

    ref: ModelRef


@dataclass(frozen=True)
class OutputMeaning:
    """The output of calling a model."""

    ref: ModelRef


@dataclass(frozen=True)
class ParameterOutputMeaning:
    """The output of calling a function's parameter: a model passed in, found at the call sites."""

    parameter: Parameter


@dataclass(frozen=True)
class ClassMeaning:
    """A class defined in this file: calling it builds an instance (a model, if it is one)."""

    ref: ModelRef


@dataclass(frozen=True)
class ApiMeaning:
    """The result of calling a known library API (a loss, an optimizer, a Trainer...)."""

    api: str


@dataclass(frozen=True)
class FunctionMeaning:
    """A module-level function of this file."""

    name: str


Meaning = Union[ModelMeaning, OutputMeaning, ParameterOutputMeaning, ClassMeaning, ApiMeaning, FunctionMeaning, None]


@dataclass
class Binding:
    expr: Expr
    meaning: Meaning
    blocks: tuple[int, ...]  # the conditional blocks the binding sits in
    op: str = "other"  # the last operation the bound value applies (see ModelStructure.output_op)
    source: Optional[cst.BaseExpression] = None  # the expression assigned, while the walk is in this file


@dataclass
class Scope:
    kind: str  # module | class | function
    name: str
    qualname: str
    imports: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    layer_lists: dict[str, list[Layer]] = field(default_factory=dict)  # layers = []; layers.append(nn.Linear(...))


@dataclass
class FunctionContext:
    """Control-flow context of the function being read (or of the module body)."""

    qualname: str
    module_level: bool  # a function defined at module level (its parameters come from call sites)
    blocks: list[int] = field(default_factory=list)
    loops: list[str] = field(default_factory=list)
    loop_counts: list[int] = field(default_factory=list)  # how often each enclosing loop runs, 0 if unknown
    no_grad: int = 0  # depth of torch.no_grad()/inference_mode() blocks, 1 for a decorated function
    returns: list[Expr] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # tests of the enclosing `if` statements


@dataclass
class ClassInfo:
    name: str
    location: Location
    bases: tuple[str, ...]
    attributes: dict[str, Binding] = field(default_factory=dict)  # self.x = ... in methods
    layers: list[Layer] = field(default_factory=list)
    returns: list[tuple[str, Location, str, str]] = field(default_factory=list)  # forward's returns: op, where, input layer, form
    applied: list[tuple[str, Location]] = field(default_factory=list)  # ops forward applies, in order
    merges: bool = False
    gates: bool = False


def dotted(node: Optional[cst.BaseExpression]) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return "?"


def is_self_attribute(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"
