"""Weight inits: which tensor each in-place init call sets, which layers it can reach, and which models apply an
init function (`model.apply(init_weights)`).

A function is read for its init calls once the walk leaves it, and only when the walk saw one
in it: the isinstance()/type() tests around a call say which layer classes it reaches, and an
`else` branch needs the whole `if` to be known.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from hplint.extract.python.scope import FunctionMeaning, ModelMeaning, dotted, is_self_attribute
from hplint.extract.python.values import source_text
from hplint.facts import InitApplied, InitCall, ModelRef

if TYPE_CHECKING:
    from hplint.extract.python.walker import PythonExtractor

_INIT_MODULE = "torch.nn.init."
# In-place tensor methods that (re)initialise a whole weight: `m.weight.data.normal_(0, 0.02)`.
_TENSOR_INITS = frozenset({"normal_", "uniform_", "fill_", "zero_", "copy_", "trunc_normal_"})
_MODULE_ITERATORS = frozenset({"modules", "children", "named_modules", "named_children"})
# Where a guard stands: no test names a layer class, these classes, or a branch hplint cannot tell (else).
Guard = tuple[str, tuple[str, ...]]
_NO_GUARD: Guard = ("none", ())
_UNKNOWN_GUARD: Guard = ("unknown", ())


class WeightInits:
    """Mixin of PythonExtractor: InitCall and InitApplied facts."""

    def note_init_call(self: PythonExtractor, node: cst.Call) -> None:
        """Seen by the walk: an init call marks its function to be read; `x.apply(f)` is an InitApplied."""
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value == "apply" and len(node.args) == 1 and node.args[0].keyword is None:
                self._record_apply(node, func)
                return
            if func.attr.value in _TENSOR_INITS and _weight_tensor(func.value) is not None:
                self._init_scopes.add(self.context.qualname)
                return
        qualified = self.qualified_name(func)
        if qualified is not None and qualified.startswith(_INIT_MODULE) and qualified != "torch.nn.init.calculate_gain":
            self._init_scopes.add(self.context.qualname)

    def record_inits(self: PythonExtractor, node: cst.FunctionDef | cst.Module) -> None:
        """The init calls of a function (or of the module body) the walk saw one in, with what they reach."""
        qualname = self.context.qualname if isinstance(node, cst.FunctionDef) else ""
        if qualname not in self._init_scopes:
            return
        self._init_scopes.discard(qualname)
        reader = _InitReader(self, node, qualname)
        body = node.body if isinstance(node, cst.Module) else _statements(node.body)
        reader.block(body, _NO_GUARD)

    def _record_apply(self: PythonExtractor, node: cst.Call, func: cst.Attribute) -> None:
        argument = node.args[0].value
        function: str | None = None
        owner = self.current_class()
        if isinstance(argument, cst.Attribute) and is_self_attribute(argument) and owner is not None and len(self._scopes) >= 2:
            function = f"{self._scopes[-2].qualname}.{argument.attr.value}"
        elif isinstance(argument, cst.Name):
            function = self.project_function(argument)
            binding = self.binding_for(argument.value)
            if function is None and binding is not None and isinstance(binding.meaning, FunctionMeaning):
                function = binding.meaning.name
        if function is None:
            return
        self.facts.append(InitApplied(function, self._model_named(func.value), self.location(node)))

    def _model_named(self: PythonExtractor, node: cst.BaseExpression) -> ModelRef | None:
        """The model an expression is: `self` in a model class, or a name bound to a model."""
        owner = self.current_class()
        if isinstance(node, cst.Name) and node.value == "self" and owner is not None:
            return ModelRef(None, owner.name)
        meaning = self.meaning(node)
        return meaning.ref if isinstance(meaning, ModelMeaning) else None


class _InitReader:
    """Reads one function's statements for init calls, with the class tests around each."""

    def __init__(self, extractor: PythonExtractor, node: cst.FunctionDef | cst.Module, qualname: str) -> None:
        self.extractor = extractor
        self.qualname = qualname
        owner = extractor.current_class() if isinstance(node, cst.FunctionDef) else None
        self.model = ModelRef(None, owner.name) if owner is not None else None
        self.parameter = _module_parameter(node) if isinstance(node, cst.FunctionDef) else None
        self.loop_models: dict[str, ModelRef | None] = {}  # for m in model.modules()
        self.loop_layers: dict[str, tuple[str, ...]] = {}  # for layer in (self.fc1, self.fc2)

    def block(self, statements: Sequence[cst.BaseStatement], guard: Guard) -> None:
        for statement in statements:
            self.statement(statement, guard)
            if isinstance(statement, cst.If) and statement.orelse is None and _exits(statement.body):
                # `if not isinstance(m, nn.Linear): return`: what follows is about the classes not excluded
                excluded = self.classes_excluded(statement.test)
                if excluded is not None:
                    guard = ("kinds", excluded)
                elif self.classes_tested(statement.test) is not None:
                    guard = _UNKNOWN_GUARD

    def statement(self, statement: cst.BaseStatement, guard: Guard) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    self.call(small.value, guard)
        elif isinstance(statement, cst.If):
            self.branches(statement, guard)
        elif isinstance(statement, cst.For):
            self.bind_loop(statement.target, statement.iter)
            self.block(_statements(statement.body), guard)
        elif isinstance(statement, (cst.While, cst.With)):
            self.block(_statements(statement.body), guard)
        elif isinstance(statement, cst.Try):
            self.block(_statements(statement.body), guard)
            for handler in statement.handlers:
                self.block(_statements(handler.body), guard)

    def branches(self, statement: cst.If, guard: Guard) -> None:
        tested = self.classes_tested(statement.test)
        if tested is not None:
            inside: Guard = ("kinds", tested)
        elif _mentions(statement.test, self.module_names()):
            inside = _UNKNOWN_GUARD  # `if m.out_features == classes`: some of the layers, hplint cannot tell which
        else:
            inside = guard  # a switch of the run (`if self.zero_init`), not a choice of layers
        self.block(_statements(statement.body), inside)
        # past a test that named classes, a branch knows only what it is not
        rest = _UNKNOWN_GUARD if tested is not None else guard
        if isinstance(statement.orelse, cst.If):
            self.branches(statement.orelse, rest)
        elif isinstance(statement.orelse, cst.Else):
            self.block(_statements(statement.orelse.body), rest)

    def module_names(self) -> set[str]:
        """The names that hold the module an init reaches: the applied function's parameter, a loop variable."""
        return {name for name in (self.parameter, *self.loop_models, *self.loop_layers) if name is not None}

    def bind_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        if isinstance(target, cst.Tuple) and len(target.elements) == 2:
            target = target.elements[1].value  # for name, m in model.named_modules()
        if not isinstance(target, cst.Name):
            return
        name = target.value
        self.loop_models.pop(name, None)
        self.loop_layers.pop(name, None)
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) and iterable.func.attr.value in _MODULE_ITERATORS:
            self.loop_models[name] = self.extractor._model_named(iterable.func.value)
        elif isinstance(iterable, (cst.List, cst.Tuple)):
            layers = [_layer_attribute(element.value) for element in iterable.elements]
            if layers and all(layer is not None for layer in layers):
                self.loop_layers[name] = tuple(layers)  # type: ignore[arg-type]

    def classes_tested(self, test: cst.BaseExpression) -> tuple[str, ...] | None:
        """The layer classes a test admits: isinstance(m, nn.Linear), type(m) == nn.Conv2d,
        classname.find("Conv") != -1; None when it names no class."""
        if isinstance(test, cst.BooleanOperation):
            left, right = self.classes_tested(test.left), self.classes_tested(test.right)
            if left is None and right is None:
                return None
            if left is None or right is None:
                return ()  # `isinstance(m, nn.Linear) and m.out_features == 10`: some of them only
            return left + right if isinstance(test.operator, cst.Or) else tuple(kind for kind in left if kind in right)
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance" and len(test.args) == 2:
            return self.class_names(test.args[1].value)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            compared, comparison = test.left, test.comparisons[0]
            if _is_type_of(compared) and isinstance(comparison.operator, (cst.Equal, cst.Is, cst.In)):
                return self.class_names(comparison.comparator)
            found = _class_name_pattern(compared, comparison)
            if found is not None:
                return (found,)
        if self.classes_excluded(test) is not None:
            return ()  # a branch for every class but these: none hplint can name
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "startswith":
            prefix = _string(test.args[0].value) if test.args else None
            if prefix is not None and _names_a_class(test.func.value):
                return (f"{prefix}*",)
        return None

    def classes_excluded(self, test: cst.BaseExpression) -> tuple[str, ...] | None:
        """The classes a negated test leaves: `not isinstance(m, nn.Linear)`, `type(m) != nn.Linear`."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self.classes_tested(test.expression)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and _is_type_of(test.left):
            comparison = test.comparisons[0]
            if isinstance(comparison.operator, (cst.NotEqual, cst.IsNot, cst.NotIn)):
                return self.class_names(comparison.comparator)
        return None

    def class_names(self, node: cst.BaseExpression) -> tuple[str, ...]:
        if isinstance(node, (cst.Tuple, cst.List)):
            return tuple(name for element in node.elements for name in self.class_names(element.value))
        qualified = self.extractor.qualified_name(node)
        if qualified is not None and qualified.startswith("torch.nn."):
            return (qualified.rpartition(".")[2],)
        return (f"local.{dotted(node)}",)

    def call(self, node: cst.Call, guard: Guard) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _TENSOR_INITS:
            api, target = f"Tensor.{func.attr.value}", func.value
        else:
            qualified = self.extractor.qualified_name(func)
            if qualified is None or not qualified.startswith(_INIT_MODULE) or qualified == "torch.nn.init.calculate_gain":
                return
            tensors = [arg.value for arg in node.args if arg.keyword is None or arg.keyword.value == "tensor"]
            if not tensors:
                return
            api, target = qualified, tensors[0]
        found = _weight_tensor(target)
        if found is None:
            return
        owner, tensor = found
        for via, layer, model in self.reach(owner):
            self.extractor.facts.append(InitCall(
                api, source_text(target), tensor, layer, via, model, guard[0], guard[1], self.qualname,
                self.extractor.location(node),
            ))

    def reach(self, owner: cst.BaseExpression) -> Iterator[tuple[str, str, ModelRef | None]]:
        """How the tensor's layer is named: (via, layer attribute, model)."""
        layer = _layer_attribute(owner)
        if layer is not None:
            yield "attribute", layer, self.model
        elif isinstance(owner, cst.Name) and owner.value in self.loop_layers:
            for attribute in self.loop_layers[owner.value]:
                yield "attribute", attribute, self.model
        elif isinstance(owner, cst.Name) and owner.value in self.loop_models:
            yield "modules", "", self.loop_models[owner.value]
        elif isinstance(owner, cst.Name) and owner.value == self.parameter:
            yield "parameter", "", None
        else:
            yield "other", "", None


