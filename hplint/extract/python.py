"""Python source -> facts, in one LibCST parse and one walk.

The walk keeps an import-alias table per scope (so `nn.Linear`, `torch.nn.Linear` and
`from torch.nn import Linear` all resolve to `torch.nn.Linear`), the bindings of each scope
(so a value reached through a local name keeps its chain), and what each name means for
the model (a model instance, its output, a loss). It records what it sees; deciding what
is wrong is left to the rules.
"""

from __future__ import annotations

import ast
import builtins
from itertools import accumulate
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from hplint import catalogue
from hplint.facts import (
    Arith, Binding, Call, Const, Expr, Fact, Import, Local, Location, LossInput, ModelDef,
    ModelRef, Name, OutputOp, ParseError, TrainingStep, Unknown,
)

_BUILTINS = frozenset(dir(builtins))
_ARITH_OPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/",
    cst.FloorDivide: "//", cst.Power: "**",
}


_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"()[]{}")))
_SAFE_BRACKET_DEPTH = 100  # below this (and with short lines) LibCST's native parser is safe
_SAFE_LINE_LENGTH = 2_000  # a longer line may hold a chain of thousands of operators
_MAX_SYNTAX_DEPTH = 400  # deeper trees overflow the native parser's stack or Python's recursion


def extract_python(path: str, source: bytes) -> list[Fact]:
    """All facts of one Python file; a file that does not parse yields one ParseError."""
    screened = _screen_nesting(path, source)
    if screened is not None:
        return screened
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return [_syntax_error(path, source) or ParseError(
            "python", error.message, _point(path, error.raw_line, error.raw_column + 1), templated=False,
        )]
    except (UnicodeDecodeError, LookupError, SyntaxError) as error:
        return [ParseError("python", f"cannot decode the file: {error}", _point(path, 1, 1), templated=False)]
    except RecursionError:
        return []  # valid but too deep to analyse (generated code); nothing to report
    extractor = _PythonExtractor(path)
    try:
        MetadataWrapper(module, unsafe_skip_copy=True).visit(extractor)
    except RecursionError:
        return []
    return extractor.facts


def _point(path: str, line: int, column: int) -> Location:
    return Location(path, line, column, line, column)


def _syntax_error(path: str, source: bytes) -> ParseError | None:
    """CPython's own message and position for a syntax error ("'(' was never closed")."""
    try:
        ast.parse(source)
    except SyntaxError as error:
        line, column = error.lineno or 1, error.offset or 1
        return ParseError("python", error.msg, _point(path, line, column), templated=False)
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _screen_nesting(path: str, source: bytes) -> list[Fact] | None:
    """Keep input that would overflow LibCST's native parser (a crash, not an exception) away from it.

    Cheap on ordinary files: a bracket count and a line length. Only suspicious files pay for an
    `ast.parse`, whose parser reports too-deep input as an error instead of crashing.
    """
    depth = max(accumulate(1 if byte in b"([{" else -1 for byte in source.translate(None, _NOT_BRACKETS)), default=0)
    longest = max((len(line) for line in source.splitlines()), default=0)
    if depth < _SAFE_BRACKET_DEPTH and longest < _SAFE_LINE_LENGTH:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        error = _syntax_error(path, source)
        return [error] if error is not None else []
    except (ValueError, RecursionError, MemoryError):
        return []
    return [] if _deeper_than(tree, _MAX_SYNTAX_DEPTH) else None


def _deeper_than(tree: ast.AST, limit: int) -> bool:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


# ---------------------------------------------------------------- what names mean


@dataclass(frozen=True)
class _ModelMeaning:
    ref: ModelRef


@dataclass(frozen=True)
class _OutputMeaning:
    """The output of calling a model."""

    ref: ModelRef


@dataclass(frozen=True)
class _ClassMeaning:
    """A class defined in this file: calling it builds an instance (a model, if it is one)."""

    ref: ModelRef


