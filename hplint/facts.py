"""The fact model: what extraction produces and what the project and the rules consume.

Facts are small frozen dataclasses of plain data. Each one carries where it was written.
Values behind arguments are kept as unresolved expressions (`Expr`) at extraction time,
because resolving them may need other files; `hplint.project` turns them into `Value`s
with the chain they were reached through.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from typing import Any, Union

from hplint.location import Location
from hplint.suppression import Suppression

Scalar = Union[int, float, str, bool, None]


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Const:
    """A literal written in the source."""

    value: Scalar
    location: Location


@dataclass(frozen=True, slots=True)
class Name:
    """A module-level name of the file; resolved by the project through its bindings."""

    name: str
    location: Location


@dataclass(frozen=True, slots=True)
class Local:
    """A function-local name whose single visible binding is `expr`."""

    name: str
    expr: "Expr"
    location: Location  # where the name is bound


@dataclass(frozen=True, slots=True)
class Arith:
    """Arithmetic over sub-expressions: op is one of + - * / // ** neg."""

    op: str
    operands: tuple["Expr", ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value no reader could know statically (environment, call result, loop, branches)."""

    reason: str
    location: Location


@dataclass(frozen=True, slots=True)
class Lookup:
    """`base.key`, `base["key"]` or `base.get("key", default)` on a dict, config, args or module."""

    base: "Expr"
    key: str
    text: str  # the lookup as written, for the chain: args.lr, cfg["optim"]["lr"]
    default: "Expr | None"
    location: Location


@dataclass(frozen=True, slots=True)
class DictLiteral:
    """`{"lr": 0.1}` or `dict(lr=0.1)` with string keys."""

    items: tuple[tuple[str, "Expr"], ...]
    location: Location


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A config the code loads: yaml.safe_load(open(path)), OmegaConf.load, json.load, @hydra.main."""

    path: "Expr"  # relative to the loading file's folder or a folder above it
    location: Location


@dataclass(frozen=True, slots=True)
class ParsedArgs:
    """The namespace `parser.parse_args()` returns, in the file that parses."""

    location: Location


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter of a module-level function: its value comes from the visible call sites."""

    function: str
    name: str
    position: int  # index among positional parameters; -1 for keyword-only
    default: "Expr | None"
    location: Location


@dataclass(frozen=True, slots=True)
class CallResult:
    """What a module-level function of the project returns: `args = parse_args()`."""

    function: str  # as resolved in the calling file: local name or dotted import
    location: Location


Expr = Union[Const, Name, Local, Arith, Unknown, Lookup, DictLiteral, ConfigFile, ParsedArgs, Parameter, CallResult]


# ---------------------------------------------------------------- resolved values


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of the chain a value was reached through."""

    description: str
    location: Location


@dataclass(frozen=True, slots=True)
class Value:
    value: Scalar
    origin: Location  # where the value is written
    chain: tuple[Hop, ...]  # from the use back to the origin; empty when used where written

    def provenance(self) -> str:
        """`train.py:12 via BATCH_SIZE`: empty when the value is written where it is used."""
        if not self.chain:
            return ""
        names = " ← ".join(hop.description for hop in self.chain)
        return f"{self.origin} via {names}"


# ---------------------------------------------------------------- per-file facts


@dataclass(frozen=True, slots=True)
class ParseError:
    language: str  # python | yaml | toml | json
    message: str
    location: Location
    templated: bool  # the text is a template ({{ }}, {% %}), not meant to parse as-is


@dataclass(frozen=True, slots=True)
class Import:
    """`local` names the module or object `qualified` in this file's module scope."""

    local: str
    qualified: str
    location: Location


@dataclass(frozen=True, slots=True)
class ModuleImport:
    """A module an import statement anywhere in the file loads: `import a.b` -> a.b, `from .m import f` -> .m.f.

    `from a import f` is written as a.f: the project takes it as the module a.f when that is a
    file, else as a.
    """

    module: str
    location: Location


@dataclass(frozen=True, slots=True)
class BaseImport:
    """A config module a Python config inherits from: `from .._base_.models.resnet import *` under `with read_base():`."""

    module: str
    location: Location


@dataclass(frozen=True, slots=True)
class ConfigUpdate:
    """A module-level change to a config object: `train.max_iter = 90000` (replace) or `model.update(...)` (merge)."""

    target: str  # dotted: train.max_iter
    expr: Expr
    merge: bool
    location: Location


@dataclass(frozen=True, slots=True)
class ConfigPackage:
    """Hydra's `# @package _global_` header: where a config file's keys go in the composed config."""

    package: str
    location: Location


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """The file can be run as a program: `if __name__ == "__main__":` (main) or `@hydra.main` (hydra)."""

    kind: str
    location: Location
    config: "ConfigFile | None"  # the primary config `@hydra.main` composes


@dataclass(frozen=True, slots=True)
class Binding:
    """A module-level assignment `name = expr` (Unknown when assigned more than once)."""

    name: str
    expr: Expr
    location: Location


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a known library API (torch, lightning, transformers, ...)."""

    api: str  # qualified name, e.g. torch.utils.data.DataLoader
    location: Location
    args: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...]
    target: str | None  # the name the result is bound to, or the function returning it
    scope: str  # qualified name of the enclosing function or class, "" at module level

    def argument(self, keyword: str, position: int | None = None) -> Expr | None:
        for name, expr in self.keywords:
            if name == keyword:
                return expr
        if position is not None and position < len(self.args):
            return self.args[position]
        return None


@dataclass(frozen=True, slots=True)
class OutputOp:
    """The last operation applied to a model's output on one return path."""

    op: str  # softmax | sigmoid | log_softmax | relu | ... | a layer class name | other
    location: Location
    source: str = ""  # the layer attribute whose output it takes (`fc` in softmax(self.fc(x)); `net.*`: net's last)
    # How the activation is written, for an edit that removes or renames it: `function` (F.softmax(x, dim=1),
    # torch.sigmoid(x)), `call` (a bare imported softmax(x), nn.Softmax(dim=1)(x)), `method` (x.softmax(1)),
    # `layer` (self.softmax(x) with self.softmax an activation layer); "" otherwise (a name bound earlier, a
    # reshape after it, the last layer of an nn.Sequential, which the model's layers locate).
    form: str = ""


SUBMODEL = "model:"  # the op of a submodule that is a model of the project: `model:backbone:ResNetBody`


def submodel_op(ref: ModelRef) -> str:
    return f"{SUBMODEL}{ref.module or ''}:{ref.name}"


@dataclass(frozen=True, slots=True)
class ModelDef:
    """An nn.Module subclass or an nn.Sequential built in the file."""

    name: str  # class name, or nn.Sequential@line:col
    kind: str  # class | sequential
    location: Location
    bases: tuple[str, ...]
    outputs: tuple[OutputOp, ...]  # one per return path of forward (empty when unknown)
    layers: tuple[Layer, ...]  # built in __init__ (for nn.Sequential: its elements)
    forward: tuple[OutputOp, ...]  # operations forward applies, in order
    merges: bool  # forward adds or concatenates tensors (a skip connection is possible)
    gates: bool  # forward multiplies tensors (a sigmoid/tanh may be a gate)


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A reference to a ModelDef: module is None for this file, else a dotted import path."""

    module: str | None
    name: str


@dataclass(frozen=True, slots=True)
class LossInput:
    """The output of `model` goes into the loss `loss` (a qualified API name).

    A model passed in (`def train(model, loader): loss_fn(model(x), y)`) is named by `via`, the parameter
    the project follows to its call sites; `model` is then None.
    """

    loss: str
    model: ModelRef | None
    location: Location  # the loss call
    via: "Expr | None"


@dataclass(frozen=True, slots=True)
class Operation:
    """A training-loop operation, in the order written, with the context it runs in.

    kind: backward | optimizer_step | scheduler_step | zero_grad | model_zero_grad | grad_cleared |
    train_mode | eval_mode | loop | fit | trainer_train | save | lr_assignment | calls (a function
    of the project).
    """

    kind: str
    subject: str  # the variable it acts on, the loop's iterable, or the called function
    location: Location
    scope: str  # qualified name of the enclosing function, "" at module level
    loops: tuple[str, ...]  # iterables of the enclosing for-loops, outermost first
    no_grad: bool  # inside torch.no_grad()/inference_mode() (a with-block or a decorator)
    condition: str  # the test of the innermost enclosing `if`, "" when none
    value: "Expr | None"  # a loop over range(n): how many times it runs; a forward: the model called
    target: str  # for a loop: its variable(s)


@dataclass(frozen=True, slots=True)
class OptimizerParams:
    """What an optimizer is built over: `model.parameters()` (parameters of subject), `[x[:, 0], x[:, 1]]`
    (slices of subject), `[torch.zeros(3)]` (new tensors), `[target]` (tensors bound to names), or other."""

    kind: str  # parameters | slices | new_tensors | tensors | other
    subject: str  # the name the parameters or slices are taken from; the tensors as written
    location: Location  # the optimizer call


@dataclass(frozen=True, slots=True)
class ArgumentDef:
    """`parser.add_argument("--lr", type=float, default=0.1)`."""

    dest: str
    flag: str  # the option as written: --lr
    default: "Expr | None"
    value_type: str | None  # int | float | str | bool, from type= or action=
    location: Location


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A call of a function that may be the project's own, with its arguments."""

    function: str  # local name, or dotted import path
    args: tuple["Expr", ...]
    keywords: tuple[tuple[str, "Expr"], ...]
    location: Location


@dataclass(frozen=True, slots=True)
class FunctionReturn:
    """The value a module-level function returns, when it has exactly one return."""

    function: str
    expr: "Expr"
    location: Location


@dataclass(frozen=True, slots=True)
class Layer:
    """A layer an nn.Module builds in __init__ (count > 1 for a ModuleList of known length)."""

    attribute: str
    api: str
    location: Location
    count: int


@dataclass(frozen=True, slots=True)
class ForwardStep:
    """One operation of a model's forward pass, and the earlier steps whose results it reads.

    op: `layer:<attribute>` (a layer of the model; an nn.Sequential attribute applies all its
    elements), `each:<attribute>` (a loop applying every element of a ModuleList or Sequential in
    turn), `one:<attribute>` (one element of it: in a comprehension, `self.layers[i](x)`),
    `module:?` (a module whose layers are not known: `self.body(x)` for a body built by a
    function, `block(x)` for a block taken from a list), an activation (relu, sigmoid, tanh,
    ...), a functional op (linear, dropout, ...), matmul (`@`, matmul, mm, bmm, einsum), mul,
    add or cat (tensors combined).
    """

    op: str
    inputs: tuple[int, ...]  # indices of earlier steps of the same pass; () when it reads only the inputs
    location: Location


@dataclass(frozen=True, slots=True)
class ForwardGraph:
    """What a model class's forward applies to its inputs, followed into the methods of the class it calls."""

    model: str  # the class name, as in its ModelDef
    steps: tuple[ForwardStep, ...]  # in the order written
    outputs: tuple[int, ...]  # the steps whose results forward returns
    methods: tuple[str, ...]  # the methods of the class forward calls, followed into: encode, decode
    location: Location  # forward's name


@dataclass(frozen=True, slots=True)
class InitCall:
    """A call that initialises a tensor in place: `nn.init.xavier_uniform_(m.weight)`, `m.weight.data.fill_(0)`.

    Which layer it reaches: `self.fc1.weight` (layer fc1 of model), the loop variable over
    `model.modules()` (via "modules", model), or the parameter of an init function (via
    "parameter"; `InitApplied` says which model applies the function). `kinds` are the layer
    classes an isinstance()/type() test around the call admits ("*Conv*" for
    `classname.find("Conv") != -1`), when `guard` is "kinds"; "none" when no test names a
    class, "unknown" when one does but hplint cannot tell which (an else branch).
    """

    api: str  # torch.nn.init.zeros_, or Tensor.fill_ for a tensor method
    target: str  # the tensor as written: self.fc1.weight, m.weight.data
    tensor: str  # weight, bias, or the parameter's name (weight_ih_l0)
    layer: str  # the attribute for self.<layer>.weight; "" otherwise
    via: str  # attribute | modules | parameter | other
    model: ModelRef | None  # the model it reaches, when the call names it (self, model.modules())
    guard: str  # none | kinds | unknown
    kinds: tuple[str, ...]
    scope: str  # qualified name of the enclosing function
    location: Location


@dataclass(frozen=True, slots=True)
class InitApplied:
    """`model.apply(init_weights)`: an init function applied to every submodule of a model."""

    function: str  # as the calling file names it: init_weights, Net._init_weights, utils.init_weights
    model: ModelRef | None
    location: Location


@dataclass(frozen=True, slots=True)
class ConfigEntry:
    """A scalar leaf of a config file, under its key path."""

    keys: tuple[str, ...]
    value: Const  # position of the value (on the line of its key)
    document: int  # index of the YAML document; 0 elsewhere


@dataclass(frozen=True, slots=True)
class LaunchArgument:
    """One argument of a launch line: `--lr 0.3` (name --lr), `optim.lr=0.3`, or a positional word (name "")."""

    name: str
    value: Const  # where the value is written: on the line, or where the shell variable it names is set
    variable: str  # `$LR` when the value came through a shell or Makefile variable, else ""


@dataclass(frozen=True, slots=True)
class LaunchCommand:
    """A launch of a training script from a shell script or Makefile, with its arguments."""

    script: str  # as written: a path relative to `folder`, or a dotted module for `python -m`
    module: bool  # launched as `python -m script`
    folder: str  # where the line runs, relative to the launching file's folder: `cd b && python ...` -> b
    arguments: tuple[LaunchArgument, ...]  # after the script: the script's own
    options: tuple[LaunchArgument, ...]  # before the script: the launcher's (--config_file, --nproc_per_node)
    devices: Const | None  # --nproc_per_node / --num_processes / --num_gpus
    location: Location  # the script name on the command line


Fact = Union[
    ParseError, Import, ModuleImport, BaseImport, ConfigUpdate, ConfigPackage, EntryPoint, Binding, Call, ModelDef, LossInput, Operation, ConfigEntry, ArgumentDef,
    FunctionCall, FunctionReturn, LaunchCommand, OptimizerParams, ForwardGraph, InitCall, InitApplied,
]


@dataclass(frozen=True, slots=True)
class FileFacts:
    path: str
    language: str  # python | yaml | toml | json
    facts: tuple[Fact, ...]
    suppressions: tuple[Suppression, ...]

    def of_type(self, kind: type) -> list[Any]:
        return [fact for fact in self.facts if isinstance(fact, kind)]


# ---------------------------------------------------------------- serialization

_FACT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Location, Const, Name, Local, Arith, Unknown, Lookup, DictLiteral, ConfigFile, ParsedArgs,
        Parameter, CallResult, Hop, Value, ParseError, Import, ModuleImport, BaseImport, ConfigUpdate, ConfigPackage,
        EntryPoint, Binding, Call, OutputOp, ModelDef,
        ModelRef, LossInput, Operation, OptimizerParams, ArgumentDef, FunctionCall, FunctionReturn, Layer,
        ForwardStep, ForwardGraph, InitCall, InitApplied, ConfigEntry, LaunchArgument, LaunchCommand, Suppression, FileFacts,
    )
}