def _statements(body: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    return (cst.SimpleStatementLine(body=body.body),) if isinstance(body, cst.SimpleStatementSuite) else ()


def _mentions(node: cst.CSTNode, names: set[str]) -> bool:
    if isinstance(node, cst.Name):
        return node.value in names
    return any(_mentions(child, names) for child in node.children)


def _exits(body: cst.BaseSuite) -> bool:
    statements = _statements(body)
    last = statements[-1] if statements else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], (cst.Return, cst.Continue, cst.Raise))


def _module_parameter(node: cst.FunctionDef) -> str | None:
    """The parameter `model.apply(f)` passes each module in: the first, after self for a method."""
    parameters = [*node.params.posonly_params, *node.params.params]
    static = any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)
    if parameters and parameters[0].name.value in ("self", "cls") and not static:
        parameters = parameters[1:]
    return parameters[0].name.value if parameters else None


def _weight_tensor(node: cst.BaseExpression) -> tuple[cst.BaseExpression, str] | None:
    """`m.weight`, `self.fc1.weight.data` -> (the layer expression, the parameter's name)."""
    if isinstance(node, cst.Attribute) and node.attr.value == "data":
        node = node.value
    if not isinstance(node, cst.Attribute):
        return None
    name = node.attr.value
    if name.startswith(("weight", "bias")):
        return node.value, name
    return None


