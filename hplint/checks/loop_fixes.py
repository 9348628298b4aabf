"""The edits HP303, HP304 and HP305 offer on a loop: clear gradients at its top, switch the model to
eval mode before it, run it under `torch.no_grad()`.

Each is offered only where that one edit is right, judged from the loop's operations; each changes
what the program does, so each is unsafe.
"""

from __future__ import annotations

import re

from hplint.checks.loops import loop_body
from hplint.diagnostics import UNSAFE, Fix
from hplint.facts import Call, Import, Operation
from hplint.location import Location
from hplint.project import Project

# A name an inserted statement can call a method on: `optimizer`, `self.model`.
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
# Calls that need the autograd graph a loop builds, even though it never calls backward().
_GRAPH_USERS = frozenset({"torch.autograd.grad", "torch.autograd.backward", "torch.autograd.functional.jacobian"})


def zero_grad_fix(operations: list[Operation], loop: Operation, step: Operation, backward: Operation) -> Fix | None:
    """`optimizer.zero_grad()` first in the loop's body: right when the loop steps one optimizer, on every
    iteration (not under an `if`: accumulation steps every few batches, and clears after its step), and
    backpropagates inside the same iteration."""
    stepped = {op.subject for op in operations if op.kind == "optimizer_step"}
    if len(stepped) != 1 or not _DOTTED_NAME.fullmatch(step.subject):
        return None  # a GAN's two optimizers clear at different points of the iteration
    if step.loops != (*loop.loops, loop.subject) or step.condition != loop.condition:
        return None
    if backward.loops[: len(step.loops)] != step.loops:
        return None
    return Fix(
        UNSAFE, f"call {step.subject}.zero_grad() at the top of the loop", "insert-call-at-top", loop.location,
        (step.subject, "zero_grad"),
    )


def eval_mode_fix(project: Project, operations: list[Operation], loop: Operation) -> Fix | None:
    """`model.eval()` just before the loop, for the one model its body runs: right when training switches
    back to train mode by itself (model.train() at the start of each epoch's training), so the switch
    does not leave the next epoch training in eval mode."""
    called = {op.subject.removesuffix(".forward") for op in loop_body(operations, loop) if op.kind == "forward"}
    if len(called) != 1:
        return None
    model = called.pop()
    if not _DOTTED_NAME.fullmatch(model) or model.split(".")[0] in loop.target.split(", "):
        return None  # the loop binds the model itself: `for model in ensemble:`
    if not _training_resumes(project, loop):
        return None
    return Fix(UNSAFE, f"call {model}.eval() before the loop", "insert-call-before", loop.location, (model, "eval"))


def no_grad_fix(project: Project, loop: Operation) -> Fix | None:
    """The loop inside `with torch.no_grad():`, spelt as the file imports torch; none when the file does not
    import it, or when the loop takes gradients without backward() (torch.autograd.grad: saliency, attacks)."""
    context = _no_grad_spelling(project, loop.location)
    if context is None:
        return None
    location = loop.location
    for call in project.of_type(location.path, Call):
        if call.api in _GRAPH_USERS and location.line <= call.location.line <= location.end_line:
            return None
    return Fix(UNSAFE, f"run the loop under {context}()", "wrap-in-with", location, (context,))


def _no_grad_spelling(project: Project, loop: Location) -> str | None:
    """`torch.no_grad` (or `th.no_grad` under `import torch as th`, `no_grad` under `from torch import no_grad`),
    imported before the loop (a notebook may import torch in a later cell)."""
    imports = [imported for imported in project.of_type(loop.path, Import) if imported.location.line < loop.line]
    for imported in imports:
        if imported.qualified == "torch":
            return f"{imported.local}.no_grad"
    for imported in imports:
        if imported.qualified == "torch.no_grad":
            return imported.local
    return None


def _training_resumes(project: Project, loop: Operation) -> bool:
    """Every optimizer step of the program runs after a model.train() made on each pass of the loop around the
    step's own loop (or at the top of the function that loop is in), and the evaluation loop does not run
    inside the stepping loop (evaluating every N batches), where the batches after it would train in eval mode."""
    callers = list(project.callers(loop.location.path, loop.scope)) if loop.scope else []
    for step in project.operations_of_kind("optimizer_step"):
        where = (step.location.path, step.scope)
        if not step.loops:
            continue  # one step, not a training loop
        around = step.loops[:-1]
        if not any(
            op.kind == "train_mode" and op.loops == around and op.location.line < step.location.line
            for op in project.operations(*where)
        ):
            return False
        if (loop.location.path, loop.scope) == where and loop.loops[: len(step.loops)] == step.loops:
            return False
        if any((call.location.path, call.scope) == where and call.loops[: len(step.loops)] == step.loops for call in callers):
            return False
    return True
