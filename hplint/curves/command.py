"""`hplint curves PATH`: find the logs, read their losses, run the HP8xx analyses, report like `check`.

Exit codes: 0 nothing at or above the fail level, 1 findings, 2 a usage error, a log that cannot be
read (the others are still reported), or no log at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from hplint.config import CommandLine, ConfigError, LintConfig, Selection, load_config
from hplint.curves.finding import Finding
from hplint.curves.log import Columns, LogError, TrainingLog
from hplint.curves.settings import WrittenValue
from hplint.diagnostics import Diagnostic, Severity
from hplint.location import Location

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PLOT_HINT = "hplint curves --plot needs matplotlib: pip install 'hplint[plot]'"


@dataclass(frozen=True)
class CurvesOptions:
    path: Path
    output_format: str = "text"
    plot: Path | None = None
    project: Path | None = None
    config_file: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    columns: Columns = field(default_factory=Columns)
    patience: int | None = None  # HP805's patience, over the configured one
    exit_zero: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class Analysed:
    log: TrainingLog
    findings: tuple[Finding, ...]


def run_curves(options: CurvesOptions) -> int:
    from hplint.checks import all_rules
    from hplint.checks.curves import CurvesRule
    from hplint.curves.plot import plot_available

    if options.plot is not None and not plot_available():
        click.echo(PLOT_HINT, err=True)
        return EXIT_ERROR
    try:
        command_line = CommandLine(Selection(options.select, ignore=tuple(options.ignore)))
        config = load_config([options.project or options.path], options.config_file, command_line)
    except ConfigError as error:
        return _usage(str(error))
    rules = [rule for rule in all_rules() if issubclass(rule, CurvesRule) and config.is_enabled(rule)]
    if options.select and not rules:
        return _usage("--select matches no curves rule (HP801 to HP806)")
    rule_options = {rule.code: dict(config.options_for(rule)) for rule in rules}
    if options.patience is not None and "HP805" in rule_options:
        rule_options["HP805"]["patience"] = options.patience
    analysed, errors = _analyse(options, rule_options)
    if not analysed and not errors:
        errors.append(
            f"{options.path}: no training log found (looked for metrics.csv and other CSVs with a loss column, "
            "trainer_state.json, TensorBoard events.out.tfevents.* files)"
        )
    written = _written(options, config, analysed)
    severities = {rule.code: rule.severity for rule in rules}
    names = {rule.code: rule.name for rule in rules}
    diagnostics = sorted(
        (_diagnostic(finding, names, severities, written) for run in analysed for finding in run.findings),
        key=lambda diagnostic: diagnostic.sort_key(),
    )
    if analysed:
        _report(options, analysed, diagnostics, {code: str(severity) for code, severity in severities.items()})
    for message in errors:
        click.echo(f"hplint: error: {message}", err=True)
    if errors:
        return EXIT_ERROR
    failing = any(diagnostic.severity >= config.fail_on for diagnostic in diagnostics)
    return EXIT_FINDINGS if failing and not options.exit_zero else EXIT_CLEAN


def _analyse(
    options: CurvesOptions, rule_options: Mapping[str, Mapping[str, Any]],
) -> tuple[list[Analysed], list[str]]:
    from hplint.curves.analyses import ANALYSES
    from hplint.curves.find_logs import find_logs
    from hplint.curves.read import read_log

    try:
        log_files = find_logs(options.path)
    except LogError as error:
        return [], [str(error)]
    analysed, errors = [], []
    for log_file in log_files:
        try:
            log = read_log(log_file, options.columns)
        except LogError as error:
            errors.append(str(error))
            continue
        if log is not None:
            found = (ANALYSES[code](log, values) for code, values in rule_options.items())
            analysed.append(Analysed(log, tuple(finding for finding in found if finding is not None)))
    return analysed, errors


def _written(options: CurvesOptions, config: LintConfig, analysed: Sequence[Analysed]) -> dict[str, WrittenValue]:
    """With --project, where each hyperparameter a finding is about is written."""
    if options.project is None:
        return {}
    from hplint.curves.settings import written_values

    wanted = {name for run in analysed for finding in run.findings for name in finding.hyperparameters}
    return written_values(options.project, config, sorted(wanted)) if wanted else {}


def _diagnostic(
    finding: Finding, names: Mapping[str, str], severities: Mapping[str, Severity], written: Mapping[str, WrittenValue],
) -> Diagnostic:
    line = max(finding.at.line, 1)  # a TensorBoard file has no lines: the finding is on the file
    setting = next((written[name] for name in finding.hyperparameters if name in written), None)
    message = f"{finding.evidence}; {finding.advice}"
    if setting is not None:
        message += f"; {setting.describe()}"
    return Diagnostic(
        finding.code, names[finding.code], severities[finding.code], message,
        Location(finding.at.file, line, 1, line, 1), setting.origin if setting is not None else None,
    )


def _report(
    options: CurvesOptions, analysed: Sequence[Analysed], diagnostics: list[Diagnostic], severities: Mapping[str, str],
) -> None:
    from hplint.lint import LintResult
    from hplint.report import REPORTERS

    if options.output_format == "text" and not options.quiet:
        for run in analysed:
            click.echo(_described(run.log), err=True)
    result = LintResult(diagnostics, [run.log.path for run in analysed])
    output = REPORTERS[options.output_format](result, options.quiet)
    if output:
        click.echo(output)
    if options.plot is not None:
        from hplint.curves.plot import plot_curves

        click.echo(plot_curves([(run.log, run.findings) for run in analysed], severities, options.plot), err=True)


def _described(log: TrainingLog) -> str:
    """`read logs/metrics.csv (CSV, by step): training loss from "train_loss_step" (400 values), ...`."""
    parts = []
    roles = (("training", log.columns.train, log.train), ("validation", log.columns.validation, log.validation))
    for role, column, series in roles:
        if column is not None:
            parts.append(f'{role} loss from "{column}" ({len(series)} values)')
    return f"read {log.path} ({log.kind}, by {log.axis}): {', '.join(parts)}"


def _usage(message: str) -> int:
    click.echo(f"hplint: error: {message}", err=True)
    return EXIT_ERROR
