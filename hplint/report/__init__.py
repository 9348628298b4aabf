"""Output formats: each reporter turns a lint result into text for stdout."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from hplint.diagnostics import Severity
from hplint.lint import LintResult
from hplint.report import github, json, sarif, text

REPORTERS: dict[str, Callable[[LintResult, bool], str]] = {
    "text": text.render,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
}


def summary_counts(result: LintResult) -> dict[str, int]:
    counts = Counter(str(diagnostic.severity) for diagnostic in result.diagnostics)
    return {str(severity): counts.get(str(severity), 0) for severity in sorted(Severity, reverse=True)}
