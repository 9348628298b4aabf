"""`hplint probe [MODULE:FACTORY] ...`: prepare the run, start the child, report what it found.

Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 a usage or import error
(a bad target, a factory that raises, options that do not fit the model, no torch), 3 a timeout
or a crash, with the report of the checks that finished; 130 interrupted (Ctrl-C), with the same.
"""

from __future__ import annotations

import importlib.util
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click

from hplint.probe.report import ProbeError, ProbeOutcome, render_json, render_sarif, render_text
from hplint.probe.spec import RUN_ORDER, CheckResult, ProbeSpec
from hplint.probe.target import Target, TargetError, factory_line, module_file, parse_target

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_TIMEOUT_OR_CRASH, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
INSTALL_HINT = "hplint probe needs PyTorch: pip install 'hplint[probe]'"
_OPTIMIZER_NAMES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}
_REPORT_RESERVE = 2.0  # seconds of --timeout the checks leave to the end of the child and the report


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class ProbeOptions:
    target: str | None  # MODULE:FACTORY; None: build the project's one model
    input_shape: str | None = None
    num_classes: int | None = None
    loss: str | None = None  # ce | bce | mse; None: the bundle's, the project's, else ce
    output_dim: int | None = None
    data: str | None = None  # MODULE:FACTORY of the data
    device: str = "auto"
    lr: float | None = None
    optimizer: str | None = None  # adam | adamw | sgd
    batch_size: int | None = None
    timeout: float = 120.0
    memory_limit: int | None = None  # bytes of resident memory for the child's processes; None: half the machine's
    seed: int = 0
    output_format: str = "text"
    plot: Path | None = None
    select: tuple[str, ...] | None = None
    verbose: bool = False


def run_probe(options: ProbeOptions) -> int:
    deadline = time.time() + options.timeout  # --timeout bounds the whole command, reading the facts included
    prepared = _prepare(options, deadline)
    if isinstance(prepared, int):
        return prepared
    spec, outcome = prepared
    from hplint.probe.runner import run_child

    progress = _Progress(len(spec.checks))
    try:
        child = run_child(
            spec, max(1.0, deadline - time.time()), lambda event: _take(event, outcome, progress), options.memory_limit,
        )
    except KeyboardInterrupt:
        progress.close("interrupted")
        outcome.errors.append(ProbeError("interrupted", "interrupted (Ctrl-C); the checks that finished are reported", progress.running))
        _report(outcome, options, "")
        return EXIT_INTERRUPTED
    progress.close("did not finish")
    usage = next((event for event in child.events if event.get("event") == "error"), None)
    if usage is not None:
        return _usage_from_child(usage, options.verbose)
    if any(event.get("event") == "interrupted" for event in child.events):
        outcome.errors.append(ProbeError("interrupted", "the probe process was interrupted", progress.running))
        _report(outcome, options, child.log)
        return EXIT_INTERRUPTED
    if child.timed_out:
        during = f" during {progress.running}" if progress.running else ""
        message = f"the probe ran past --timeout {options.timeout:g} s{during}; the checks that finished are reported"
        outcome.errors.append(ProbeError("timeout", message, progress.running))
    elif child.out_of_memory is not None:
        from hplint.probe.limits import describe_size

        during = f" during {progress.running}" if progress.running else ""
        message = (
            f"the probe process used more than --memory-limit {describe_size(child.out_of_memory)}{during} and was "
            "stopped; the checks that finished are reported"
        )
        outcome.errors.append(ProbeError("crash", message, progress.running))
    elif not any(event.get("event") == "done" for event in child.events):
        message = _death(child.returncode, child.log, progress.running)
        outcome.errors.append(ProbeError("crash", message, progress.running))
    return _report(outcome, options, child.log)


