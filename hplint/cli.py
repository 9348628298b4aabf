"""The `hplint` command: `hplint [check] [PATHS]`, `hplint rules`, `hplint rule CODE`, `hplint probe`, `hplint curves`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from hplint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
_TEXT_FORMATS = ("text", "concise", "full")  # one line per finding; full adds the source (--show-source)


class _DefaultToCheck(click.Group):
    """`hplint src/` means `hplint check src/`, as `ruff src/` once meant `ruff check src/`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Click would print "Aborted!" and exit 1, the code for findings; a shell expects 128 + SIGINT.
            click.echo("hplint: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)


def _comma_list(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str] | None:
    if not value:
        return None
    return [code.strip() for item in value for code in item.split(",") if code.strip()]


def _pattern_codes(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> list[tuple[str, tuple[str, ...]]] | None:
    """`--per-file-ignores 'tests/*:HP101,HP103'` as ruff writes it: the pattern, a colon, the codes."""
    if not value:
        return None
    pairs = []
    for item in value:
        pattern, colon, codes = item.rpartition(":")
        if not colon or not pattern:
            raise click.BadParameter(f"{item!r}: expected PATTERN:CODES, such as 'experiments/*:HP101,HP2'")
        pairs.append((pattern, tuple(code.strip() for code in codes.split(",") if code.strip())))
    return pairs


def _memory_size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    from hplint.probe.limits import parse_size

    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hplint")
def main() -> None:
    """Lint deep-learning training code and configs against well-known training guidance."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, callback=_comma_list, help="Rule codes or prefixes to enable, instead of the config's (HP2 = all HP2xx; ALL = every rule).")
@click.option("--extend-select", multiple=True, callback=_comma_list, help="Rule codes or prefixes to enable on top of the config's.")
@click.option("--ignore", "--extend-ignore", "ignore", multiple=True, callback=_comma_list, help="Rule codes or prefixes to disable.")
@click.option("--exclude", multiple=True, callback=_comma_list, help="Paths or patterns to leave out, instead of the config's exclude.")
@click.option("--extend-exclude", multiple=True, callback=_comma_list, help="Paths or patterns to leave out on top of the config's.")
@click.option("--per-file-ignores", multiple=True, callback=_pattern_codes, metavar="PATTERN:CODES", help="Rules to ignore in files matching PATTERN, instead of the config's per-file-ignores.")
@click.option("--extend-per-file-ignores", multiple=True, callback=_pattern_codes, metavar="PATTERN:CODES", help="Rules to ignore in files matching PATTERN, on top of the config's.")
@click.option("--format", "--output-format", "output_format", type=click.Choice(["text", "concise", "full", "json", "sarif", "github"]), default="text", show_default=True, help="concise is text; full is text with --show-source.")
@click.option("--show-source", is_flag=True, help="Show the source line and a caret under each finding.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Explicit hplint.toml or pyproject.toml.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes the findings offer, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (with --fix or --diff) or count as fixable the fixes that change behaviour.")
@click.option("--diff", is_flag=True, help="Print the unified diff of what --fix would write, and write nothing (exit 1 when there is one).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--statistics", is_flag=True, help="Count findings per rule and list unused suppressions.")
@click.option("--add-noqa", is_flag=True, help="Suppress every current finding in place: append `# hplint: ignore[CODE]` to its line.")
@click.option("--show-facts", is_flag=True, help="Print the extracted hyperparameters instead of findings.")
@click.option("--show-runs", is_flag=True, help="Print the runs found (entry point, files, configs, launch) instead of findings.")
@click.option("--force-exclude", is_flag=True, help="Apply exclude even to paths named on the command line.")
@click.option("--stdin-filename", type=click.Path(path_type=Path), help="Lint standard input as this file (the path `-`, or no path).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the fact cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the fact cache lives (default: .hplint_cache/ where the config is, else in the current folder).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Processes that extract files (default: all cores).")
def check(
    paths: tuple[Path, ...],
    select: list[str] | None,
    extend_select: list[str] | None,
    ignore: list[str] | None,
    exclude: list[str] | None,
    extend_exclude: list[str] | None,
    per_file_ignores: list[tuple[str, tuple[str, ...]]] | None,
    extend_per_file_ignores: list[tuple[str, tuple[str, ...]]] | None,
    output_format: str,
    show_source: bool,
    color: str,
    config_file: Path | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    exit_zero: bool,
    quiet: bool,
    statistics: bool,
    add_noqa: bool,
    show_facts: bool,
    show_runs: bool,
    force_exclude: bool,
    stdin_filename: Path | None,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
) -> None:
    """Lint files and folders (default: the current folder)."""
    from hplint.cache import DEFAULT_FOLDER
    from hplint.config import CommandLine, ConfigError, Selection, load_config
    from hplint.discover import DiscoveryError
    from hplint.lint import RunOptions, display_path, facts_of, lint
    from hplint.report import REPORTERS
    from hplint.report.progress import ProgressLine
    from hplint.report.terminal import printable
    from hplint.report.text import statistics as statistics_text

    if add_noqa and (fix or diff):
        raise click.UsageError("--add-noqa suppresses the findings as they are; run --fix first, then --add-noqa")
    stdin = _stdin_file(paths, stdin_filename)
    targets = [stdin[0]] if stdin is not None else list(paths) or [Path(".")]
    command_line = CommandLine(
        Selection(select, tuple(extend_select or ()), tuple(ignore or ())),
        tuple(exclude) if exclude is not None else None,
        tuple(extend_exclude or ()),
        tuple(per_file_ignores) if per_file_ignores is not None else None,
        tuple(extend_per_file_ignores or ()),
    )
    try:
        config = load_config(targets, config_file, command_line)
        # At the project root, as ruff's: never inside a linted folder that lies outside it (an installed package).
        home = config.config_path.parent if config.config_path is not None else Path.cwd()
        cache_folder = None if no_cache else cache_dir or home / DEFAULT_FOLDER
        progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None
        options = RunOptions(
            jobs or os.cpu_count() or 1, cache_folder, force_exclude, stdin=stdin, progress=progress,
        )
        if show_facts:
            click.echo(_facts_output(*facts_of(targets, config, options), output_format))
            sys.exit(EXIT_CLEAN)
        if show_runs:
            click.echo(_runs_output(facts_of(targets, config, options)[1], output_format))
            sys.exit(EXIT_CLEAN)
        try:
            fixing = _fixed(targets, config, options, unsafe_fixes) if fix or diff else None
            result = fixing.result if fixing is not None else lint(targets, config, options)
        finally:
            if progress is not None:
                progress.clear()
    except (ConfigError, DiscoveryError) as error:
        click.echo(printable(f"hplint: error: {error}"), err=True)
        sys.exit(EXIT_ERROR)
    if add_noqa:
        sys.exit(_add_noqa(result, stdin is not None))
    if fixing is not None and diff:
        sys.exit(_show_diff(fixing, quiet))
    unwritten = _write_fixes(fixing, stdin) if fixing is not None else False
    colored = _colored(color)
    if output_format in _TEXT_FORMATS:
        from hplint.report.text import render as render_text

        sources = {display_path(stdin[0]): stdin[1]} if stdin is not None else {}
        output = render_text(result, quiet, show_source or output_format == "full", colored, sources)
    else:
        output = REPORTERS[output_format](result, quiet)
    fixed_stdin = fixing is not None and stdin is not None  # the fixed text goes to stdout, the findings to stderr
    if output:
        click.echo(output, color=colored, err=fixed_stdin)
    if output_format in _TEXT_FORMATS and not quiet:
        from hplint.report.fixes import fixes_line

        line = fixes_line(result.diagnostics, unsafe_fixes, fixing.fixed if fixing is not None else None)
        if line:
            click.echo(line, err=fixed_stdin)
    if statistics:
        text = statistics_text(result)
        if text:
            click.echo(text, err=output_format not in _TEXT_FORMATS)
    for path, reason in result.notes:
        click.echo(printable(f"hplint: warning: {path}: {reason}"), err=True)
    for failure in result.failures:
        click.echo(printable(f"hplint: internal error: {failure}"), err=True)
    if result.failures or unwritten:
        sys.exit(EXIT_ERROR)
    failing = [d for d in result.diagnostics if d.severity >= config.fail_on]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN)


def _add_noqa(result: Any, from_stdin: bool) -> int:
    """--add-noqa: comments written, what could not take one named on stderr; 0 unless hplint itself failed."""
    from hplint.edit.add_noqa import add_noqa
    from hplint.report.terminal import printable

    if from_stdin:
        raise click.UsageError("--add-noqa writes files; it cannot suppress findings in standard input")
    outcome = add_noqa(result.diagnostics)
    for skipped in outcome.skipped:
        codes = ", ".join(skipped.codes)
        click.echo(printable(f"hplint: warning: {skipped.path}:{skipped.line}: {codes} not suppressed: {skipped.reason}"), err=True)
    for failure in result.failures:
        click.echo(printable(f"hplint: internal error: {failure}"), err=True)
    for failure in outcome.failures:
        click.echo(printable(f"hplint: error: {failure}"), err=True)
    noun = "suppression" if outcome.added == 1 else "suppressions"
    click.echo(f"Added {outcome.added} {noun}.", err=True)
    return EXIT_ERROR if result.failures or outcome.failures else EXIT_CLEAN


def _fixed(targets: list[Path], config: Any, options: Any, unsafe: bool) -> Any:
    from hplint.edit.fixer import fix_run

    return fix_run(targets, config, options, unsafe)


def _show_diff(fixing: Any, quiet: bool) -> int:
    """--diff: what --fix would write, on stdout; 1 when there is something to fix (as ruff), 2 on hplint's own failure."""
    from hplint.edit.fixer import unified_diff
    from hplint.report.terminal import printable

    text = unified_diff(fixing)
    if text:
        click.echo(text, nl=False)
    _warn_unresolved(fixing)
    for failure in fixing.result.failures:
        click.echo(printable(f"hplint: internal error: {failure}"), err=True)
    if not quiet:
        files = len(fixing.changed)
        said = f"would fix {_count(fixing.fixed, 'finding')} in {_count(files, 'file')}" if files else "nothing to fix"
        click.echo(said, err=True)
    if fixing.result.failures:
        return EXIT_ERROR
    return EXIT_FINDINGS if fixing.changed else EXIT_CLEAN


def _write_fixes(fixing: Any, stdin: tuple[Path, bytes] | None) -> bool:
    """--fix: the fixed files written; with standard input, its fixed text printed instead (as ruff).
    True when a file could not be written."""
    from hplint.edit.fixer import write_fixed
    from hplint.lint import display_path
    from hplint.report.terminal import printable

    shown = display_path(stdin[0]) if stdin is not None else None
    _warn_unresolved(fixing)
    problems = write_fixed(fixing, skip=[shown] if shown is not None else [])
    for problem in problems:
        click.echo(printable(f"hplint: error: {problem}"), err=True)
    if stdin is not None:
        sys.stdout.buffer.write(fixing.after.get(shown, stdin[1]))
        sys.stdout.buffer.flush()
    return bool(problems)


def _warn_unresolved(fixing: Any) -> None:
    from hplint.report.terminal import printable

    for path, code in fixing.unresolved:
        click.echo(printable(f"hplint: warning: {path}: a {code} fix left its finding in place; the file is left as it was"), err=True)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _stdin_file(paths: tuple[Path, ...], stdin_filename: Path | None) -> tuple[Path, bytes] | None:
    """The file standard input stands for: `-` as the path, or --stdin-filename alone (as ruff)."""
    reads_stdin = paths == (Path("-"),) or (stdin_filename is not None and not paths)
    if Path("-") in paths and not reads_stdin:
        raise click.UsageError("`-` (standard input) cannot be named beside other paths")
    if stdin_filename is not None and paths and not reads_stdin:
        raise click.UsageError("--stdin-filename names the file standard input stands for; pass `-` as the only path")
    if not reads_stdin:
        return None
    return (stdin_filename or Path("stdin.py")), sys.stdin.buffer.read()


def _colored(choice: str) -> bool:
    """--color always/never, else colour on a terminal unless NO_COLOR is set (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _terminal()


def _terminal() -> bool:
    return sys.stdout.isatty()


def _facts_output(files: Any, project: Any, output_format: str) -> str:
    from hplint.report.facts import facts_json, facts_table

    if output_format == "json":
        return json.dumps(facts_json(files, project), indent=2)
    return facts_table(files, project)


def _runs_output(project: Any, output_format: str) -> str:
    from hplint.report.runs import runs_json, runs_text

    if output_format == "json":
        return json.dumps(runs_json(project), indent=2)
    return runs_text(project)


@main.command("rules")
@click.option("--format", "--output-format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: code, name, severity, whether it is on by default (json: also its options)."""
    from hplint.checks import all_rules
    from hplint.report.rules import rules_json, rules_table

    click.echo((rules_json if output_format == "json" else rules_table)(all_rules()))


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Print a rule's page from the rule book."""
    from hplint.rulebook import page

    text = page(code)
    if text is None:
        click.echo(f"hplint: error: unknown rule code '{code}' (see `hplint rules`)", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(text.rstrip("\n"))


@main.command("probe")
@click.argument("target", metavar="[MODULE:FACTORY]", required=False)
@click.option("--input-shape", help="Shape of one synthetic input sample, e.g. 3,32,32 (for a model without data).")
@click.option("--num-classes", type=click.IntRange(min=1), help="Classes (ce) or labels (bce) (default: the model's output width).")
@click.option("--loss", type=click.Choice(["ce", "bce", "mse"]), help="Loss for a model without one (default: the project's, else ce).")
@click.option("--output-dim", type=click.IntRange(min=1), help="Outputs per sample for --loss mse (default: the model's).")
@click.option("--data", help="MODULE:FACTORY returning the training data (DataLoader, Dataset, LightningDataModule, batches).")
@click.option("--device", type=click.Choice(["auto", "cuda", "cpu"]), default="auto", show_default=True)
@click.option("--lr", type=float, help="The learning rate you train with (default: the project's, from its facts).")
@click.option("--optimizer", type=click.Choice(["adam", "adamw", "sgd"]), help="Optimizer of the LR range test (default: the project's, else adam).")
@click.option("--batch-size", type=click.IntRange(min=1), help="The per-device batch you train with (default: the project's).")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds before the probe is stopped.")
@click.option("--memory-limit", callback=_memory_size, metavar="SIZE", help="Memory the model's processes may use, such as 4G or 512M; past it the probe is stopped (default: half the machine's).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), help="Draw the LR range test into this PNG.")
@click.option("--select", multiple=True, callback=_comma_list, help="Probe rules to run (codes or prefixes).")
@click.option("--verbose", "-v", is_flag=True, help="Show the model's output and tracebacks.")
def probe_command(target: str | None, output_format: str, select: list[str] | None, **options: Any) -> None:
    """Run the sanity checks (HP9xx) on the model, optimizer and data MODULE:FACTORY returns (a model or a
    bundle); without MODULE:FACTORY, on the project's one model that reaches a loss."""
    from hplint.probe.command import ProbeOptions, run_probe

    probe_options = ProbeOptions(
        target, output_format=output_format, select=tuple(select) if select else None, **options
    )
    sys.exit(run_probe(probe_options))


@main.command("curves")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), help="Draw the curves, findings marked, into this PNG.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True)
@click.option("--project", type=click.Path(exists=True, file_okay=False, path_type=Path), help="The run's code and configs: findings name the hyperparameter to change and where it is written.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Explicit hplint.toml or pyproject.toml.")
@click.option("--select", multiple=True, callback=_comma_list, help="Curve rules to run (codes or prefixes).")
@click.option("--ignore", multiple=True, callback=_comma_list, help="Curve rules to skip.")
@click.option("--train-column", help="Column, key or tag of the training loss (default: detected).")
@click.option("--val-column", help="Column, key or tag of the validation loss (default: detected).")
@click.option("--step-column", help="Column, key or tag of the step (default: detected).")
@click.option("--epoch-column", help="Column, key or tag of the epoch (default: detected).")
@click.option("--patience", type=click.IntRange(min=1), help="Patience of the early stopping HP805 simulates (default 3).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only: no summary, no list of the logs read.")
def curves_command(
    path: Path, select: list[str] | None, ignore: list[str] | None, train_column: str | None, val_column: str | None,
    step_column: str | None, epoch_column: str | None, **options: Any,
) -> None:
    """Read a training run's logs (metrics.csv, trainer_state.json, TensorBoard, CSV) and report its curves (HP8xx)."""
    from hplint.curves.command import CurvesOptions, run_curves
    from hplint.curves.log import Columns

    columns = Columns(train_column, val_column, step_column, epoch_column)
    selected = tuple(select) if select else None
    sys.exit(run_curves(CurvesOptions(path, select=selected, ignore=tuple(ignore or ()), columns=columns, **options)))


def run() -> None:
    """Console entry point: any unexpected failure is exit 2 with a message, never a traceback."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:  # noqa: BLE001 - the last line of defence
        click.echo(f"hplint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
