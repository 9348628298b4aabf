"""The forward graph: what a model class's forward applies to what, followed into the methods it calls.

Each step is a layer of the model, an activation, or a way of combining tensors (matmul, mul,
add, cat), with the earlier steps whose results it reads. Rules read chains (Linear after
Linear), gates (a sigmoid whose result goes into a matmul) and the first layer applied from it.
Reshaping and calls hplint does not know pass their inputs' steps along without a step of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

import libcst as cst

from hplint import catalogue
from hplint.extract.python.scope import ClassInfo, is_self_attribute
from hplint.facts import ForwardGraph, ForwardStep

if TYPE_CHECKING:
    from hplint.extract.python.walker import PythonExtractor

# What a value holds: the steps that produced it (empty: only the inputs), or a tuple of such values.
Steps = frozenset[int]
Flow = Union[Steps, tuple["Flow", ...]]
_NOTHING: Steps = frozenset()

_MATMUL_FUNCTIONS = frozenset({
    "torch.matmul", "torch.mm", "torch.bmm", "torch.einsum", "torch.baddbmm", "torch.addmm", "torch.addbmm",
    "torch.mv", "torch.sparse.mm", "torch.spmm", "torch.chain_matmul", "einops.einsum",
})
_MUL_FUNCTIONS = frozenset({"torch.mul", "torch.multiply", "torch.addcmul"})
_CAT_FUNCTIONS = frozenset({"torch.cat", "torch.concat", "torch.concatenate", "torch.stack", "torch.hstack", "torch.vstack"})
_ADD_FUNCTIONS = frozenset({"torch.add", "torch.sub", "torch.subtract"})
_MATMUL_METHODS = frozenset({"matmul", "mm", "bmm", "mv", "baddbmm", "addmm", "addbmm"})
_MUL_METHODS = frozenset({"mul", "mul_", "multiply", "addcmul", "addcmul_"})
_ADD_METHODS = frozenset({"add", "add_", "sub", "sub_"})
# Reading these gives a tensor's metadata, not its values.
_METADATA = frozenset({"shape", "size", "dtype", "device", "ndim", "dim", "numel", "is_cuda"})
_MAX_INLINING = 4  # methods calling methods, deeper than forward usually goes


class ForwardFlow:
    """Mixin of PythonExtractor: the ForwardGraph fact of a model class."""

    def record_forward_graph(self: PythonExtractor, info: ClassInfo, node: cst.ClassDef) -> None:
        if not info.layers or not isinstance(node.body, cst.IndentedBlock):
            return
        methods = {
            statement.name.value: statement for statement in node.body.body if isinstance(statement, cst.FunctionDef)
        }
        forward = methods.get("forward")
        if forward is None:
            return
        graph = _Graph(self, info, methods)
        outputs = graph.method(forward, [])
        self.facts.append(ForwardGraph(
            info.name, tuple(graph.steps), tuple(sorted(_steps_of(outputs))), tuple(graph.called),
            self.location(forward.name),
        ))


@dataclass
class _Env:
    values: dict[str, Flow] = field(default_factory=dict)
    # a loop variable that holds layers, and the steps calling it applies in turn: (each:<attribute>,), (one:<attribute>,),
    # (layer:fc1, layer:fc2) for `for layer in (self.fc1, self.fc2)`
    modules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    returns: list[Flow] = field(default_factory=list)

    def copy(self) -> _Env:
        return _Env(dict(self.values), dict(self.modules), self.returns)


class _Graph:
    def __init__(self, extractor: PythonExtractor, info: ClassInfo, methods: dict[str, cst.FunctionDef]) -> None:
        self.extractor = extractor
        self.methods = methods
        self.layer_attributes = {layer.attribute.split(".")[0] for layer in info.layers}
        self.attributes = set(info.attributes)
        self.steps: list[ForwardStep] = []
        self.called: list[str] = []  # methods of the class forward reaches
        self.inlining: list[str] = []

    # ------------------------------------------------------------ methods

    def method(self, function: cst.FunctionDef, arguments: list[Flow]) -> Flow:
        """Follow a method with its parameters bound to the arguments' flows; what it returns."""
        env = _Env()
        parameters = [*function.params.posonly_params, *function.params.params]
        if not any(_decorator_name(decorator) == "staticmethod" for decorator in function.decorators):
            parameters = parameters[1:]  # after self
        for index, parameter in enumerate(parameters):
            env.values[parameter.name.value] = arguments[index] if index < len(arguments) else _NOTHING
        self.inlining.append(function.name.value)
        self.block(function.body, env)
        self.inlining.pop()
        if not env.returns:
            return _NOTHING
        if len(env.returns) == 1:
            return env.returns[0]
        return _union(*env.returns)

    # ------------------------------------------------------------ statements

    def block(self, body: cst.BaseSuite, env: _Env) -> None:
        if isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self.small_statement(small, env)
        elif isinstance(body, cst.IndentedBlock):
            for statement in body.body:
                self.statement(statement, env)

    def statement(self, statement: cst.BaseStatement, env: _Env) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.small_statement(small, env)
        elif isinstance(statement, cst.If):
            self.expression(statement.test, env)
            branch = env.copy()
            self.block(statement.body, branch)
            other = env.copy()
            if isinstance(statement.orelse, cst.If):
                self.statement(statement.orelse, other)
            elif isinstance(statement.orelse, cst.Else):
                self.block(statement.orelse.body, other)
            _join(env, branch, other)
        elif isinstance(statement, cst.For):
            looped = env.copy()
            self.bind_loop(statement.target, statement.iter, looped)
            self.block(statement.body, looped)
            _join(env, env.copy(), looped)
        elif isinstance(statement, cst.While):
            looped = env.copy()
            self.block(statement.body, looped)
            _join(env, env.copy(), looped)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                self.expression(item.item, env)
            self.block(statement.body, env)
        elif isinstance(statement, cst.Try):
            tried = env.copy()
            self.block(statement.body, tried)
            handlers = [env.copy() for _ in statement.handlers]
            for handler, handler_env in zip(statement.handlers, handlers):
                self.block(handler.body, handler_env)
            _join(env, tried, *handlers)
            if statement.finalbody is not None:
                self.block(statement.finalbody.body, env)

    def small_statement(self, small: cst.BaseSmallStatement, env: _Env) -> None:
        if isinstance(small, cst.Assign):
            flow = self.expression(small.value, env)
            for target in small.targets:
                self.assign(target.target, flow, env)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self.assign(small.target, self.expression(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            before = self.expression(small.target, env)
            value = self.expression(small.value, env)
            op = _combining(small.operator, small.value)
            combined: Flow = self.step(op, _union(before, value), small) if op else _union(before, value)
            self.assign(small.target, combined, env)
        elif isinstance(small, cst.Return) and small.value is not None:
            env.returns.append(self.expression(small.value, env))
        elif isinstance(small, cst.Expr):
            self.expression(small.value, env)

    def assign(self, target: cst.BaseExpression, flow: Flow, env: _Env) -> None:
        if isinstance(target, cst.Name):
            env.values[target.value] = flow
            env.modules.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [element.value for element in target.elements]
            if isinstance(flow, tuple) and len(flow) == len(elements) and not any(
                isinstance(element, cst.StarredElement) for element in target.elements
            ):
                for element, part in zip(elements, flow):
                    self.assign(element, part, env)
            else:
                for element in elements:
                    self.assign(element, _union(flow), env)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            name = target.value.value  # out[:, i] = ...: out holds this too
            env.values[name] = _union(env.values.get(name, _NOTHING), flow)

    def bind_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression, env: _Env) -> None:
        """`for layer in self.layers` applies each element in turn; `for i, layer in enumerate(...)` too."""
        applied = self.iterated_layers(iterable, "each")
        if applied is not None:
            variable = target
            if isinstance(iterable, cst.Call) and isinstance(target, cst.Tuple) and len(target.elements) == 2:
                variable = target.elements[1].value  # enumerate(self.layers)
            if isinstance(variable, cst.Name):
                env.modules[variable.value] = applied
                return
        self.assign(target, _union(self.expression(iterable, env)), env)

    def iterated_layers(self, iterable: cst.BaseExpression, kind: str) -> tuple[str, ...] | None:
        """The steps a loop over layers applies: every element of `self.layers`, or `(self.fc1, self.fc2)` in turn."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "enumerate":
            if len(iterable.args) != 1:
                return None
            iterable = iterable.args[0].value
        attribute = _self_attribute(iterable)
        if attribute in self.layer_attributes:
            return (f"{kind}:{attribute}",)
        if kind == "each" and isinstance(iterable, (cst.Tuple, cst.List)) and iterable.elements:
            names = [_self_attribute(element.value) for element in iterable.elements]
            if all(name in self.layer_attributes for name in names):
                return tuple(f"layer:{name}" for name in names)
        return None

    # ------------------------------------------------------------ expressions

    def expression(self, node: cst.BaseExpression, env: _Env) -> Flow:
        if isinstance(node, cst.Name):
            return env.values.get(node.value, _NOTHING)
        if isinstance(node, cst.Call):
            return self.call(node, env)
        if isinstance(node, cst.Attribute):
            if node.attr.value in _METADATA or is_self_attribute(node):
                return _NOTHING
            return _union(self.expression(node.value, env))
        if isinstance(node, cst.BinaryOperation):
            left, right = self.expression(node.left, env), self.expression(node.right, env)
            op = _combining(node.operator, node.right, node.left)
            return self.step(op, _union(left, right), node) if op else _union(left, right)
        if isinstance(node, cst.UnaryOperation):
            return self.expression(node.expression, env)
        if isinstance(node, cst.Subscript):
            return _union(self.expression(node.value, env))
        if isinstance(node, (cst.Tuple, cst.List)):
            return tuple(self.expression(element.value, env) for element in node.elements)
        if isinstance(node, cst.IfExp):
            return _union(self.expression(node.body, env), self.expression(node.orelse, env))
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self.comprehension(node, env)
        if isinstance(node, cst.BooleanOperation):
            return _union(self.expression(node.left, env), self.expression(node.right, env))
        if isinstance(node, cst.Comparison):
            return _NOTHING
        return _NOTHING

    def comprehension(self, node: cst.ListComp | cst.GeneratorExp | cst.SetComp, env: _Env) -> Flow:
        """`[head(x) for head in self.heads]`: heads side by side, one element each."""
        inner = env.copy()
        inner.returns = []
        for_in: cst.CompFor | None = node.for_in
        while for_in is not None:
            applied = self.iterated_layers(for_in.iter, "one")
            if applied is not None and isinstance(for_in.target, cst.Name):
                inner.modules[for_in.target.value] = applied
            else:
                self.assign(for_in.target, _union(self.expression(for_in.iter, inner)), inner)
            for_in = for_in.inner_for_in
        return _union(self.expression(node.elt, inner))

    def call(self, node: cst.Call, env: _Env) -> Flow:
        func = node.func
        arguments = [self.expression(arg.value, env) for arg in node.args]
        inputs = _union(*arguments) if arguments else _NOTHING
        name = _self_attribute(func)
        if name is not None:
            if name in self.layer_attributes:
                return self.step(f"layer:{name}", inputs, node)
            if name in self.methods and name not in self.inlining and len(self.inlining) < _MAX_INLINING:
                self.called.append(name)
                return self.method(self.methods[name], arguments)
            if name in self.attributes:
                return self.step("module:?", inputs, node)  # a module whose layers hplint cannot read
            return inputs
        if isinstance(func, cst.Name) and func.value in env.modules:
            flow: Flow = inputs
            for op in env.modules[func.value]:
                flow = self.step(op, flow, node)
            return flow
        if isinstance(func, cst.Subscript) and _self_attribute(func.value) is not None:
            name = _self_attribute(func.value)
            return self.step(f"one:{name}" if name in self.layer_attributes else "module:?", inputs, node)
        if isinstance(func, (cst.Name, cst.Subscript)) and (not isinstance(func, cst.Name) or func.value in env.values):
            return self.step("module:?", inputs, node)  # `block(x)` for a block taken from getattr() or a list
        qualified = self.extractor.qualified_name(func)
        if qualified is not None:
            function_op = _function_op(qualified)
            return self.step(function_op, inputs, node) if function_op else inputs
        if isinstance(func, cst.Call):  # nn.Sigmoid()(x)
            module_op = self.extractor.module_op(func)
            return self.step(module_op, inputs, node) if module_op != "other" else inputs
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = self.expression(func.value, env)
            if method in catalogue.TRANSPARENT_METHODS or method in ("size", "t", "clone", "detach", "expand", "expand_as"):
                return _union(receiver)
            method_op = _method_op(method, node)
            if method_op is not None:
                return self.step(method_op, _union(receiver, inputs), node)
            if method in ("append", "extend") and isinstance(func.value, cst.Name):
                env.values[func.value.value] = _union(receiver, inputs)
            return _union(receiver, inputs)
        return inputs

    def step(self, op: str, inputs: Flow, node: cst.CSTNode) -> Steps:
        self.steps.append(ForwardStep(op, tuple(sorted(_steps_of(inputs))), self.extractor.location(node)))
        return frozenset({len(self.steps) - 1})


def _decorator_name(decorator: cst.Decorator) -> str:
    return decorator.decorator.value if isinstance(decorator.decorator, cst.Name) else ""


def _function_op(qualified: str) -> str | None:
    if qualified in catalogue.ACTIVATION_FUNCTIONS:
        return catalogue.ACTIVATION_FUNCTIONS[qualified]
    if qualified.startswith("torch.nn.functional."):
        return qualified.rpartition(".")[2]
    if qualified in _MATMUL_FUNCTIONS:
        return "matmul"
    if qualified in _MUL_FUNCTIONS:
        return "mul"
    if qualified in _CAT_FUNCTIONS:
        return "cat"
    if qualified in _ADD_FUNCTIONS:
        return "add"
    return None


def _method_op(method: str, node: cst.Call) -> str | None:
    if method in catalogue.ACTIVATION_METHODS:
        return catalogue.ACTIVATION_METHODS[method]
    if method in _MATMUL_METHODS:
        return "matmul"
    numbers = all(isinstance(arg.value, (cst.Integer, cst.Float)) for arg in node.args)
    if method in _MUL_METHODS and not numbers:
        return "mul"
    if method in _ADD_METHODS and not numbers:
        return "add"
    return None


def _combining(operator: cst.CSTNode, *operands: cst.BaseExpression) -> str | None:
    """The step two tensors combined by an operator make: `@` a matmul, `*` a mul, `+` an add; scaling by a number is none."""
    if isinstance(operator, (cst.MatrixMultiply, cst.MatrixMultiplyAssign)):
        return "matmul"
    if any(isinstance(operand, (cst.Integer, cst.Float)) for operand in operands):
        return None
    if isinstance(operator, (cst.Multiply, cst.MultiplyAssign)):
        return "mul"
    if isinstance(operator, (cst.Add, cst.AddAssign, cst.Subtract, cst.SubtractAssign)):
        return "add"
    return None


def _self_attribute(node: cst.BaseExpression) -> str | None:
    """`self.fc1` -> fc1."""
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return node.attr.value
    return None


def _steps_of(flow: Flow) -> Steps:
    if isinstance(flow, frozenset):
        return flow
    return frozenset().union(*(_steps_of(part) for part in flow)) if flow else _NOTHING


def _union(*flows: Flow) -> Steps:
    return frozenset().union(*(_steps_of(flow) for flow in flows)) if flows else _NOTHING


def _join(env: _Env, *branches: _Env) -> None:
    """After branches: a name holds what any branch may have left in it."""
    names = set().union(*(branch.values for branch in branches))
    for name in names:
        flows = [branch.values[name] for branch in branches if name in branch.values]
        same = all(flow == flows[0] for flow in flows) and len(flows) == len(branches)
        env.values[name] = flows[0] if same else _union(*flows)
    for branch in branches:
        env.modules.update(branch.modules)