def _prepare(options: ProbeOptions, deadline: float) -> tuple[ProbeSpec, ProbeOutcome] | int:
    """Everything the parent settles before the child starts; an exit code when it cannot start."""
    try:
        target = parse_target(options.target) if options.target else None
        data = parse_target(options.data, "--data") if options.data else None
        shape = _input_shape(options.input_shape)
        outputs = _outputs(options)
        checks = _selected(options.select)
    except (TargetError, UsageError) as error:
        return _usage(str(error))
    if importlib.util.find_spec("torch") is None:
        click.echo(INSTALL_HINT, err=True)
        return EXIT_USAGE
    cwd = Path.cwd()
    path = module_file(target, cwd) if target is not None else None
    if target is not None and target.is_path and path is None:
        return _usage(f"{target.module}: no such file")
    if data is not None and data.is_path and module_file(data, cwd) is None:
        return _usage(f"--data {data.module}: no such file")
    try:
        rule_options = _rule_options(cwd)
    except UsageError as error:
        return _usage(str(error))
    from hplint.probe import configured

    project = configured.load(cwd)
    build = None
    if target is None:
        try:
            build = configured.buildable(project)
        except configured.NoModel as error:
            return _usage(f"hplint probe without MODULE:FACTORY builds the project's one model: {error}")
        shape = shape or build.input_shape or ()
        path = (cwd / build.path).resolve()
    facts = configured.from_project(project, _relative(path, cwd) if path else None)
    shown = str(target) if target is not None else f"{build.name} ({build.path}:{build.line}, built as at {build.source})"
    line = factory_line(path, target.factory) if path and target else (build.line if build else 1)
    outcome = ProbeOutcome(shown, _display(path) if path else str(target.module if target else ""), line, options.seed)
    spec = ProbeSpec(
        cwd=str(cwd), device=options.device, seed=options.seed, deadline=deadline - _REPORT_RESERVE, checks=checks,
        module=target.module if target else None, factory=target.factory if target else None,
        build=build.to_spec() if build else None, data_module=data.module if data else None,
        data_factory=data.factory if data else None, input_shape=shape, loss=options.loss,
        loss_api=build.loss_api if build and options.loss is None else None, outputs=outputs, lr=options.lr,
        batch_size=options.batch_size, optimizer=_OPTIMIZER_NAMES[options.optimizer] if options.optimizer else None,
        project=facts.to_spec(), options={code: rule_options[code] for code in checks},
    )
    return spec, outcome


def _relative(path: Path, cwd: Path) -> str | None:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return None


def _usage_from_child(event: dict[str, Any], verbose: bool) -> int:
    if event.get("kind") == "no-torch":
        click.echo(INSTALL_HINT, err=True)
        return EXIT_USAGE
    if verbose and event.get("traceback"):
        click.echo(str(event["traceback"]).rstrip(), err=True)
    click.echo(f"hplint: error: {event.get('message')}", err=True)
    return EXIT_USAGE


def _report(outcome: ProbeOutcome, options: ProbeOptions, child_log: str) -> int:
    outcome.checks.sort(key=lambda result: result.code)
    click.echo(_render(outcome, options.output_format))
    if options.verbose and child_log.strip():
        click.echo(child_log.rstrip(), err=True)
    for error in outcome.errors:
        if options.verbose and error.traceback:
            click.echo(error.traceback.rstrip(), err=True)
        click.echo(f"hplint: error: {error.message}", err=True)
    if options.plot is not None:
        from hplint.probe.plot import plot_lr_range

        lr_check = outcome.check("HP904")
        details = lr_check.details if lr_check else {}
        click.echo(plot_lr_range(details, outcome.configured_lr, options.plot), err=True)
    if outcome.errors:
        return EXIT_TIMEOUT_OR_CRASH
    return EXIT_FAIL if outcome.failed else EXIT_PASS


def _usage(message: str) -> int:
    click.echo(f"hplint: error: {message}", err=True)
    return EXIT_USAGE


def _input_shape(text: str | None) -> tuple[int, ...]:
    if text is None:
        return ()
    parts = [part.strip() for part in re.split(r"[,x×]", text.strip())]
    shape = tuple(int(part) for part in parts) if all(part.isdigit() for part in parts) else ()
    if not shape or any(size < 1 for size in shape):
        raise UsageError(f"--input-shape {text!r}: expected positive sizes of one sample, like 3,32,32")
    return shape


