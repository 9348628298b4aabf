"""Models: what names mean (a model, its output, a loss), the layers __init__ builds, the order
forward applies them, the last operation on each return path, and which loss an output reaches.
"""

from __future__ import annotations

import math
import re

from typing import TYPE_CHECKING, Iterator, Optional

import libcst as cst

from hplint import catalogue
from hplint.extract.python.scope import (
    ApiMeaning, ClassInfo, ClassMeaning, FunctionMeaning, Meaning, ModelMeaning, OutputMeaning, ParameterOutputMeaning,
    dotted, is_self_attribute,
)
from hplint.facts import Layer, Location, LossInput, ModelDef, ModelRef, OutputOp, Parameter, submodel_op

if TYPE_CHECKING:
    from hplint.extract.python.walker import PythonExtractor


class ModelStructure:
    """Mixin of PythonExtractor: models, outputs, layers and losses."""

    # ------------------------------------------------------------ what an expression means

    def meaning(self: PythonExtractor, node: cst.BaseExpression) -> Meaning:
        if isinstance(node, cst.Name):
            binding = self.binding_for(node.value)
            return binding.meaning if binding is not None else None
        if isinstance(node, cst.Attribute):
            owner = self.current_class()
            if owner is not None and is_self_attribute(node) and node.attr.value in owner.attributes:
                return owner.attributes[node.attr.value].meaning
            return None
        if isinstance(node, cst.Call):
            return self._call_meaning(node)
        return None

    def _call_meaning(self: PythonExtractor, node: cst.Call) -> Meaning:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in catalogue.TRANSPARENT_METHODS:
            inner = self.meaning(func.value)
            if isinstance(inner, (ModelMeaning, OutputMeaning)):
                return inner
        qualified = self.qualified_name(func)
        if qualified is not None:
            if qualified == catalogue.SEQUENTIAL:
                return ModelMeaning(ModelRef(None, sequential_name(self.location(node))))
            if qualified in catalogue.MODEL_WRAPPERS and node.args:
                inner = self.meaning(node.args[0].value)
                return inner if isinstance(inner, ModelMeaning) else None
            if qualified.split(".")[0] in catalogue.WATCHED_MODULES:
                return ApiMeaning(qualified)
            if qualified.split(".")[0] in catalogue.IMPORTED_NOT_PROJECT:
                return None
            module, _, name = qualified.rpartition(".")
            return ModelMeaning(ModelRef(module, name))  # joined by the project if it is a model
        callee = self.meaning(func)
        if isinstance(callee, ModelMeaning):
            return OutputMeaning(callee.ref)
        passed = self.binding_for(func.value) if isinstance(func, cst.Name) else None
        if passed is not None and isinstance(passed.expr, Parameter):
            return ParameterOutputMeaning(passed.expr)  # model(x) where model is a parameter of the function
        if isinstance(callee, ClassMeaning):
            return ModelMeaning(callee.ref)
        if isinstance(callee, FunctionMeaning) and callee.name in self._model_factories:
            return self._model_factories[callee.name]
        owner = self.current_class()
        if owner is not None and _calls_self(func):
            return OutputMeaning(ModelRef(None, owner.name))
        return None

    # ------------------------------------------------------------ operations

    def output_op(self: PythonExtractor, node: cst.BaseExpression) -> str:
        """The last operation an expression applies: softmax, sigmoid, layer:fc, Linear, tuple, other."""
        if isinstance(node, (cst.Tuple, cst.List, cst.Dict)):
            return "tuple"  # several outputs (actor and critic, logits and features)
        if isinstance(node, cst.Name):
            function = self.function_scope()
            binding = self.visible_binding(function, node.value) if function is not None else None
            return binding.op if binding is not None else "other"
        if not isinstance(node, cst.Call):
            return "other"
        func = node.func
        qualified = self.qualified_name(func)
        if qualified in catalogue.ACTIVATION_FUNCTIONS:
            return catalogue.ACTIVATION_FUNCTIONS[qualified]
        if qualified is not None and qualified.startswith("torch.nn.functional."):
            return qualified.rpartition(".")[2]
        if isinstance(func, cst.Call):  # nn.Softmax(dim=1)(x)
            return self.module_op(func)
        if isinstance(func, cst.Attribute) and qualified is None:
            method = func.attr.value
            if is_self_attribute(func):
                return f"layer:{method}"
            if method in catalogue.ACTIVATION_METHODS:
                return catalogue.ACTIVATION_METHODS[method]
            if method in catalogue.TRANSPARENT_METHODS:
                return self.output_op(func.value)
        return "other"

    def output_form(self: PythonExtractor, node: cst.BaseExpression) -> str:
        """How the activation a return path ends with is written (OutputOp.form); `layer:<attribute>` for
        `self.act(x)`, which `record_class` keeps when the attribute is an activation layer."""
        if not isinstance(node, cst.Call) or any(arg.star for arg in node.args):
            return ""
        func = node.func
        qualified = self.qualified_name(func)
        if isinstance(func, cst.Attribute) and qualified is None and not is_self_attribute(func):
            return "method" if func.attr.value in catalogue.ACTIVATION_METHODS else ""
        if activation_input(node) is None:
            return ""
        if qualified in catalogue.ACTIVATION_FUNCTIONS:
            return "function" if isinstance(func, cst.Attribute) else "call"
        if isinstance(func, cst.Call):
            return "call" if self.qualified_name(func.func) in catalogue.ACTIVATION_LAYERS else ""
        if is_self_attribute(func):
            return f"layer:{func.attr.value}"
        return ""

    def module_op(self: PythonExtractor, node: cst.BaseExpression) -> str:
        """What a module-constructing call applies: nn.Softmax -> softmax, nn.Sequential -> its last, a model of
        the project -> `model:<module>:<Name>` (the project follows it to that model's own output)."""
        if not isinstance(node, cst.Call):
            return "other"
        qualified = self.qualified_name(node.func)
        meaning = self.meaning(node)
        if isinstance(meaning, ModelMeaning) and (qualified is None or qualified.split(".")[0] not in catalogue.WATCHED_MODULES):
            return submodel_op(meaning.ref)
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

    def applied_op(self: PythonExtractor, node: cst.Call) -> Optional[str]:
        """The operation a call inside forward applies, for the order of operations."""
        func = node.func
        qualified = self.qualified_name(func)
        if qualified is not None:
            if qualified in catalogue.ACTIVATION_FUNCTIONS:
                return catalogue.ACTIVATION_FUNCTIONS[qualified]
            if qualified.startswith("torch.nn.functional."):
                return qualified.rpartition(".")[2]
            return None
        if isinstance(func, cst.Attribute):
            if is_self_attribute(func):
                return f"layer:{func.attr.value}"
            if func.attr.value in catalogue.ACTIVATION_METHODS:
                return catalogue.ACTIVATION_METHODS[func.attr.value]
        return None

    # ------------------------------------------------------------ layers

    def layers_of(self: PythonExtractor, attribute: str, node: cst.BaseExpression) -> Iterator[Layer]:
        """The layers `self.attribute = node` builds: one, a Sequential's elements, a ModuleList's."""
        if not isinstance(node, cst.Call):
            return
        qualified = self.qualified_name(node.func)
        if qualified is None or not qualified.startswith("torch.nn."):
            if qualified is None or qualified.split(".")[0] not in catalogue.IMPORTED_NOT_PROJECT:
                # A block of the project's own (or a layer passed in): opaque, but it is there.
                yield Layer(attribute, f"local.{dotted(node.func)}", self.location(node), 1)
            return
        if qualified in (catalogue.SEQUENTIAL, catalogue.MODULE_LIST):
            if qualified == catalogue.MODULE_LIST and node.args and isinstance(node.args[0].value, (cst.List, cst.ListComp)):
                yield from self._listed_layers(attribute, node.args[0].value)
                return
            if qualified == catalogue.MODULE_LIST and node.args and isinstance(node.args[0].value, cst.Name):
                yield from self._listed(attribute, node.args[0].value.value)
                return
            for index, arg in enumerate(node.args):
                if arg.keyword is not None:
                    continue
                if arg.star and isinstance(arg.value, cst.Name):
                    yield from self._listed(f"{attribute}.{index}", arg.value.value)
                elif arg.star and isinstance(arg.value, (cst.List, cst.ListComp)):
                    yield from self._listed_layers(f"{attribute}.{index}", arg.value)
                elif not arg.star:
                    yield from self.layers_of(f"{attribute}.{index}", arg.value)
            return
        yield Layer(attribute, qualified, self.location(node), 1)

    def _listed_layers(self: PythonExtractor, attribute: str, node: cst.BaseExpression) -> Iterator[Layer]:
        if isinstance(node, cst.List):
            for index, element in enumerate(node.elements):
                if isinstance(element, cst.Element):
                    yield from self.layers_of(f"{attribute}.{index}", element.value)
            return
        if isinstance(node, cst.ListComp):
            count = _static_range_length(node.for_in)
            for layer in self.layers_of(attribute, node.elt):
                yield Layer(layer.attribute, layer.api, layer.location, count)

    # ------------------------------------------------------------ layers collected in a list

    def start_layer_list(self: PythonExtractor, name: str, value: cst.BaseExpression) -> None:
        """`layers = [nn.Linear(...), nn.ReLU()]` (or `layers = []`): layers to be wrapped later."""
        scope = self.function_scope()
        if scope is None:
            return
        scope.layer_lists.pop(name, None)
        if isinstance(value, cst.List):
            scope.layer_lists[name] = []
            self.add_to_layer_list(name, value)

    def add_to_layer_list(self: PythonExtractor, name: str, value: cst.BaseExpression) -> None:
        """`layers += [...]`, `layers.append(nn.Conv2d(...))`, `layers.extend([...])`, inside loops of known length."""
        scope = self.function_scope()
        if scope is None or name not in scope.layer_lists:
            return
        repeats = math.prod(self.context.loop_counts)
        elements = [element.value for element in value.elements if isinstance(element, cst.Element)] if isinstance(value, cst.List) else [value]
        for element in elements:
            for layer in self.layers_of("", element):
                scope.layer_lists[name].append(Layer(layer.attribute, layer.api, layer.location, layer.count * repeats))

    def static_count(self: PythonExtractor, iterable: cst.BaseExpression) -> int:
        """How many times `for ... in iterable` runs, when written as range(literal) or a literal list."""
        if isinstance(iterable, (cst.List, cst.Tuple)):
            return len(iterable.elements)
        if (
            isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"
            and len(iterable.args) == 1 and isinstance(iterable.args[0].value, cst.Integer)
        ):
            return int(iterable.args[0].value.value, 0)
        return 0

    def _listed(self: PythonExtractor, attribute: str, name: str) -> list[Layer]:
        scope = self.function_scope()
        layers = scope.layer_lists.get(name, []) if scope is not None else []
        return [Layer(f"{attribute}.{index}", layer.api, layer.location, layer.count) for index, layer in enumerate(layers)]

    # ------------------------------------------------------------ facts

    def record_sequential(self: PythonExtractor, node: cst.Call) -> None:
        location = self.location(node)
        layers = [arg for arg in node.args if arg.keyword is None]
        outputs: tuple[OutputOp, ...] = ()
        if layers and not layers[-1].star:
            outputs = (OutputOp(self.module_op(layers[-1].value), self.location(layers[-1].value), ".*"),)
        built = tuple(self.layers_of("", node))
        self.facts.append(ModelDef(
            sequential_name(location), "sequential", location, (), outputs, built, (), merges=False, gates=False,
        ))

    def record_class(self: PythonExtractor, info: ClassInfo) -> None:
        outputs = tuple(
            OutputOp(self._layer_op(info, op), location, source or _sequential_source(info, op), _layer_form(info, form))
            for op, location, source, form in info.returns
        )
        applied = tuple(OutputOp(self._layer_op(info, op), location) for op, location in info.applied)
        self.facts.append(ModelDef(
            info.name, "class", info.location, info.bases, outputs, tuple(info.layers), applied,
            info.merges, info.gates,
        ))

    def output_source(self: PythonExtractor, node: cst.BaseExpression) -> str:
        """The layer attribute an output activation is applied to: `fc` in `F.softmax(self.fc(x), dim=1)` or in
        `x = self.fc(x); return torch.log_softmax(x, dim=1)`."""
        node = strip_transparent(node)
        if not isinstance(node, cst.Call):
            return ""
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        inner = strip_transparent(positional[0]) if positional else None
        if isinstance(inner, cst.Call) and is_self_attribute(inner.func):
            return inner.func.attr.value  # type: ignore[union-attr]
        function = self.function_scope()
        if isinstance(inner, cst.Name) and function is not None:
            binding = self.visible_binding(function, inner.value)
            if binding is not None and binding.op.startswith("layer:"):
                return binding.op[len("layer:"):]
        return ""

    def _layer_op(self: PythonExtractor, info: ClassInfo, op: str) -> str:
        if not op.startswith("layer:"):
            return op
        attribute = info.attributes.get(op[len("layer:"):])
        return attribute.op if attribute is not None else "other"

    def calls_a_model(self: PythonExtractor, node: cst.Call) -> bool:
        """`model(x)`, `self.net(x)`, `net.forward(x)`: a forward pass (also of a model passed in)."""
        if isinstance(self._call_meaning(node), OutputMeaning):
            return True
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "forward":
            func = func.value
        name = func.value if isinstance(func, cst.Name) else func.attr.value if is_self_attribute(func) else ""
        return bool(_MODEL_NAME.search(name))

    def record_loss_input(self: PythonExtractor, node: cst.Call, loss: str) -> None:
        model_input = _loss_input_argument(node)
        if model_input is None:
            return
        meaning = self.meaning(strip_transparent(model_input))
        if isinstance(meaning, OutputMeaning):
            self.facts.append(LossInput(loss, meaning.ref, self.location(node), None))
        elif isinstance(meaning, ParameterOutputMeaning):
            self.facts.append(LossInput(loss, None, self.location(node), meaning.parameter))

    def losses_called(self: PythonExtractor, node: cst.Call) -> list[str]:
        """The loss APIs a call applies: nn.CrossEntropyLoss()(...), criterion(...), F.cross_entropy(...);
        for a criterion assigned on several branches (`if args.loss == "mse": ... elif ...`), each of them."""
        qualified = self.qualified_name(node.func)
        if qualified in catalogue.LOSSES:
            return [qualified]
        callee = self.meaning(node.func)
        if isinstance(callee, ApiMeaning) and callee.api in catalogue.LOSSES:
            return [callee.api]
        if isinstance(node.func, cst.Call):
            inner = self.qualified_name(node.func.func)
            if inner in catalogue.LOSSES:
                return [inner]
        if isinstance(node.func, cst.Name) and callee is None:
            return self._branch_losses(node.func.value)
        return []

    def _branch_losses(self: PythonExtractor, name: str) -> list[str]:
        function = self.function_scope()
        bindings = (function.bindings.get(name) if function is not None else None) or self.module_scope().bindings.get(name) or []
        apis = [binding.meaning.api for binding in bindings if isinstance(binding.meaning, ApiMeaning)]
        if len(bindings) < 2 or len(apis) != len(bindings) or not all(api in catalogue.LOSSES for api in apis):
            return []  # not only losses on every branch
        return list(dict.fromkeys(apis))


