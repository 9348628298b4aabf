"""Concise text: `path:line:col: CODE [severity] message`, then a summary line."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from hplint.report.terminal import printable

if TYPE_CHECKING:
    from hplint.lint import LintResult


def render(result: LintResult, quiet: bool) -> str:
    lines = [  # a file name or a quoted value cannot forge a line or reach the terminal raw
        printable(f"{d.location.path}:{d.location.line}:{d.location.column}: {d.code} [{d.severity}] {d.message}")
        for d in result.diagnostics
    ]
    if not quiet:
        lines.append(summary_line(result))
    return "\n".join(lines)


def summary_line(result: LintResult) -> str:
    line = _counts_line(result)
    if result.notes:  # never "no problems" for what was not read or analysed
        line += f"; {len(result.notes)} not analysed (see stderr)"
    return line


def _counts_line(result: LintResult) -> str:
    files = len(result.files)
    noun = "file" if files == 1 else "files"
    if not result.diagnostics:
        return f"no problems in {files} {noun}"
    counts = Counter(str(d.severity) for d in result.diagnostics)
    parts = []
    for severity, singular, plural in (("error", "error", "errors"), ("warning", "warning", "warnings"), ("info", "info", "infos")):
        if counts[severity]:
            parts.append(f"{counts[severity]} {singular if counts[severity] == 1 else plural}")
    return f"{', '.join(parts)} in {files} {noun}"


def statistics(result: LintResult) -> str:
    by_code = Counter((d.code, d.name) for d in result.diagnostics)
    lines = [f"{count:5d}  {code}  {name}" for (code, name), count in sorted(by_code.items())]
    for path, comment in sorted(result.unused_suppressions, key=lambda item: (item[0], item[1].line)):
        codes = f"[{', '.join(comment.codes)}]" if comment.codes else ""
        lines.append(printable(f"{path}:{comment.line}: unused suppression ({comment.style}{codes})"))
    if result.suppressed:
        lines.append(f"{result.suppressed} suppressed by comments")
    return "\n".join(lines)