def _outputs(options: ProbeOptions) -> int | None:
    if options.timeout <= 0 or not math.isfinite(options.timeout):
        raise UsageError("--timeout must be a positive number of seconds")
    if options.loss == "ce" and options.num_classes is not None and options.num_classes < 2:
        raise UsageError("--loss ce needs --num-classes of at least 2")
    if options.loss == "mse":
        return options.output_dim
    return options.num_classes


def _selected(select: tuple[str, ...] | None) -> tuple[str, ...]:
    if not select:
        return RUN_ORDER
    prefixes = [code.strip().upper() for code in select if code.strip()]
    for prefix in prefixes:
        if not any(code.startswith(prefix) for code in RUN_ORDER):
            raise UsageError(f"--select: '{prefix}' matches no probe rule (HP901 to HP906)")
    return tuple(code for code in RUN_ORDER if any(code.startswith(prefix) for prefix in prefixes))


def _rule_options(cwd: Path) -> dict[str, dict[str, Any]]:
    """Each probe rule's options: its defaults, then [tool.hplint.rules.HP9nn] of the project here."""
    from hplint.checks import rule_by_code
    from hplint.config import ConfigError, load_config

    try:
        config = load_config([cwd])
    except ConfigError as error:
        raise UsageError(str(error)) from error
    options = {}
    for code in RUN_ORDER:
        rule = rule_by_code(code)
        assert rule is not None, code
        options[code] = dict(config.options_for(rule))
    return options


def _display(path: Path) -> str:
    from hplint.lint import display_path

    return display_path(path)


class _Progress:
    """One line per check on stderr: `[2/6] HP902 cannot-overfit ... pass (0.4 s)`."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = 0
        self.running: str | None = None

    def start(self, code: str) -> None:
        from hplint.checks import rule_by_code

        self.started += 1
        self.running = code
        rule = rule_by_code(code)
        click.echo(f"[{self.started}/{self.total}] {code} {rule.name if rule else ''} ... ", err=True, nl=False)

    def finish(self, text: str) -> None:
        if self.running is not None:
            click.echo(text, err=True)
        self.running = None

    def close(self, text: str) -> None:
        if self.running is not None:
            click.echo(text, err=True)


def _take(event: dict[str, Any], outcome: ProbeOutcome, progress: _Progress) -> None:
    kind = event.get("event")
    if kind == "setup":
        outcome.device, outcome.device_name = event.get("device"), event.get("device_name")
        outcome.torch = event.get("torch")
    elif kind == "target" and event.get("path"):
        outcome.path, outcome.line = _display(Path(event["path"])), int(event.get("line", 1))
    elif kind == "recipe":
        outcome.recipe = {key: value for key, value in event.items() if key != "event"}
        outcome.configured_lr, outcome.configured_lr_source = event.get("lr"), event.get("lr_source", "")
        outcome.configured_batch, outcome.configured_batch_source = event.get("batch_size"), event.get("batch_source", "")
    elif kind == "start":
        progress.start(str(event.get("code")))
    elif kind == "check":
        fields = {key: value for key, value in event.items() if key != "event"}
        result = CheckResult.from_json(fields)
        outcome.checks.append(result)
        progress.finish(f"{result.status} ({result.seconds:.1f} s)")
    elif kind == "crash":
        code = event.get("code")
        outcome.errors.append(
            ProbeError("crash", f"{code} crashed: {event.get('message')}", code, str(event.get("traceback") or ""))
        )
        progress.finish(f"crashed: {event.get('message')}")


def _death(returncode: int | None, log: str, running: str | None) -> str:
    during = f" during {running}" if running else ""
    if returncode is not None and returncode < 0:
        how = f"was killed by signal {-returncode}" + (" (out of memory?)" if returncode == -9 else "")
    else:
        how = f"exited with code {returncode}"
    last = next((line.strip() for line in reversed(log.splitlines()) if line.strip()), "")
    return f"the probe process {how}{during}" + (f": {last}" if last else "")


def _render(outcome: ProbeOutcome, output_format: str) -> str:
    renderers: dict[str, Callable[[ProbeOutcome], str]] = {
        "text": render_text, "json": render_json, "sarif": render_sarif,
    }
    return renderers[output_format](outcome)


__all__ = ["ProbeOptions", "Target", "run_probe"]