_MODEL_NAME = re.compile(r"(^|_)(model|net|network|classifier|encoder|backbone)(_|$|\d)", re.IGNORECASE)


def _sequential_source(info: ClassInfo, op: str) -> str:
    """`return self.net(x)` with net an nn.Sequential: its last layer is what the output comes from."""
    attribute = op[len("layer:"):] if op.startswith("layer:") else ""
    if attribute and any(layer.attribute.startswith(attribute + ".") for layer in info.layers):
        return f"{attribute}.*"
    return ""


def _layer_form(info: ClassInfo, form: str) -> str:
    """`layer:softmax` is the form `layer` when self.softmax is one activation layer (not an nn.Sequential)."""
    if not form.startswith("layer:"):
        return form
    attribute = info.attributes.get(form[len("layer:"):])
    meaning = attribute.meaning if attribute is not None else None
    return "layer" if isinstance(meaning, ApiMeaning) and meaning.api in catalogue.ACTIVATION_LAYERS else ""


def activation_input(node: cst.Call) -> Optional[cst.BaseExpression]:
    """What an activation call takes: its first positional argument, or `input=`; None for `*args`."""
    for arg in node.args:
        if arg.star:
            return None
        if arg.keyword is None or arg.keyword.value == "input":
            return arg.value
    return None


