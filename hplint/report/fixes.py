"""The line under the text summary that says what --fix can do, or did."""

from __future__ import annotations

from collections.abc import Sequence

from hplint.diagnostics import SAFE, Diagnostic


def fixes_line(diagnostics: Sequence[Diagnostic], unsafe: bool, fixed: int | None = None) -> str:
    """`2 fixable with --fix (1 more with --unsafe-fixes)`; after --fix, `fixed 3 findings; ...`. Empty when
    there is nothing to say."""
    safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == SAFE)
    hidden = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability != SAFE)
    if unsafe:
        safe, hidden = safe + hidden, 0
    said = [f"fixed {_findings(fixed)}"] if fixed is not None else []
    more = "more " if fixed is not None else ""
    if safe:
        said.append(f"{safe} {more}fixable with --fix" + (f" ({hidden} more with --unsafe-fixes)" if hidden else ""))
    elif hidden:
        said.append(f"{hidden} {more}fixable with --fix --unsafe-fixes")
    return "; ".join(said)


def _findings(count: int) -> str:
    return f"{count} finding{'' if count == 1 else 's'}"
