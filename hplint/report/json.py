"""`{"version": 1, "diagnostics": [...], "summary": {...}}`, paths relative to the current directory."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hplint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from hplint.lint import LintResult
    from hplint.location import Location


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    location = diagnostic.location
    source = diagnostic.source
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": str(diagnostic.severity),
        "message": diagnostic.message,
        "path": location.path,
        **_cell(location),  # in a notebook: "cell": N, and the lines are the cell's
        "line": location.shown_line,
        "column": location.column,
        "end_line": location.shown_end_line,
        "end_column": location.end_column,
        "source": {"path": source.path, **_cell(source), "line": source.shown_line} if source is not None else None,
        "fix": {"applicability": diagnostic.fix.applicability, "message": diagnostic.fix.title} if diagnostic.fix else None,
    }


def _cell(location: Location) -> dict[str, int]:
    return {"cell": location.cell} if location.cell else {}


def render(result: LintResult, quiet: bool) -> str:
    from hplint.report import summary_counts

    summary: dict[str, Any] = {"files": len(result.files), **summary_counts(result)}
    summary["suppressed"] = result.suppressed
    summary["unused_suppressions"] = [
        {"path": path, **({"cell": comment.cell} if comment.cell else {}), "line": comment.line - comment.cell_offset}
        for path, comment in result.unused_suppressions
    ]
    if result.notes:
        summary["not_analysed"] = [{"path": path, "reason": reason} for path, reason in result.notes]
    payload = {"version": 1, "diagnostics": [diagnostic_json(d) for d in result.diagnostics], "summary": summary}
    return json.dumps(payload, indent=2)