def sequential_name(location: Location) -> str:
    return f"nn.Sequential@{location.line}:{location.column}"


def strip_transparent(node: cst.BaseExpression) -> cst.BaseExpression:
    """`model(x).view(-1, C)` -> `model(x)`: reshaping keeps what the tensor holds."""
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in catalogue.TRANSPARENT_METHODS
    ):
        node = node.func.value
    return node


def _calls_self(func: cst.BaseExpression) -> bool:
    """`self(x)` or `self.forward(x)`."""
    if isinstance(func, cst.Name):
        return func.value == "self"
    return isinstance(func, cst.Attribute) and func.attr.value == "forward" and is_self_attribute(func)


def _loss_input_argument(node: cst.Call) -> Optional[cst.BaseExpression]:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == "input":
            return arg.value
    positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
    return positional[0].value if positional else None


def _static_range_length(for_in: cst.CompFor) -> int:
    """`for _ in range(6)` -> 6, a literal list -> its length; 0 when not statically known."""
    if for_in.inner_for_in is not None or for_in.ifs:
        return 0
    iterable = for_in.iter
    if isinstance(iterable, (cst.List, cst.Tuple)):
        return len(iterable.elements)
    if (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value == "range"
        and len(iterable.args) == 1
        and isinstance(iterable.args[0].value, cst.Integer)
    ):
        return int(iterable.args[0].value.value, 0)
    return 0
