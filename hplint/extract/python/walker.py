"""The single walk over a LibCST tree: scopes, imports, bindings and control flow, feeding the
value, model and training-loop extractors (mixins) from the same visit.
"""

from __future__ import annotations

import builtins
from typing import Iterator, Optional

import libcst as cst

from hplint import catalogue
from hplint.extract.python.flow import ForwardFlow
from hplint.extract.python.inits import WeightInits
from hplint.extract.python.models import ModelStructure
from hplint.extract.python.positions import Positions
from hplint.extract.python.scope import (
    Binding, ClassInfo, ClassMeaning, FunctionContext, FunctionMeaning, Meaning, ModelMeaning, Scope, dotted,
    is_self_attribute,
)
from hplint.extract.python.training import TrainingOperations
from hplint.extract.python.values import DICT_WRITES, ValueSources, source_text
from hplint.facts import (
    BaseImport, Binding as BindingFact, Call, ConfigFile, Const, EntryPoint, Expr, Fact, FunctionReturn, Import, Layer, Location,
    ModelRef, ModuleImport, Parameter, ParsedArgs, Unknown,
)

_BUILTINS = frozenset(dir(builtins))


class PythonExtractor(ValueSources, ModelStructure, TrainingOperations, ForwardFlow, WeightInits):
    """Visited by `walk`: visit_<Node> before a node's children, leave_<Node> after them."""

    def __init__(self, path: str, positions: Positions) -> None:
        self.path = path
        self._positions = positions
        self.facts: list[Fact] = []
        self._scopes: list[Scope] = [Scope("module", "", "")]
        self._classes: list[ClassInfo] = []
        self._contexts: list[FunctionContext] = [FunctionContext("", module_level=False)]
        self._block_counter = 0
        self._star_imports: list[str] = []
        self._module_assignments: dict[str, list[tuple[Expr, Location, bool]]] = {}
        self._targets: dict[int, str] = {}  # id(call node) -> the name its result is bound to
        self._unconditional_ifs: set[int] = set()  # `if __name__ == "__main__":` blocks
        self._no_grad_withs: set[int] = set()
        self._base_withs: set[int] = set()
        self._withs: list[cst.With] = []  # the with-blocks around the node being read, innermost last
        self._model_factories: dict[str, ModelMeaning] = {}  # module-level functions that return a model
        # (scope, dict name) -> keys written after the dict was built (`kw.update(...)`, `kw["k"] = v`); "*": any key
        self._dict_writes: dict[tuple[str, str], set[str]] = {}
        self._init_scopes: set[str] = set()  # functions holding an init call, read again when the walk leaves them

    # ------------------------------------------------------------ where we are

    def location(self, node: cst.CSTNode) -> Location:
        line, column, end_line, end_column = self._positions.range(node)
        return Location(self.path, line, column + 1, end_line, end_column + 1)

    @property
    def context(self) -> FunctionContext:
        return self._contexts[-1]

    def module_scope(self) -> Scope:
        return self._scopes[0]

    def function_scope(self) -> Optional[Scope]:
        for scope in reversed(self._scopes):
            if scope.kind == "function":
                return scope
        return None

    def current_class(self) -> Optional[ClassInfo]:
        """The class whose method we are in (a method's direct enclosing scope is the class)."""
        if len(self._scopes) >= 2 and self._scopes[-1].kind == "function" and self._scopes[-2].kind == "class":
            return self._classes[-1] if self._classes else None
        return None

    # ------------------------------------------------------------ names

    def _lookup_import(self, name: str) -> Optional[str]:
        for scope in reversed(self._scopes):
            if scope.kind == "class" and scope is not self._scopes[-1]:
                continue
            if name in scope.imports:
                return scope.imports[name]
        return None

    def is_bound(self, name: str) -> bool:
        return any(name in scope.bindings or name in scope.imports for scope in self._scopes if scope.kind != "class")

    def is_shadowed(self, name: str) -> bool:
        """Bound in an enclosing function, hiding the module-level name."""
        return any(name in scope.bindings for scope in self._scopes[1:] if scope.kind == "function")

    def qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        """The dotted name an expression refers to through imports, or None."""
        if isinstance(node, cst.Name):
            imported = self._lookup_import(node.value)
            if imported is not None:
                return imported
            if len(self._star_imports) == 1 and node.value not in _BUILTINS and not self.is_bound(node.value):
                return f"{self._star_imports[0]}.{node.value}"
            return None
        if isinstance(node, cst.Attribute):
            base = self.qualified_name(node.value)
            return f"{base}.{node.attr.value}" if base is not None else None
        return None

    def visible_binding(self, scope: Scope, name: str) -> Optional[Binding]:
        """The binding a use of `name` here sees, when exactly one can reach it."""
        bindings = scope.bindings.get(name)
        if not bindings:
            return None
        last = bindings[-1]
        here = tuple(self.context.blocks)
        if here[: len(last.blocks)] != last.blocks:
            return None  # bound on a branch this use is not inside
        return last

    def module_binding(self, name: str) -> Optional[Binding]:
        bindings = self.module_scope().bindings.get(name)
        return bindings[0] if bindings and len(bindings) == 1 else None

    def binding_for(self, name: str) -> Optional[Binding]:
        function = self.function_scope()
        if function is not None and name in function.bindings:
            return self.visible_binding(function, name)
        return self.module_binding(name)

    def _bind(
        self, name: str, expr: Expr, meaning: Meaning = None, op: str = "other", source: Optional[cst.BaseExpression] = None,
    ) -> None:
        binding = Binding(expr, meaning, tuple(self.context.blocks), op, source)
        scope = self._scopes[-1]
        scope.bindings.setdefault(name, []).append(binding)
        if scope.kind == "module":
            conditional = bool(self.context.blocks)
            self._module_assignments.setdefault(name, []).append((expr, expr.location, conditional))

    # ------------------------------------------------------------ module, classes, functions

    def visit_Module(self, node: cst.Module) -> None:
        # Functions and classes of the module are known before any body refers to them.
        for statement in node.body:
            if isinstance(statement, cst.FunctionDef):
                meaning: Meaning = FunctionMeaning(statement.name.value)
            elif isinstance(statement, cst.ClassDef):
                meaning = ClassMeaning(ModelRef(None, statement.name.value))
            else:
                continue
            self.module_scope().bindings.setdefault(statement.name.value, []).append(
                Binding(Unknown("a definition", self.location(statement.name)), meaning, ())
            )

    def leave_Module(self, original_node: cst.Module) -> None:
        self.record_inits(original_node)
        for name, assignments in self._module_assignments.items():
            expr, location, conditional = assignments[-1]
            if len(assignments) > 1 or conditional:
                expr = Unknown(f"{name} is assigned {len(assignments)} times at module level", location)
            self.facts.append(BindingFact(name, expr, location))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = tuple(self.qualified_name(arg.value) or dotted(arg.value) for arg in node.bases)
        name = node.name.value
        if self._scopes[-1].kind != "module":
            self._scopes[-1].bindings.setdefault(name, []).append(
                Binding(Unknown("a class", self.location(node.name)), ClassMeaning(ModelRef(None, name)), ())
            )
        qualname = f"{self._scopes[-1].qualname}.{name}".lstrip(".")
        self._classes.append(ClassInfo(name, self.location(node.name), bases))
        self._scopes.append(Scope("class", name, qualname))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()
        info = self._classes.pop()
        self.record_class(info)
        self.record_forward_graph(info, original_node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        module_level = len(self._scopes) == 1
        qualname = f"{self._scopes[-1].qualname}.{name}".lstrip(".")
        if not module_level:
            # A nested function: calling it is a call into its operations (`def run(): for x in loader: ...`).
            meaning = FunctionMeaning(qualname) if self._scopes[-1].kind == "function" else None
            self._scopes[-1].bindings.setdefault(name, []).append(
                Binding(Unknown("a function", self.location(node.name)), meaning, tuple(self.context.blocks))
            )
        # A module-level class's __init__ gets its values from the instantiations: Net(dropout=0.5).
        constructor = name == "__init__" and len(self._scopes) == 2 and self._scopes[1].kind == "class"
        parameters = list(self._parameter_bindings(node, qualname, module_level or constructor, skip_self=constructor))
        context = FunctionContext(qualname, module_level)
        if any(self.enters_no_grad(decorator.decorator) for decorator in node.decorators):
            context.no_grad = 1
        scope = Scope("function", name, qualname)
        for param_name, expr in parameters:
            scope.bindings[param_name] = [Binding(expr, None, ())]
        self._scopes.append(scope)
        self._contexts.append(context)

    def _parameter_bindings(
        self, node: cst.FunctionDef, qualname: str, module_level: bool, skip_self: bool = False
    ) -> Iterator[tuple[str, Expr]]:
        hydra_config = self._hydra_config(node)
        params = node.params
        positional = [*params.posonly_params, *params.params]
        for index, param in enumerate(positional):
            location = self.location(param.name)
            position = index - 1 if skip_self else index
            if position < 0:
                yield param.name.value, Unknown("self", location)
            elif position == 0 and hydra_config is not None:
                yield param.name.value, hydra_config
            elif module_level:
                default = self.to_expr(param.default) if param.default is not None else None
                yield param.name.value, Parameter(qualname, param.name.value, position, default, location)
            else:
                yield param.name.value, Unknown(f"parameter {param.name.value}", location)
        for param in params.kwonly_params:
            location = self.location(param.name)
            if module_level:
                default = self.to_expr(param.default) if param.default is not None else None
                yield param.name.value, Parameter(qualname, param.name.value, -1, default, location)
            else:
                yield param.name.value, Unknown(f"parameter {param.name.value}", location)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                yield star.name.value, Unknown(f"parameter {star.name.value}", self.location(star.name))

    def _hydra_config(self, node: cst.FunctionDef) -> Optional[ConfigFile]:
        """`@hydra.main(config_path="conf", config_name="config")` -> conf/config.yaml."""
        for decorator in node.decorators:
            call = decorator.decorator
            if not isinstance(call, cst.Call) or self.qualified_name(call.func) != catalogue.HYDRA_MAIN:
                continue
            options = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
            folder = self.to_expr(options["config_path"]) if "config_path" in options else None
            name = self.to_expr(options["config_name"]) if "config_name" in options else None
            folder_text = getattr(folder, "value", None) if folder is not None else ""
            name_text = getattr(name, "value", None)
            config = None
            if isinstance(folder_text, str) and isinstance(name_text, str):
                filename = name_text if name_text.endswith((".yaml", ".yml")) else f"{name_text}.yaml"
                path = f"{folder_text.rstrip('/')}/{filename}" if folder_text else filename
                config = ConfigFile(Const(path, self.location(call)), self.location(call))
            self.facts.append(EntryPoint("hydra", self.location(call), config))
            return config
        return None

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.record_inits(original_node)
        scope = self._scopes.pop()
        context = self._contexts.pop()
        if context.module_level and len(context.returns) == 1:
            self.facts.append(FunctionReturn(scope.name, context.returns[0], self.location(original_node.name)))

    # ------------------------------------------------------------ control flow

    def _enter_block(self) -> None:
        self._block_counter += 1
        self.context.blocks.append(self._block_counter)

    def visit_If(self, node: cst.If) -> None:
        if _is_main_guard(node.test):
            self._unconditional_ifs.add(id(node))
            self.facts.append(EntryPoint("main", self.location(node.test), None))
            return
        self._enter_block()
        test = source_text(node.test)
        self.context.conditions.append(test)
        if any(word in test.lower() for word in catalogue.STOPPING_WORDS):
            self.operation("condition", test, node)

    def leave_If(self, original_node: cst.If) -> None:
        if id(original_node) not in self._unconditional_ifs:
            self.context.blocks.pop()
            self.context.conditions.pop()

    def visit_Else(self, node: cst.Else) -> None:
        self._enter_block()

    def leave_Else(self, original_node: cst.Else) -> None:
        self.context.blocks.pop()

    def visit_For(self, node: cst.For) -> None:
        self._enter_block()
        subject = self.loop_subject(node.iter)
        target = ", ".join(_target_names(node.target))
        self.operation("loop", subject, node, value=self.loop_count(node.iter), target=target)
        self.context.loops.append(subject)
        self.context.loop_counts.append(self.static_count(node.iter))
        for name in _target_names(node.target):
            self._bind(name, Unknown(f"loop variable {name}", self.location(node.target)))

    def leave_For(self, original_node: cst.For) -> None:
        self.context.loops.pop()
        self.context.loop_counts.pop()
        self.context.blocks.pop()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        # Located at its target: a comprehension's `for` has no syntactic position of its own.
        self.operation("loop", self.loop_subject(node.iter), node.target, target=", ".join(_target_names(node.target)))

    def visit_While(self, node: cst.While) -> None:
        self._enter_block()
        self.context.loops.append("while")
        self.context.loop_counts.append(0)

    def leave_While(self, original_node: cst.While) -> None:
        self.context.loops.pop()
        self.context.loop_counts.pop()
        self.context.blocks.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._enter_block()

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.context.blocks.pop()

    def visit_With(self, node: cst.With) -> None:
        self._withs.append(node)
        if any(self.enters_no_grad(item.item) for item in node.items):
            self._no_grad_withs.add(id(node))
            self.context.no_grad += 1
        if len(self._scopes) == 1 and any(self.reads_base(item.item) for item in node.items):
            self._base_withs.add(id(node))  # MMEngine's `with read_base():` imports the configs it inherits

    def leave_With(self, original_node: cst.With) -> None:
        self._withs.pop()
        if id(original_node) in self._no_grad_withs:
            self.context.no_grad -= 1
        self._base_withs.discard(id(original_node))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is None:
            return
        opened = self.to_expr(node.item)
        for name in _target_names(node.asname.name):
            expr = opened if isinstance(opened, ConfigFile) else Unknown(f"{name} is bound by with", self.location(node))
            self._bind(name, expr)

    # ------------------------------------------------------------ imports

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            name = dotted(alias.name)
            self.facts.append(ModuleImport(name, self.location(alias)))
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._import(alias.asname.name.value, name, alias)
            else:
                self._import(name.split(".")[0], name.split(".")[0], alias)
        return False  # every name is read here: nothing inside to walk

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = "." * len(node.relative) + (dotted(node.module) if node.module is not None else "")
        if self._base_withs:
            self.facts.append(BaseImport(module, self.location(node)))
        if isinstance(node.names, cst.ImportStar):
            self.facts.append(ModuleImport(module, self.location(node)))
            if not node.relative:
                self._star_imports.append(module)
            return False
        separator = "" if module.endswith(".") else "."
        for alias in node.names:
            name = dotted(alias.name)
            self.facts.append(ModuleImport(f"{module}{separator}{name}", self.location(alias)))
            asname = alias.asname.name if alias.asname is not None else None
            local = asname.value if isinstance(asname, cst.Name) else name
            self._import(local, f"{module}{separator}{name}", alias)
        return False

    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return False  # a type hint holds no hyperparameter, model or training step

    def _import(self, local: str, qualified: str, node: cst.CSTNode) -> None:
        self._scopes[-1].imports[local] = qualified
        if self._scopes[-1].kind == "module":
            self.facts.append(Import(local, qualified, self.location(node)))

    # ------------------------------------------------------------ assignments

    def visit_Assign(self, node: cst.Assign) -> None:
        if not isinstance(node.value, cst.Call):
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._targets[id(node.value)] = target.target.value
            elif is_self_attribute(target.target):
                self._targets[id(node.value)] = target.target.attr.value  # type: ignore[union-attr]

    def leave_Assign(self, original_node: cst.Assign) -> None:
        # Bind after the right-hand side is visited: `x = f(x)` sees the old x.
        for target in original_node.targets:
            self._assign(target.target, original_node.value, original_node)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if original_node.value is not None:
            self._assign(original_node.target, original_node.value, original_node)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        self.record_lr_assignment(original_node.target, original_node)  # g["lr"] *= 0.1
        if isinstance(original_node.target, cst.Name) and isinstance(original_node.operator, cst.AddAssign):
            self.add_to_layer_list(original_node.target.value, original_node.value)
        for name in _target_names(original_node.target):
            self._bind(name, Unknown(f"{name} is updated in place", self.location(original_node)))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        for name in _target_names(node.target):
            self._bind(name, Unknown(f"{name} is bound in an expression", self.location(node)))

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, statement: cst.CSTNode) -> None:
        for name in _target_names(target) if not is_self_attribute(target) else [target.attr.value]:  # type: ignore[union-attr]
            if catalogue.names_evaluation(name):
                self.operation("held_out_name", name, statement)  # val_loader = ..., test_ds = ...
        if isinstance(target, cst.Name):
            self._bind(target.value, self.to_expr(value), self.meaning(value), self.output_op(value), value)
            self.start_layer_list(target.value, value)
            return
        if is_self_attribute(target):
            self._assign_attribute(target.attr.value, value)  # type: ignore[union-attr]
            return
        self.record_grad_assignment(target, value, statement)
        self.record_lr_assignment(target, statement)
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self.record_dict_write(target.value.value, target)
        if len(self._scopes) == 1:
            self.record_config_update(target, value, statement)
        names = list(_target_names(target))
        if names and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "parse_known_args":
            self._bind(names[0], ParsedArgs(self.location(value)))  # args, unknown = parser.parse_known_args()
            names = names[1:]
        for name in names:
            self._bind(name, Unknown(f"{name} is unpacked", self.location(target)))

    def _assign_attribute(self, attribute: str, value: cst.BaseExpression) -> None:
        owner = self.current_class()
        if owner is None:
            return
        assigned_before = attribute in owner.attributes
        owner.attributes[attribute] = Binding(self.to_expr(value), self.meaning(value), (), self.module_op(value))
        function = self.function_scope()
        if function is None or function.name != "__init__":
            return
        built = list(self.layers_of(attribute, value))
        if assigned_before:
            # Built on several branches (or rebuilt): which layers exist is not known statically.
            owner.layers = [
                Layer(layer.attribute, layer.api, layer.location, 0) if _same_attribute(layer.attribute, attribute) else layer
                for layer in owner.layers
            ]
            built = [Layer(layer.attribute, layer.api, layer.location, 0) for layer in built]
        owner.layers.extend(built)

    # ------------------------------------------------------------ calls and returns

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None:
            return
        if isinstance(node.value, cst.Call):
            self._targets[id(node.value)] = self.context.qualname.rpartition(".")[2]
        if self.context.module_level:
            self.context.returns.append(self.to_expr(node.value))
            meaning = self.meaning(node.value)
            if isinstance(meaning, ModelMeaning):
                self._model_factories[self.context.qualname] = meaning  # def build_model(): return nn.Sequential(...)
        owner = self.current_class()
        if owner is not None and self._scopes[-1].name == "forward":
            owner.returns.append((
                self.output_op(node.value), self.location(node.value), self.output_source(node.value),
                self.output_form(node.value),
            ))

    def visit_Dict(self, node: cst.Dict) -> None:
        """Lightning's `{"scheduler": scheduler, "interval": "step"}`: that scheduler steps once per batch."""
        items = {
            key.value[1:-1]: element.value for element in node.elements
            if isinstance(element, cst.DictElement) and isinstance(key := element.key, cst.SimpleString)
        }
        interval = items.get("interval")
        scheduler = items.get("scheduler")
        if isinstance(interval, cst.SimpleString) and interval.value[1:-1] == "step" and isinstance(scheduler, cst.Name):
            self.operation("scheduler_per_step", scheduler.value, node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.record_tensor_combination(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        owner = self.current_class()
        if owner is not None and self._scopes[-1].name == "forward":
            if isinstance(node.operator, cst.AddAssign):
                owner.merges = True
            elif isinstance(node.operator, cst.MultiplyAssign) and not isinstance(node.value, (cst.Integer, cst.Float)):
                owner.gates = True  # x *= torch.sigmoid(x): swish, a gate

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is None:
            return
        if isinstance(node.value, cst.Call):
            self._targets[id(node.value)] = node.keyword.value
        if node.keyword.value in catalogue.HELD_OUT_KEYWORDS:
            self.operation("holds_out", node.keyword.value, node)

    def visit_Call(self, node: cst.Call) -> None:
        self.note_init_call(node)
        qualified = self.qualified_name(node.func)
        if qualified is not None and qualified.split(".")[0] in catalogue.WATCHED_MODULES:
            self._record_api_call(node, qualified)
            self._record_api_operation(node, qualified)
            if qualified in catalogue.LOSSES:
                self.record_loss_input(node, qualified)
            elif qualified == catalogue.SEQUENTIAL and self.current_class() is None and not self._classes:
                self.record_sequential(node)  # inside a class it is one of the class's layers
            return
        if isinstance(node.func, cst.Name) and node.func.value == "exec" and node.args and len(self._scopes) == 1:
            # nanoGPT's `exec(open("configurator.py").read())`: the launch line's config file and
            # --key=value arguments override this script's module-level values
            self.operation("exec_file", source_text(node.args[0].value), node)
        for loss in self.losses_called(node):
            self.record_loss_input(node, loss)
        if self.calls_a_model(node):
            called = node.func.value if isinstance(node.func, cst.Attribute) and node.func.attr.value == "forward" else node.func
            self.operation("forward", source_text(node.func), node, value=self.to_expr(called))
        if isinstance(node.func, cst.Attribute):
            if node.func.attr.value == "add_argument":
                self.record_argument(node)
            elif node.func.attr.value == "enter_context" and self._withs and any(
                self.enters_no_grad(arg.value) for arg in node.args
            ) and id(self._withs[-1]) not in self._no_grad_withs:
                self._no_grad_withs.add(id(self._withs[-1]))  # with ExitStack() as stack: stack.enter_context(torch.no_grad())
                self.context.no_grad += 1
            elif node.func.attr.value == "update" and len(self._scopes) == 1:
                self.record_config_merge(node)
            if node.func.attr.value in DICT_WRITES and isinstance(node.func.value, cst.Name):
                self.record_dict_write(node.func.value.value, node)
            self.record_method_operation(node, node.func)
            return
        function = self.project_function(node.func)
        if function is not None:
            self.record_function_call(node, function)
            self.operation("calls", function, node)
        elif isinstance(node.func, cst.Name):
            binding = self.module_binding(node.func.value)
            if binding is not None and isinstance(binding.meaning, ClassMeaning):
                self.record_function_call(node, f"{node.func.value}.__init__")
            nested = self.binding_for(node.func.value) if self.function_scope() is not None else None
            if nested is not None and isinstance(nested.meaning, FunctionMeaning) and "." in nested.meaning.name:
                self.operation("calls", nested.meaning.name, node)

    def leave_Call(self, original_node: cst.Call) -> None:
        owner = self.current_class()
        if owner is not None and self._scopes[-1].name == "forward":
            op = self.applied_op(original_node)
            if op is not None:
                owner.applied.append((op, self.location(original_node)))

    def _record_api_operation(self, node: cst.Call, qualified: str) -> None:
        if qualified == "torch.save":
            saved = node.args[1].value if len(node.args) > 1 else node
            self.operation("save", source_text(saved), node)
        owner = self.current_class()
        if owner is not None and self._scopes[-1].name == "forward":
            owner.merges = owner.merges or qualified in catalogue.MERGING_FUNCTIONS
            owner.gates = owner.gates or qualified in catalogue.GATING_FUNCTIONS

    def _record_api_call(self, node: cst.Call, qualified: str) -> None:
        if qualified in catalogue.OPTIMIZERS:
            self.record_optimizer_params(node)
        args, keywords = self.call_arguments(node)
        self.facts.append(Call(
            qualified, self.location(node), args, keywords, self._targets.get(id(node)), self._scopes[-1].qualname,
        ))


def _target_names(node: cst.BaseExpression) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _target_names(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from _target_names(node.value)


def _same_attribute(name: str, attribute: str) -> bool:
    return name == attribute or name.startswith(attribute + ".")


def _is_main_guard(test: cst.BaseExpression) -> bool:
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Equal)
        and "__main__" in source_text(test.comparisons[0].comparator)
    )