@dataclass(frozen=True)
class _ApiMeaning:
    """The result of calling a known library API (a loss, an optimizer, a Trainer...)."""

    api: str


_Meaning = Union[_ModelMeaning, _OutputMeaning, _ClassMeaning, _ApiMeaning, None]


@dataclass
class _Binding:
    expr: Expr
    node: Optional[cst.BaseExpression]
    meaning: _Meaning
    blocks: tuple[int, ...]  # the conditional blocks the binding sits in
    op: str = "other"  # the last operation the bound value applies (see output_op)


@dataclass
class _Scope:
    kind: str  # module | class | function
    name: str
    qualname: str
    imports: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, list[_Binding]] = field(default_factory=dict)


@dataclass
class _ClassInfo:
    name: str
    location: Location
    bases: tuple[str, ...]
    attributes: dict[str, _Binding] = field(default_factory=dict)  # self.x = ... in methods
    returns: list[tuple[str, Location]] = field(default_factory=list)  # ops of forward's returns


class _PythonExtractor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.facts: list[Fact] = []
        self._scopes: list[_Scope] = [_Scope("module", "", "")]
        self._classes: list[_ClassInfo] = []
        self._blocks: list[int] = []
        self._saved_blocks: list[list[int]] = []  # the enclosing function's blocks, per nesting
        self._block_counter = 0
        self._star_imports: list[str] = []
        self._module_assignments: dict[str, list[tuple[Expr, Location, bool]]] = {}
        self._targets: dict[int, str] = {}  # id(call node) -> the name its result is bound to

    # ------------------------------------------------------------ helpers

    def _location(self, node: cst.CSTNode) -> Location:
        position = self.get_metadata(PositionProvider, node)
        return Location(
            self.path, position.start.line, position.start.column + 1,
            position.end.line, position.end.column + 1,
        )

    @property
    def _scope(self) -> _Scope:
        return self._scopes[-1]

    def _function_scope(self) -> Optional[_Scope]:
        for scope in reversed(self._scopes):
            if scope.kind == "function":
                return scope
        return None

    def _current_class(self) -> Optional[_ClassInfo]:
        """The class whose method we are in (a method's direct enclosing scope is the class)."""
        if len(self._scopes) >= 2 and self._scopes[-1].kind == "function" and self._scopes[-2].kind == "class":
            return self._classes[-1] if self._classes else None
        return None

    def _lookup_import(self, name: str) -> Optional[str]:
        for scope in reversed(self._scopes):
            if scope.kind == "class" and scope is not self._scope:
                continue
            if name in scope.imports:
                return scope.imports[name]
        return None

    def _is_defined_locally(self, name: str) -> bool:
        return any(name in scope.bindings for scope in self._scopes if scope.kind != "class")

    def qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        """The dotted name an expression refers to through imports, or None."""
        if isinstance(node, cst.Name):
            imported = self._lookup_import(node.value)
            if imported is not None:
                return imported
            if (
                len(self._star_imports) == 1
                and node.value not in _BUILTINS
                and not self._is_defined_locally(node.value)
            ):
                return f"{self._star_imports[0]}.{node.value}"
            return None
        if isinstance(node, cst.Attribute):
            base = self.qualified_name(node.value)
            return f"{base}.{node.attr.value}" if base is not None else None
        return None

    def _visible_binding(self, scope: _Scope, name: str) -> Optional[_Binding]:
        """The binding a use of `name` here sees, when exactly one can reach it."""
        bindings = scope.bindings.get(name)
        if not bindings:
            return None
        last = bindings[-1]
        here = tuple(self._blocks)
        if here[: len(last.blocks)] != last.blocks:
            return None  # bound on a branch this use is not inside
        return last

    # ------------------------------------------------------------ expressions -> Expr

    def to_expr(self, node: cst.BaseExpression) -> Expr:
        location = self._location(node)
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            try:
                return Const(ast.literal_eval(_source_of(node)), location)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return Unknown("literal", location)
        if isinstance(node, cst.Name):
            return self._name_expr(node, location)
        if isinstance(node, cst.UnaryOperation):
            operand = self.to_expr(node.expression)
            if isinstance(node.operator, cst.Minus):
                return Arith("neg", (operand,), location)
            if isinstance(node.operator, cst.Plus):
                return operand
            return Unknown("expression", location)
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in _ARITH_OPS:
            return Arith(
                _ARITH_OPS[type(node.operator)],
                (self.to_expr(node.left), self.to_expr(node.right)),
                location,
            )
        return Unknown(_describe_unknown(node), location)

    def _name_expr(self, node: cst.Name, location: Location) -> Expr:
        name = node.value
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name], location)
        function = self._function_scope()
        if function is not None and name in function.bindings:
            binding = self._visible_binding(function, name)
            if binding is None:
                return Unknown(f"{name} is assigned on more than one branch", location)
            return Local(name, binding.expr, location)
        if function is None and name in self._scopes[0].bindings:
            # At module level the order of statements is the order of execution.
            binding = self._visible_binding(self._scopes[0], name)
            if binding is None:
                return Unknown(f"{name} is assigned on more than one branch", location)
        return Name(name, location)

    # ------------------------------------------------------------ meaning of expressions

    def meaning(self, node: cst.BaseExpression) -> _Meaning:
        if isinstance(node, cst.Name):
            binding = self._binding_for_meaning(node.value)
            return binding.meaning if binding is not None else None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == "self":
                owner = self._current_class()
                if owner is not None and node.attr.value in owner.attributes:
                    return owner.attributes[node.attr.value].meaning
            return None
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in catalogue.TRANSPARENT_METHODS:
            inner = self.meaning(func.value)
            if isinstance(inner, (_ModelMeaning, _OutputMeaning)):
                return inner
        qualified = self.qualified_name(func)
        if qualified is not None:
            if qualified == catalogue.SEQUENTIAL:
                return _ModelMeaning(ModelRef(None, _sequential_name(self._location(node))))
            if qualified in catalogue.MODEL_WRAPPERS and node.args:
                inner = self.meaning(node.args[0].value)
                return inner if isinstance(inner, _ModelMeaning) else None
            if qualified.split(".")[0] in catalogue.WATCHED_MODULES:
                return _ApiMeaning(qualified)
            module, _, name = qualified.rpartition(".")
            return _ModelMeaning(ModelRef(module, name))  # joined by the project if it is a model
        callee = self.meaning(func)
        if isinstance(callee, _ModelMeaning):
            return _OutputMeaning(callee.ref)
        if isinstance(callee, _ClassMeaning):
            return _ModelMeaning(callee.ref)
        if isinstance(func, cst.Name) and func.value == "self" and self._current_class() is not None:
            return _OutputMeaning(ModelRef(None, self._classes[-1].name))
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "forward"
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
            and self._current_class() is not None
        ):
            return _OutputMeaning(ModelRef(None, self._classes[-1].name))
        return None

    def _binding_for_meaning(self, name: str) -> Optional[_Binding]:
        function = self._function_scope()
        if function is not None and name in function.bindings:
            return self._visible_binding(function, name)
        module = self._scopes[0]
        bindings = module.bindings.get(name)
        if bindings and len(bindings) == 1:
            return bindings[0]
        return None

    # ------------------------------------------------------------ output operations

    def output_op(self, node: cst.BaseExpression) -> str:
        """The last operation an expression applies: softmax, sigmoid, layer:fc, Linear, other."""
        if isinstance(node, cst.Name):
            function = self._function_scope()
            if function is None:
                return "other"
            binding = self._visible_binding(function, node.value)
            if binding is None or binding.node is None:
                return "other"
            return binding.op
        if not isinstance(node, cst.Call):
            return "other"
        func = node.func
        qualified = self.qualified_name(func)
        if qualified in catalogue.ACTIVATION_FUNCTIONS:
            return catalogue.ACTIVATION_FUNCTIONS[qualified]
        if isinstance(func, cst.Call):  # nn.Softmax(dim=1)(x)
            return self.module_op(func)
        if isinstance(func, cst.Attribute) and qualified is None:
            method = func.attr.value
            if isinstance(func.value, cst.Name) and func.value.value == "self":
                return f"layer:{method}"
            if method in catalogue.ACTIVATION_METHODS:
                return catalogue.ACTIVATION_METHODS[method]
            if method in catalogue.TRANSPARENT_METHODS:
                return self.output_op(func.value)
        return "other"

    def module_op(self, node: cst.BaseExpression) -> str:
        """What a module-constructing call applies: nn.Softmax -> softmax, nn.Sequential -> its last."""
        if not isinstance(node, cst.Call):
            return "other"
        qualified = self.qualified_name(node.func)
        if qualified is None:
            return "other"
        if qualified in catalogue.ACTIVATION_LAYERS:
            return catalogue.ACTIVATION_LAYERS[qualified]
        if qualified == catalogue.SEQUENTIAL:
            layers = [arg for arg in node.args if arg.keyword is None]
            if not layers or layers[-1].star:
                return "other"
            return self.module_op(layers[-1].value)
        if qualified.startswith("torch.nn."):
            return qualified.rpartition(".")[2]
        return "other"

    # ------------------------------------------------------------ scopes and blocks

    def visit_Module(self, node: cst.Module) -> None:
        return None

    def leave_Module(self, original_node: cst.Module) -> None:
        for name, assignments in self._module_assignments.items():
            expr, location, conditional = assignments[-1]
            if len(assignments) > 1 or conditional:
                expr = Unknown(f"{name} is assigned {len(assignments)} times at module level", location)
            self.facts.append(Binding(name, expr, location))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = tuple(self.qualified_name(arg.value) or _dotted(arg.value) for arg in node.bases)
        qualname = f"{self._scope.qualname}.{node.name.value}".lstrip(".")
        self._classes.append(_ClassInfo(node.name.value, self._location(node.name), bases))
        self._scopes[-1].bindings.setdefault(node.name.value, []).append(_Binding(
            Unknown("class", self._location(node.name)), None, _ClassMeaning(ModelRef(None, node.name.value)),
            tuple(self._blocks),
        ))
        self._scopes.append(_Scope("class", node.name.value, qualname))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()
        info = self._classes.pop()
        outputs = tuple(
            OutputOp(self._resolve_layer_op(info, op), location) for op, location in info.returns
        )
        self.facts.append(ModelDef(info.name, "class", info.location, info.bases, outputs))

    def _resolve_layer_op(self, info: _ClassInfo, op: str) -> str:
        if not op.startswith("layer:"):
            return op
        attribute = info.attributes.get(op[len("layer:"):])
        return attribute.op if attribute is not None else "other"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        self._scopes[-1].bindings.setdefault(name, []).append(
            _Binding(Unknown("function", self._location(node.name)), None, None, tuple(self._blocks))
        )
        qualname = f"{self._scope.qualname}.{name}".lstrip(".")
        scope = _Scope("function", name, qualname)
        for param in _parameters(node.params):
            scope.bindings[param.name.value] = [
                _Binding(Unknown(f"parameter {param.name.value}", self._location(param.name)), None, None, ())
            ]
        self._scopes.append(scope)
        self._saved_blocks.append(self._blocks)
        self._blocks = []

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._blocks = self._saved_blocks.pop()

    def _enter_block(self) -> None:
        self._block_counter += 1
        self._blocks.append(self._block_counter)

    def _leave_block(self) -> None:
        self._blocks.pop()

    def visit_If(self, node: cst.If) -> None:
        self._enter_block()

    def leave_If(self, original_node: cst.If) -> None:
        self._leave_block()

    def visit_Else(self, node: cst.Else) -> None:
        self._enter_block()

    def leave_Else(self, original_node: cst.Else) -> None:
        self._leave_block()

    def visit_For(self, node: cst.For) -> None:
        self._enter_block()
        for name in _target_names(node.target):
            self._bind(name, Unknown(f"loop variable {name}", self._location(node.target)), None, None)

    def leave_For(self, original_node: cst.For) -> None:
        self._leave_block()

    def visit_While(self, node: cst.While) -> None:
        self._enter_block()

    def leave_While(self, original_node: cst.While) -> None:
        self._leave_block()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._enter_block()

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._leave_block()

    # ------------------------------------------------------------ imports

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local, qualified = alias.asname.name.value, dotted
            else:
                local = qualified = dotted.split(".")[0]
            self._import(local, qualified, alias)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = "." * len(node.relative) + (_dotted(node.module) if node.module is not None else "")
        if isinstance(node.names, cst.ImportStar):
            if not node.relative:
                self._star_imports.append(module)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            separator = "" if module.endswith(".") else "."
            self._import(local, f"{module}{separator}{name}", alias)

    def _import(self, local: str, qualified: str, node: cst.CSTNode) -> None:
        self._scope.imports[local] = qualified
        if self._scope.kind == "module":
            self.facts.append(Import(local, qualified, self._location(node)))

    # ------------------------------------------------------------ assignments

    def visit_Assign(self, node: cst.Assign) -> None:
        names = [target.target for target in node.targets]
        for target in names:
            if isinstance(target, cst.Name) and isinstance(node.value, cst.Call):
                self._targets[id(node.value)] = target.value
            elif _is_self_attribute(target) and isinstance(node.value, cst.Call):
                self._targets[id(node.value)] = target.attr.value

    def leave_Assign(self, original_node: cst.Assign) -> None:
        # Bind after the right-hand side is visited: `x = f(x)` sees the old x.
        for target in original_node.targets:
            self._assign(target.target, original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if original_node.value is not None:
            self._assign(original_node.target, original_node.value)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        for name in _target_names(original_node.target):
            self._bind(name, Unknown(f"{name} is updated in place", self._location(original_node)), None, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            for name in _target_names(node.asname.name):
                self._bind(name, Unknown(f"{name} is bound by with", self._location(node)), None, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        for name in _target_names(node.target):
            self._bind(name, Unknown(f"{name} is bound in an expression", self._location(node)), None, None)

    def _assign(self, target: cst.BaseAssignTargetExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            binding = self._bind(target.value, self.to_expr(value), value, self.meaning(value))
            binding.op = self.output_op(value)
            return
        if _is_self_attribute(target):
            owner = self._current_class()
            if owner is not None:
                attribute = _Binding(self.to_expr(value), value, self.meaning(value), (), self.module_op(value))
                owner.attributes[target.attr.value] = attribute
            return
        for name in _target_names(target):
            self._bind(name, Unknown(f"{name} is unpacked", self._location(target)), None, None)

    def _bind(self, name: str, expr: Expr, node: Optional[cst.BaseExpression], meaning: _Meaning) -> _Binding:
        binding = _Binding(expr, node, meaning, tuple(self._blocks))
        self._scope.bindings.setdefault(name, []).append(binding)
        if self._scope.kind == "module":
            conditional = bool(self._blocks)
            self._module_assignments.setdefault(name, []).append((expr, expr.location, conditional))
        return binding

    # ------------------------------------------------------------ calls and returns

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None:
            return
        function = self._function_scope()
        if isinstance(node.value, cst.Call) and function is not None:
            self._targets[id(node.value)] = function.name
        owner = self._current_class()
        if owner is not None and self._scope.name == "forward":
            owner.returns.append((self.output_op(node.value), self._location(node.value)))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and isinstance(node.value, cst.Call):
            self._targets[id(node.value)] = node.keyword.value

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.qualified_name(node.func)
        if qualified is not None and qualified.split(".")[0] in catalogue.WATCHED_MODULES:
            self._record_call(node, qualified)
            if qualified in catalogue.LOSSES:
                self._record_loss_input(node, qualified)
            if qualified == catalogue.SEQUENTIAL:
                self._record_sequential(node)
            return
        callee = self.meaning(node.func)
        if isinstance(callee, _ApiMeaning) and callee.api in catalogue.LOSSES:
            self._record_loss_input(node, callee.api)
        if isinstance(node.func, cst.Call):
            inner = self.qualified_name(node.func.func)
            if inner in catalogue.LOSSES:
                self._record_loss_input(node, inner)
        if isinstance(node.func, cst.Attribute):
            self._record_training_step(node, node.func)

    def _record_call(self, node: cst.Call, qualified: str) -> None:
        args: list[Expr] = []
        keywords: list[tuple[str, Expr]] = []
        for arg in node.args:
            if arg.star:
                args.append(Unknown("unpacked arguments", self._location(arg)))
            elif arg.keyword is not None:
                keywords.append((arg.keyword.value, self.to_expr(arg.value)))
            else:
                args.append(self.to_expr(arg.value))
        self.facts.append(Call(
            qualified, self._location(node), tuple(args), tuple(keywords),
            self._targets.get(id(node)), self._scope.qualname,
        ))

    def _record_loss_input(self, node: cst.Call, loss: str) -> None:
        model_input = _loss_input_argument(node)
        if model_input is None:
            return
        meaning = self.meaning(_strip_transparent(model_input))
        if isinstance(meaning, _OutputMeaning):
            self.facts.append(LossInput(loss, meaning.ref, self._location(node)))

    def _record_sequential(self, node: cst.Call) -> None:
        location = self._location(node)
        layers = [arg for arg in node.args if arg.keyword is None]
        outputs: tuple[OutputOp, ...] = ()
        if layers and not layers[-1].star:
            outputs = (OutputOp(self.module_op(layers[-1].value), self._location(layers[-1].value)),)
        self.facts.append(ModelDef(_sequential_name(location), "sequential", location, (), outputs))

    def _record_training_step(self, node: cst.Call, func: cst.Attribute) -> None:
        method = func.attr.value
        if method == "backward":
            self.facts.append(TrainingStep("backward", self._location(node)))
            return
        owner = self.meaning(func.value)
        if not isinstance(owner, _ApiMeaning):
            return
        if method == "step" and owner.api in catalogue.OPTIMIZERS:
            self.facts.append(TrainingStep("optimizer.step", self._location(node)))
        elif method == "fit" and owner.api.split(".")[0] in ("lightning", "pytorch_lightning", "keras"):
            self.facts.append(TrainingStep("fit", self._location(node)))
        elif method == "train" and owner.api.startswith("transformers."):
            self.facts.append(TrainingStep("train", self._location(node)))


# ---------------------------------------------------------------- syntax helpers


def _source_of(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _dotted(node: Union[cst.Attribute, cst.Name, cst.BaseExpression]) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return "?"


def _describe_unknown(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Call):
        return f"the result of {_dotted(node.func)}()"
    if isinstance(node, (cst.Attribute, cst.Subscript)):
        return "a lookup hplint cannot follow"
    return "an expression hplint does not evaluate"


def _is_self_attribute(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"


def _target_names(node: cst.BaseExpression) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _target_names(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from _target_names(node.value)


def _parameters(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    if params.star_kwarg is not None:
        yield params.star_kwarg


def _strip_transparent(node: cst.BaseExpression) -> cst.BaseExpression:
    """`model(x).view(-1, C)` -> `model(x)`: reshaping keeps what the tensor holds."""
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in catalogue.TRANSPARENT_METHODS
    ):
        node = node.func.value
    return node


def _loss_input_argument(node: cst.Call) -> Optional[cst.BaseExpression]:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == "input":
            return arg.value
    positional: Sequence[cst.Arg] = [arg for arg in node.args if arg.keyword is None and not arg.star]
    return positional[0].value if positional else None


def _sequential_name(location: Location) -> str:
    return f"nn.Sequential@{location.line}:{location.column}"