def to_json(obj: Any) -> Any:
    """Plain JSON data for any fact; each dataclass gets a "type" tag."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        data = {"type": type(obj).__name__}
        for field in dataclasses.fields(obj):
            data[field.name] = to_json(getattr(obj, field.name))
        return data
    if isinstance(obj, (list, tuple)):
        return [to_json(item) for item in obj]
    return obj


_FIELDS = {cls: tuple(field.name for field in dataclasses.fields(cls)) for cls in _FACT_TYPES.values()}


def dumps_file(facts: FileFacts) -> str:
    """A file's facts as compact JSON for the cache.

    Each fact is an array, its type's name then its fields in order; a location in the file
    itself is [line, column, end line, end column], then cell and cell offset in a notebook.
    Decoding is driven by the field types.
    """
    return json.dumps(_compact(facts, facts.path), separators=(",", ":"))


def _compact(obj: Any, path: str) -> Any:
    kind = type(obj)
    if kind is Location:
        cell = [obj.cell, obj.cell_offset] if obj.cell else []  # only a notebook's locations carry a cell
        if obj.path == path:
            return [obj.line, obj.column, obj.end_line, obj.end_column, *cell]
        return ["Location", obj.path, obj.line, obj.column, obj.end_line, obj.end_column, *cell]
    fields = _FIELDS.get(kind)
    if fields is not None:
        return [kind.__name__, *[_compact(getattr(obj, name), path) for name in fields]]
    if kind is tuple or kind is list:
        return [_compact(item, path) for item in obj]
    return obj


def loads_file(text: str, path: str) -> Any:
    """Inverse of dumps_file: the C decoder, then one generated function per fact type."""
    data = json.loads(text)
    return _decoders()[data[0]](data, path)


def _decode_fact(data: Any, path: str) -> Any:
    return None if data is None else _decoders()[data[0]](data, path)


def _decode_location(data: list[Any], path: str) -> Location:
    return Location(path, *data) if type(data[0]) is int else Location(*data[1:])


def _field_decoder(annotation: str, value: str) -> str:
    """The expression that rebuilds a field of this (string) annotation from `value`."""
    annotation = annotation.replace("'", "").replace('"', "")
    if annotation == "Location":
        return f"_decode_location({value}, path)"
    if annotation in ("str", "int", "bool", "str | None"):
        return value
    if annotation == "Scalar":
        return f"(tuple({value}) if type({value}) is list else {value})"
    if annotation in ("tuple[str, ...]", "tuple[int, ...]"):
        return f"tuple({value})"
    if annotation.startswith("tuple[tuple[str, "):
        return f"tuple([(key, _decode_fact(item, path)) for key, item in {value}])"
    if annotation.startswith("tuple["):
        return f"tuple([_decode_fact(item, path) for item in {value}])"
    return f"_decode_fact({value}, path)"  # a fact, or a union of facts, possibly None


@functools.cache
def _decoders() -> dict[str, Any]:
    """Built on first use: runs that decode nothing (a run snapshot was enough) skip the generation."""
    # Generated like dataclasses' own __init__: one flat call per type rebuilds a fact several
    # times faster than a loop over its fields, and warm runs decode every fact of a project.
    namespace: dict[str, Any] = {
        "_decode_fact": _decode_fact, "_decode_location": _decode_location, **_FACT_TYPES,
    }
    lines = []
    for name, cls in _FACT_TYPES.items():
        fields = ", ".join(
            _field_decoder(str(field.type), f"data[{index}]")
            for index, field in enumerate(dataclasses.fields(cls), start=1)
        )
        lines.append(f"def decode_{name}(data, path):\n    return {name}({fields})\n")
    exec("".join(lines), namespace)  # noqa: S102 - our own generated source, no user input
    return {name: namespace[f"decode_{name}"] for name in _FACT_TYPES}


def from_json(data: Any) -> Any:
    """Inverse of to_json: lists become tuples, tagged dicts become their dataclass."""
    if isinstance(data, list):
        return tuple(from_json(item) for item in data)
    if isinstance(data, dict) and "type" in data:
        cls = _FACT_TYPES[data["type"]]
        return cls(**{key: from_json(value) for key, value in data.items() if key != "type"})
    return data
