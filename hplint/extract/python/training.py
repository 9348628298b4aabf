"""Training-loop operations: backward, optimizer steps, zeroing gradients, train/eval modes,
loops over loaders, fit/train calls and calls into the project's own functions, each with the
loops and no_grad context it runs in.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from hplint import catalogue
from hplint.extract.python.scope import ApiMeaning, ModelMeaning, dotted, is_self_attribute
from hplint.extract.python.values import source_text
from hplint.facts import Arith, Expr, Operation

if TYPE_CHECKING:
    from hplint.extract.python.walker import PythonExtractor

_OPTIMIZER_NAME = re.compile(r"(^|_)(optim|optimizer|opt|optimiser)(_|$|\d)", re.IGNORECASE)
_LOOP_WRAPPERS = frozenset({"enumerate", "tqdm", "tqdm.tqdm", "tqdm.auto.tqdm", "zip", "iter"})
_FRAMEWORKS_THAT_FIT = ("lightning", "pytorch_lightning", "keras", "tensorflow")


class TrainingOperations:
    """Mixin of PythonExtractor: Operation facts."""

    def operation(
        self: PythonExtractor, kind: str, subject: str, node: cst.CSTNode,
        value: Expr | None = None, target: str = "",
    ) -> None:
        context = self.context
        condition = context.conditions[-1] if context.conditions else ""
        self.facts.append(Operation(
            kind, subject, self.location(node), context.qualname, tuple(context.loops), context.no_grad > 0,
            condition, value, target,
        ))

    def record_method_operation(self: PythonExtractor, node: cst.Call, func: cst.Attribute) -> None:
        method = func.attr.value
        subject = source_text(func.value)
        if is_self_attribute(func) and self.current_class() is not None:
            # self.validate(): a method of this class, so its caller's context reaches it
            self.operation("calls", f"{self._classes[-1].name}.{method}", node)
        if method in ("evaluate", "validate", "test"):
            self.operation("evaluates", subject, node)  # trainer.evaluate(test_set)
        if method in ("append", "extend") and isinstance(func.value, cst.Name) and node.args:
            self.add_to_layer_list(func.value.value, node.args[0].value)
        if method == "backward":
            self.operation("backward", subject, node)
        elif method == "zero_grad":
            kind = "model_zero_grad" if isinstance(self.meaning(func.value), ModelMeaning) else "zero_grad"
            self.operation(kind, subject, node)
        elif method == "step":
            if self._steps_a_scheduler(func.value):
                self.operation("scheduler_step", subject, node)
            elif self._steps_an_optimizer(func.value):
                # scaler.step(optimizer) steps the optimizer it is given: that is what zero_grad() clears
                stepped = node.args[0].value if self._is_grad_scaler(func.value) and node.args else None
                self.operation("optimizer_step", source_text(stepped) if stepped is not None else subject, node)
        elif method in ("zero_", "detach_", "fill_") and ".grad" in subject:
            self.operation("grad_cleared", subject, node)
        elif method == "train":
            owner = self.meaning(func.value)
            if isinstance(owner, ApiMeaning) and owner.api.startswith("transformers."):
                self.operation("trainer_train", subject, node)
            elif _switches_on(node):
                self.operation("train_mode", subject, node)
            else:
                self.operation("eval_mode", subject, node)
        elif method == "eval" and not node.args:
            self.operation("eval_mode", subject, node)
        elif method == "fit" and self._fits(func.value):
            self.operation("fit", subject, node)

    def _steps_an_optimizer(self: PythonExtractor, base: cst.BaseExpression) -> bool:
        owner = self.meaning(base)
        if isinstance(owner, ApiMeaning):
            return owner.api in catalogue.OPTIMIZERS or owner.api in catalogue.GRAD_SCALERS
        return bool(_OPTIMIZER_NAME.search(dotted(base).rpartition(".")[2]))

    def _is_grad_scaler(self: PythonExtractor, base: cst.BaseExpression) -> bool:
        owner = self.meaning(base)
        return isinstance(owner, ApiMeaning) and owner.api in catalogue.GRAD_SCALERS

    def _steps_a_scheduler(self: PythonExtractor, base: cst.BaseExpression) -> bool:
        owner = self.meaning(base)
        if isinstance(owner, ApiMeaning):
            return owner.api.startswith(catalogue.SCHEDULER_MODULES)
        return "sched" in dotted(base).rpartition(".")[2].lower()

    def loop_count(self: PythonExtractor, iterable: cst.BaseExpression) -> Expr | None:
        """`range(n)` -> n, `range(a, b)` -> b - a; None for anything else."""
        if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"):
            return None
        bounds = [arg.value for arg in iterable.args if arg.keyword is None and not arg.star]
        if len(bounds) == 1:
            return self.to_expr(bounds[0])
        if len(bounds) == 2:
            return Arith("-", (self.to_expr(bounds[1]), self.to_expr(bounds[0])), self.location(iterable))
        return None

    def record_lr_assignment(self: PythonExtractor, target: cst.BaseExpression, node: cst.CSTNode) -> None:
        """`param_group["lr"] = ...`: the learning rate is scheduled by hand."""
        if isinstance(target, cst.Subscript) and source_text(target).endswith(('["lr"]', "['lr']")):
            self.operation("lr_assignment", source_text(target.value), node)

    def record_tensor_combination(self: PythonExtractor, node: cst.BinaryOperation) -> None:
        """In forward: `x + identity` may be a skip connection, `x * gate` a gate."""
        owner = self.current_class()
        if owner is None or self._scopes[-1].name != "forward":
            return
        if isinstance(node.operator, cst.MatrixMultiply):
            owner.gates = True  # attention-style mixing: a sigmoid/tanh here is a weighting
            return
        numeric = (cst.Integer, cst.Float)
        if isinstance(node.left, numeric) or isinstance(node.right, numeric):
            return
        if isinstance(node.operator, cst.Add):
            owner.merges = True
        elif isinstance(node.operator, cst.Multiply):
            owner.gates = True

    def _fits(self: PythonExtractor, base: cst.BaseExpression) -> bool:
        owner = self.meaning(base)
        if isinstance(owner, ApiMeaning):
            return owner.api.split(".")[0] in _FRAMEWORKS_THAT_FIT
        return dotted(base).rpartition(".")[2].lower() == "trainer"

    def record_grad_assignment(self: PythonExtractor, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        """`p.grad = None` clears gradients as zero_grad(set_to_none=True) does."""
        if isinstance(target, cst.Attribute) and target.attr.value == "grad" and isinstance(value, cst.Name) and value.value == "None":
            self.operation("grad_cleared", dotted(target.value), node)

    def loop_subject(self: PythonExtractor, iterable: cst.BaseExpression) -> str:
        """`enumerate(tqdm(val_loader))` -> `val_loader`."""
        while isinstance(iterable, cst.Call) and dotted(iterable.func) in _LOOP_WRAPPERS and iterable.args:
            iterable = iterable.args[0].value
        return source_text(iterable)

    def enters_no_grad(self: PythonExtractor, item: cst.BaseExpression) -> bool:
        if not isinstance(item, cst.Call):
            return False
        qualified = self.qualified_name(item.func)
        if qualified in catalogue.NO_GRAD_CONTEXTS:
            return True
        return qualified == "torch.set_grad_enabled" and bool(item.args) and dotted(item.args[0].value) == "False"


def _switches_on(node: cst.Call) -> bool:
    """`model.train()` and `model.train(True)` switch training mode on; `model.train(False)` off."""
    return not node.args or dotted(node.args[0].value) != "False"