def _layer_attribute(node: cst.BaseExpression) -> str | None:
    """`self.fc1` -> fc1, `self.body[0]` -> body.0 (as layers inside an nn.Sequential are named)."""
    if isinstance(node, cst.Attribute) and is_self_attribute(node):
        return node.attr.value
    if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and is_self_attribute(node.value) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
            return f"{node.value.attr.value}.{int(index.value.value, 0)}"
    return None


def _is_type_of(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "type" and len(node.args) == 1


def _names_a_class(node: cst.BaseExpression) -> bool:
    """`classname`, `m.__class__.__name__`, `type(m).__name__`: text naming a module's class."""
    text = dotted(node) if not isinstance(node, cst.Call) else ""
    return "name" in text.lower() or text.endswith("__name__") or (
        isinstance(node, cst.Attribute) and node.attr.value == "__name__"
    )


def _class_name_pattern(left: cst.BaseExpression, comparison: cst.ComparisonTarget) -> str | None:
    """`classname.find("Conv") != -1` -> *Conv*, `"Linear" in classname` -> *Linear*, `classname == "Linear"`."""
    operator, right = comparison.operator, comparison.comparator
    if (
        isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) and left.func.attr.value == "find"
        and left.args and _names_a_class(left.func.value) and isinstance(operator, (cst.NotEqual, cst.GreaterThan, cst.GreaterThanEqual))
    ):
        text = _string(left.args[0].value)
        return f"*{text}*" if text is not None else None
    if isinstance(operator, cst.In) and _names_a_class(right):
        text = _string(left)
        return f"*{text}*" if text is not None else None
    if isinstance(operator, cst.Equal) and _names_a_class(left):
        return _string(right)
    return None


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
