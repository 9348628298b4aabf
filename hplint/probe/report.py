"""The probe's results as diagnostics and through the same reporters as `check`: text, JSON, SARIF."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hplint.checks import rule_by_code
from hplint.diagnostics import Diagnostic
from hplint.facts import Location
from hplint.probe.spec import dumps


@dataclass(frozen=True)
class ProbeError:
    kind: str  # timeout | crash | interrupted
    message: str
    code: str | None = None  # the check that was running
    traceback: str = ""  # the user's code's frames, shown with -v


@dataclass
class ProbeOutcome:
    target: str
    path: str  # the factory's file, relative to the current directory when below it
    line: int  # the factory's line
    seed: int
    device: str | None = None  # cpu | cuda, once the child said so
    device_name: str | None = None
    torch: str | None = None
    checks: list[Any] = field(default_factory=list)  # CheckResult, in code order
    errors: list[ProbeError] = field(default_factory=list)
    configured_lr: float | None = None
    configured_lr_source: str = ""
    configured_batch: int | None = None
    configured_batch_source: str = ""
    recipe: dict[str, Any] = field(default_factory=dict)  # what the child trained: kind, step, data, optimizer

    def check(self, code: str) -> Any | None:
        return next((result for result in self.checks if result.code == code), None)

    @property
    def failed(self) -> list[Any]:
        return [result for result in self.checks if result.status == "fail"]


def _rule(code: str) -> Any:
    rule = rule_by_code(code)
    assert rule is not None, code
    return rule


def diagnostics(outcome: ProbeOutcome) -> list[Diagnostic]:
    """A failing check is a finding at the factory's definition."""
    location = Location(outcome.path, outcome.line, 1, outcome.line, 1)
    found = []
    for result in outcome.failed:
        rule = _rule(result.code)
        found.append(Diagnostic(rule.code, rule.name, rule.severity, result.message, location))
    return sorted(found, key=Diagnostic.sort_key)


def probe_json(outcome: ProbeOutcome) -> dict[str, Any]:
    """The `probe` object of the JSON output (SPEC §6)."""
    checks = []
    for result in outcome.checks:
        details = {key: value for key, value in result.details.items() if key != "curve"}
        checks.append({
            "code": result.code, "name": _rule(result.code).name, "status": result.status,
            "measured": result.measured, "expected": result.expected, "seconds": result.seconds,
            "message": result.message, "details": details,
        })
    lr = outcome.check("HP904")
    batch = outcome.check("HP905")
    lr_details = lr.details if lr is not None else {}
    batch_details = batch.details if batch is not None else {}
    configured = (
        {"value": outcome.configured_lr, "source": outcome.configured_lr_source}
        if outcome.configured_lr is not None else None
    )
    return {
        "target": outcome.target,
        "device": outcome.device,
        "device_name": outcome.device_name,
        "torch": outcome.torch,
        "seed": outcome.seed,
        "checks": checks,
        "suggested_lr": lr_details.get("suggested_lr"),
        "suggested_lr_range": lr_details.get("suggested_range"),
        "configured_lr": configured,
        "configured_batch": (
            {"value": outcome.configured_batch, "source": outcome.configured_batch_source}
            if outcome.configured_batch is not None else None
        ),
        "recipe": outcome.recipe,
        "max_batch": batch_details.get("max_batch"),
        "samples_per_s": batch_details.get("samples_per_s", {}),
        "lr_curve": lr_details.get("curve", []),
        "errors": [{"kind": error.kind, "code": error.code, "message": error.message} for error in outcome.errors],
    }


def _lint_result(outcome: ProbeOutcome) -> Any:
    from hplint.lint import LintResult

    return LintResult(diagnostics(outcome), [])


def render_json(outcome: ProbeOutcome) -> str:
    from hplint.report import json as json_report

    payload = json.loads(json_report.render(_lint_result(outcome), False))
    payload["probe"] = probe_json(outcome)
    return dumps(payload, indent=2)


def render_sarif(outcome: ProbeOutcome) -> str:
    from hplint.report import sarif

    payload = json.loads(sarif.render(_lint_result(outcome), False))
    payload["runs"][0]["properties"] = {"probe": probe_json(outcome)}
    return dumps(payload, indent=2)


def render_text(outcome: ProbeOutcome) -> str:
    device = outcome.device_name if outcome.device == "cuda" else outcome.device
    where = f"on {device or 'an unknown device'}, torch {outcome.torch or '?'}, seed {outcome.seed}"
    lines = [f"probe of {outcome.target} {where}"]
    if outcome.recipe:
        lines.append(recipe_line(outcome.recipe))
    rows = [("code", "check", "status", "time", "measured", "expected")]
    for result in outcome.checks:
        rows.append((
            result.code, _rule(result.code).name, result.status, f"{result.seconds:.1f}s", result.measured,
            result.expected,
        ))
    for error in outcome.errors:
        if error.code is not None and outcome.check(error.code) is None:
            rows.append((error.code, _rule(error.code).name, error.kind, "", error.message.split("\n")[0][:60], ""))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    for result in outcome.checks:
        if result.status == "skip":
            lines.append(f"{result.code} skipped: {result.message}")
    for diagnostic in diagnostics(outcome):
        location = diagnostic.location
        lines.append(
            f"{location.path}:{location.line}:{location.column}: {diagnostic.code} [{diagnostic.severity}] "
            f"{diagnostic.message}"
        )
    lines.append(summary_line(outcome))
    return "\n".join(lines)


def recipe_line(recipe: dict[str, Any]) -> str:
    """`trained as: training_step on train_dataloader(), SGD(momentum=0.9) lr 0.1 (the bundle's optimizer), batch 128`."""
    parts = [f"{recipe.get('step')} on {recipe.get('data')} data" if recipe.get("data") == "synthetic"
             else f"{recipe.get('step')} on {recipe.get('data')}"]
    optimizer = f"{recipe.get('optimizer')} ({recipe.get('optimizer_source')})"
    if recipe.get("lr") is not None:
        optimizer += f", lr {recipe['lr']:g} ({recipe.get('lr_source')})"
    parts.append(optimizer)
    if recipe.get("batch_size") is not None:
        parts.append(f"batch {recipe['batch_size']} ({recipe.get('batch_source')})")
    return "trained as: " + "; ".join(parts)


def summary_line(outcome: ProbeOutcome) -> str:
    statuses = [result.status for result in outcome.checks]
    counts = {status: statuses.count(status) for status in ("pass", "fail", "skip")}
    parts = []
    if counts["fail"]:
        severities = [_rule(result.code).severity for result in outcome.failed]
        by_severity = ", ".join(
            f"{severities.count(severity)} {severity}" for severity in sorted(set(severities), reverse=True)
        )
        parts.append(f"{counts['fail']} failed ({by_severity})")
    parts.append(f"{counts['pass']} passed")
    if counts["skip"]:
        parts.append(f"{counts['skip']} skipped")
    if outcome.errors:
        parts.append(f"{len(outcome.errors)} did not finish")
    return ", ".join(parts)
