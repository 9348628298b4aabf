"""The values behind arguments, as a careful reader follows them.

Literals, arithmetic, local and module names, dict literals, `args.lr` from argparse, lookups
into config files the code loads, parameters filled by visible call sites, and what project
functions return. What no reader could know (environment, unknown calls, loop variables,
branch-dependent names) becomes `Unknown`; the project resolves the rest across files.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Optional

import libcst as cst

from hplint import catalogue
from hplint.extract.python.scope import ClassMeaning, FunctionMeaning, dotted
from hplint.facts import (
    ArgumentDef, Arith, CallResult, ConfigFile, ConfigUpdate, Const, DictLiteral, Expr, FunctionCall, Local, Location,
    Lookup, Name, OptimizerParams, Parameter, ParsedArgs, Unknown,
)

if TYPE_CHECKING:
    from hplint.extract.python.walker import PythonExtractor

_ARITH_OPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/",
    cst.FloorDivide: "//", cst.Power: "**",
}
_CONVERSIONS = frozenset({"int", "float"})
_MAX_DICT_ITEMS = 500
_MAX_TEXT = 60
DICT_WRITES = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})


class ValueSources:
    """Mixin of PythonExtractor: syntax -> Expr."""

    def to_expr(self: PythonExtractor, node: cst.BaseExpression) -> Expr:
        location = self.location(node)
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            try:
                value = _literal(node)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                value = None
            if not _is_scalar(value):
                return Unknown("a literal hplint does not evaluate", location)  # bytes, a giant integer
            return Const(value, location)
        if isinstance(node, cst.Name):
            return self._name_expr(node, location)
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.Minus):
                return Arith("neg", (self.to_expr(node.expression),), location)
            if isinstance(node.operator, cst.Plus):
                return self.to_expr(node.expression)
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in _ARITH_OPS:
            operands = (self.to_expr(node.left), self.to_expr(node.right))
            return Arith(_ARITH_OPS[type(node.operator)], operands, location)
        if isinstance(node, cst.Attribute):
            return Lookup(self.to_expr(node.value), node.attr.value, source_text(node), None, location)
        if isinstance(node, cst.Subscript):
            return self._subscript_expr(node, location)
        if isinstance(node, cst.Dict):
            return self._dict_expr(node, location)
        if isinstance(node, (cst.Tuple, cst.List)):
            return self._sequence_expr(node, location)
        if isinstance(node, cst.Call):
            return self._call_expr(node, location)
        return Unknown("an expression hplint does not evaluate", location)

    def _name_expr(self: PythonExtractor, node: cst.Name, location: Location) -> Expr:
        name = node.value
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name], location)
        function = self.function_scope()
        if function is not None and name in function.bindings:
            binding = self.visible_binding(function, name)
            if binding is None:
                return Unknown(f"{name} is assigned on more than one branch", location)
            if isinstance(binding.expr, Parameter):
                return binding.expr  # the parameter names itself in the chain
            return Local(name, binding.expr, location)
        module = self.module_scope()
        if function is None and name in module.bindings and self.visible_binding(module, name) is None:
            return Unknown(f"{name} is assigned on more than one branch", location)
        return Name(name, location)

    def _subscript_expr(self: PythonExtractor, node: cst.Subscript, location: Location) -> Expr:
        key = _subscript_key(node)
        if key is None:
            return Unknown("an index hplint does not evaluate", location)
        if key == "0" and _is_method_call(node.value, "parse_known_args"):
            return ParsedArgs(location)  # parser.parse_known_args()[0]
        return Lookup(self.to_expr(node.value), key, source_text(node), None, location)

    def _sequence_expr(self: PythonExtractor, node: cst.Tuple | cst.List, location: Location) -> Expr:
        """`(7, 7)` or `[30, 60, 90]` as one constant (kernel sizes, betas, milestones); a list of config
        dicts (`param_scheduler = [dict(...), dict(...)]`) as a dict keyed by position."""
        items = [self.to_expr(element.value) if isinstance(element, cst.Element) else None for element in node.elements]
        if all(isinstance(item, Const) and not isinstance(item.value, tuple) for item in items):
            return Const(tuple(item.value for item in items), location)  # type: ignore[union-attr]
        if items and all(isinstance(item, (Const, DictLiteral)) for item in items):
            return DictLiteral(tuple((str(position), item) for position, item in enumerate(items)), location)  # type: ignore[misc]
        return Unknown("a sequence hplint does not evaluate", location)

    def _dict_expr(self: PythonExtractor, node: cst.Dict, location: Location) -> Expr:
        items: list[tuple[str, Expr]] = []
        for element in node.elements[:_MAX_DICT_ITEMS]:
            if not isinstance(element, cst.DictElement):
                return Unknown("a dict built with ** unpacking", location)
            key = _string_value(element.key)
            if key is None:
                return Unknown("a dict with computed keys", location)
            items.append((key, self.to_expr(element.value)))
        return DictLiteral(tuple(items), location)

    def _call_expr(self: PythonExtractor, node: cst.Call, location: Location) -> Expr:
        func = node.func
        lazy = self._lazy_call(node, location)
        if lazy is not None:
            return lazy
        qualified = self.qualified_name(func)
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if qualified in catalogue.CONFIG_LOADERS and positional:
            loaded = self._opened_file(self.to_expr(positional[0]))
            if loaded is not None:
                return loaded
            return ConfigFile(self.to_expr(positional[0]), location)
        if isinstance(func, cst.Name) and not self.is_bound(func.value) and qualified is None:
            builtin = self._builtin_call_expr(func.value, node, positional, location)
            if builtin is not None:
                return builtin
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "parse_args":
                return ParsedArgs(location)
            if method == "get" and positional and _string_value(positional[0]) is not None:
                default = self.to_expr(positional[1]) if len(positional) > 1 else None
                return Lookup(self.to_expr(func.value), _string_value(positional[0]) or "", source_text(node), default, location)
        function = self.project_function(func)
        if function is not None:
            return CallResult(function, location)
        if isinstance(func, cst.Name) and isinstance(getattr(self.module_binding(func.value), "meaning", None), ClassMeaning):
            return CallResult(func.value, location)  # Net(): the project tells a model of this file
        if isinstance(func, cst.Attribute) and func.attr.value in catalogue.TRANSPARENT_METHODS:
            return self.to_expr(func.value)  # model.to(device), x.float(): the same thing
        return Unknown(f"the result of {dotted(func)}()", location)

    def _lazy_call(self: PythonExtractor, node: cst.Call, location: Location) -> Optional[Expr]:
        """detectron2's `L(torch.optim.SGD)(lr=0.02)`: a config node whose `_target_` is the class it builds."""
        inner = node.func
        if not (isinstance(inner, cst.Call) and len(inner.args) == 1 and inner.args[0].keyword is None):
            return None
        if not (self.qualified_name(inner.func) or "").endswith("LazyCall"):  # imported as L, usually
            return None
        built = inner.args[0].value
        target = self.qualified_name(built) or dotted(built)
        items = tuple((arg.keyword.value, self.to_expr(arg.value)) for arg in node.args if arg.keyword is not None)
        return DictLiteral((("_target_", Const(target, self.location(built))), *items), location)

    def _opened_file(self: PythonExtractor, expr: Expr) -> Optional[ConfigFile]:
        """`open(path)` itself, or the name it was bound to (`with open(path) as f`)."""
        if isinstance(expr, Local):
            expr = expr.expr
        elif isinstance(expr, Name):
            binding = self.module_binding(expr.name)
            expr = binding.expr if binding is not None else expr
        return expr if isinstance(expr, ConfigFile) else None

    def _builtin_call_expr(
        self: PythonExtractor, name: str, node: cst.Call, positional: list[cst.BaseExpression], location: Location
    ) -> Optional[Expr]:
        if name == "open" and positional:
            return ConfigFile(self.to_expr(positional[0]), location)
        if name == "dict" and not positional:
            items = tuple((arg.keyword.value, self.to_expr(arg.value)) for arg in node.args if arg.keyword is not None)
            return DictLiteral(items, location) if len(items) == len(node.args) else None
        if name == "vars" and len(positional) == 1:
            return self.to_expr(positional[0])
        if name in _CONVERSIONS and len(positional) == 1:
            return Arith(name, (self.to_expr(positional[0]),), location)
        return None

    def project_function(self: PythonExtractor, func: cst.BaseExpression) -> Optional[str]:
        """The name of a module-level function of this file, or the import path of one elsewhere."""
        if not isinstance(func, cst.Name):
            return None
        binding = self.module_binding(func.value)
        if binding is not None and isinstance(binding.meaning, FunctionMeaning) and not self.is_shadowed(func.value):
            return func.value
        qualified = self.qualified_name(func)
        if qualified is not None and qualified.split(".")[0] not in catalogue.IMPORTED_NOT_PROJECT:
            return qualified
        return None

    # ------------------------------------------------------------ facts about value sources

    def record_argument(self: PythonExtractor, node: cst.Call) -> None:
        """`parser.add_argument("--lr", type=float, default=0.1)` -> ArgumentDef."""
        flags = [_string_value(arg.value) for arg in node.args if arg.keyword is None]
        if not flags or any(flag is None for flag in flags):
            return
        options = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        long_flags = [flag for flag in flags if flag and flag.startswith("--")]
        flag = (long_flags or flags)[0] or ""
        dest_node = options.get("dest")
        dest = _string_value(dest_node) if dest_node is not None else flag.lstrip("-").replace("-", "_")
        if not dest:
            return
        action = _string_value(options["action"]) if "action" in options else None
        default: Optional[Expr] = self.to_expr(options["default"]) if "default" in options else None
        value_type = dotted(options["type"]) if "type" in options else None
        if action in ("store_true", "store_false") and default is None:
            default = Const(action == "store_false", self.location(node))
            value_type = "bool"
        self.facts.append(ArgumentDef(dest, flag, default, value_type, self.location(node)))

    def call_arguments(self: PythonExtractor, node: cst.Call) -> tuple[tuple[Expr, ...], tuple[tuple[str, Expr], ...]]:
        """Positional and keyword argument values of a call; `*args` is Unknown in its place."""
        args: list[Expr] = []
        keywords: list[tuple[str, Expr]] = []
        for arg in node.args:
            spread = self._spread_keywords(arg.value) if arg.star == "**" else None
            if spread is not None:
                keywords.extend(spread)
            elif arg.star:
                args.append(Unknown("unpacked arguments", self.location(arg)))
            elif arg.keyword is not None:
                keywords.append((arg.keyword.value, self.to_expr(arg.value)))
            else:
                args.append(self.to_expr(arg.value))
        return tuple(args), tuple(keywords)

    def _spread_keywords(self: PythonExtractor, node: cst.BaseExpression) -> list[tuple[str, Expr]] | None:
        """`DataLoader(ds, **train_kwargs)` after `train_kwargs = {"batch_size": args.batch_size}`: the dict's
        items as keywords, less any key written to the dict since (those could hold anything)."""
        expr = self.to_expr(node)
        literal = expr.expr if isinstance(expr, Local) else expr
        if not isinstance(literal, DictLiteral):
            return None
        written = self._dict_writes.get((self.context.qualname, node.value), set()) if isinstance(node, cst.Name) else set()
        if "*" in written:
            return None
        return [(key, value) for key, value in literal.items if key not in written and key.isidentifier()]

    def record_dict_write(self: PythonExtractor, name: str, node: cst.Call | cst.Subscript) -> None:
        """`kw.update(cuda_kwargs)`, `kw["shuffle"] = True`, `kw.pop("sampler")`: the keys a dict gains or loses."""
        if isinstance(node, cst.Subscript):
            key = _subscript_key(node)
            keys = {key} if key is not None else {"*"}
        elif node.func.attr.value == "update":  # type: ignore[union-attr]
            keys = set()
            for arg in node.args:
                if arg.keyword is not None:
                    keys.add(arg.keyword.value)
                    continue
                merged = self.to_expr(arg.value) if not arg.star or arg.star == "**" else None
                merged = merged.expr if isinstance(merged, Local) else merged
                keys |= {key for key, _ in merged.items} if isinstance(merged, DictLiteral) else {"*"}
        elif node.func.attr.value in ("setdefault", "pop") and node.args:  # type: ignore[union-attr]
            key = _string_value(node.args[0].value)
            keys = {key} if key is not None else {"*"}
        else:
            keys = {"*"}
        self._dict_writes.setdefault((self.context.qualname, name), set()).update(keys)

    def record_config_update(self: PythonExtractor, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        """`train.max_iter = 90000` in a config file: a key of an imported config object set anew."""
        written = dotted(target)
        if isinstance(target, cst.Attribute) and "?" not in written:
            self.facts.append(ConfigUpdate(written, self.to_expr(value), False, self.location(node)))

    def record_config_merge(self: PythonExtractor, node: cst.Call) -> None:
        """`model.update(backbone=dict(arch="large"))` or `cfg.update(dict(...))`: keys merged into a config object."""
        target = dotted(node.func.value) if isinstance(node.func, cst.Attribute) else "?"
        if "?" in target:
            return
        if node.args and all(arg.keyword is not None for arg in node.args):
            items = tuple((arg.keyword.value, self.to_expr(arg.value)) for arg in node.args if arg.keyword is not None)
            merged: Expr = DictLiteral(items, self.location(node))
        elif len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star:
            merged = self.to_expr(node.args[0].value)
        else:
            return
        self.facts.append(ConfigUpdate(target, merged, True, self.location(node)))

    def record_optimizer_params(self: PythonExtractor, node: cst.Call) -> None:
        """What an optimizer is built over, as written: a model's parameters, slices of a tensor, new tensors."""
        params = next((arg.value for arg in node.args if arg.keyword is not None and arg.keyword.value == "params"), None)
        if params is None and node.args and node.args[0].keyword is None and not node.args[0].star:
            params = node.args[0].value
        if params is None:
            return
        kind, subject = self._params_kind(params)
        self.facts.append(OptimizerParams(kind, subject, self.location(node)))

    def _params_kind(self: PythonExtractor, params: cst.BaseExpression) -> tuple[str, str]:
        if isinstance(params, cst.Call) and isinstance(params.func, cst.Attribute) and params.func.attr.value in (
            "parameters", "named_parameters",
        ):
            return "parameters", dotted(params.func.value)
        if not isinstance(params, (cst.List, cst.Tuple)) or not params.elements:
            return "other", ""
        items = [element.value for element in params.elements if isinstance(element, cst.Element)]
        if len(items) != len(params.elements):
            return "other", ""
        if all(isinstance(item, cst.Subscript) and isinstance(item.value, cst.Name) for item in items):
            return "slices", ", ".join(dict.fromkeys(item.value.value for item in items))  # type: ignore[attr-defined]
        if all(self._new_tensor_without_grad(item) for item in items):
            return "new_tensors", ", ".join(source_text(item) for item in items)
        if all(isinstance(item, cst.Name) for item in items):
            return "tensors", ", ".join(item.value for item in items)  # type: ignore[attr-defined]
        return "other", ""

    def _new_tensor_without_grad(self: PythonExtractor, node: cst.BaseExpression) -> bool:
        """`torch.zeros(3)`, or a name bound to one, that does not ask for a gradient."""
        if isinstance(node, cst.Name):
            binding = self.binding_for(node.value)
            node = binding.source if binding is not None and binding.source is not None else node
        if not isinstance(node, cst.Call) or self.qualified_name(node.func) not in catalogue.TENSOR_CONSTRUCTORS:
            return False
        return not any(arg.keyword is not None and arg.keyword.value == "requires_grad" for arg in node.args)

    def reads_base(self: PythonExtractor, item: cst.BaseExpression) -> bool:
        return isinstance(item, cst.Call) and (self.qualified_name(item.func) or dotted(item.func)).endswith("read_base")

    def record_function_call(self: PythonExtractor, node: cst.Call, function: str) -> None:
        args, keywords = self.call_arguments(node)
        self.facts.append(FunctionCall(function, args, keywords, self.location(node)))


def source_text(node: cst.CSTNode, limit: Optional[int] = _MAX_TEXT) -> str:
    text = _dotted_text(node)
    if text is None:
        text = cst.Module(body=[]).code_for_node(node)
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def _dotted_text(node: cst.CSTNode) -> Optional[str]:
    """`a.b.c` read straight from the names (most texts are these); None where code generation is needed."""
    kind = type(node)
    if kind is cst.Name:
        return None if node.lpar else node.value
    if kind is cst.Attribute and not node.lpar and _tight(node.dot):
        inner = _dotted_text(node.value)
        return None if inner is None else f"{inner}.{node.attr.value}"
    return None


def _tight(dot: cst.Dot) -> bool:
    before, after = dot.whitespace_before, dot.whitespace_after
    return type(before) is cst.SimpleWhitespace and not before.value and type(after) is cst.SimpleWhitespace and not after.value


def _string_value(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return None
    try:
        value = _literal(node)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _literal(node: cst.BaseExpression) -> Any:
    """The value of a number or string literal, read from its token where it has one (no code generation)."""
    kind = type(node)
    if kind is cst.Integer:
        return int(node.value, 0)
    if kind is cst.Float:
        return float(node.value)
    if kind is cst.SimpleString:
        text = node.value
        quote = text[0]
        # Most strings are plain ('adam', "val"): no prefix, escape or triple quote to interpret.
        # (literal_eval also leaves reference cycles behind, its helpers being recursive closures.)
        if quote in "'\"" and "\\" not in text and text.count(quote) == 2:
            return text[1:-1]
        return ast.literal_eval(text)
    return ast.literal_eval(source_text(node, limit=None))


_MAX_INTEGER = 10**100  # no hyperparameter is larger; bigger integers only cost time and JSON trouble


def _is_scalar(value: Any) -> bool:
    """A value facts can hold and the cache can store: a number of sane size, text, a flag or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < _MAX_INTEGER
    return value is None or isinstance(value, (float, str, bool))


def _subscript_key(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    index = node.slice[0].slice.value
    if isinstance(index, cst.Integer):
        return str(int(index.value, 0))
    return _string_value(index)


def _is_method_call(node: cst.BaseExpression, method: str) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method
