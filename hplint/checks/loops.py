"""What the rules ask of loops: which operations run inside one, and whether it learns."""

from __future__ import annotations

from hplint.facts import Operation

LEARNING = frozenset({"backward", "optimizer_step"})


def loop_body(operations: list[Operation], loop: Operation) -> list[Operation]:
    """The operations inside a loop (its own and those of loops nested in it)."""
    inside = loop.loops + (loop.subject,)
    return [
        op for op in operations
        if op.loops[: len(inside)] == inside and op.location.line >= loop.location.line and op is not loop
    ]


def learns(body: list[Operation]) -> bool:
    """The loop body steps an optimizer or backpropagates, or calls a function of the project that may."""
    return any(op.kind in LEARNING or op.kind in ("calls", "fit", "trainer_train") for op in body)
