"""`hplint probe MODULE:FACTORY ...`: prepare the run, start the child, report what it found.

Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 a usage or import error
(a bad target, a factory that raises, options that do not fit the model, no torch), 3 a timeout
or a crash, with the report of the checks that finished.
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
from hplint.probe.target import TargetError, factory_line, module_file, parse_target

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_TIMEOUT_OR_CRASH = 0, 1, 2, 3
INSTALL_HINT = "hplint probe needs PyTorch: pip install 'hplint[probe]'"
_OPTIMIZER_NAMES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class ProbeOptions:
    target: str
    input_shape: str
    num_classes: int | None = None
    loss: str = "ce"
    output_dim: int | None = None
    device: str = "auto"
    lr: float | None = None
    optimizer: str | None = None  # adam | adamw | sgd
    batch_size: int | None = None
    timeout: float = 120.0
    seed: int = 0
    output_format: str = "text"
    plot: Path | None = None
    select: tuple[str, ...] | None = None
    verbose: bool = False


def run_probe(options: ProbeOptions) -> int:
    prepared = _prepare(options)
    if isinstance(prepared, int):
        return prepared
    spec, outcome = prepared
    from hplint.probe.runner import run_child

    progress = _Progress(len(spec.checks))
    child = run_child(spec, options.timeout, lambda event: _take(event, outcome, progress))
    progress.close()
    usage = next((event for event in child.events if event.get("event") == "error"), None)
    if usage is not None:
        return _usage_from_child(usage, options.verbose)
    if child.timed_out:
        during = f" during {progress.running}" if progress.running else ""
        message = f"the probe ran past --timeout {options.timeout:g} s{during}; the checks that finished are reported"
        outcome.errors.append(ProbeError("timeout", message, progress.running))
    elif not any(event.get("event") == "done" for event in child.events):
        message = _death(child.returncode, child.log, progress.running)
        outcome.errors.append(ProbeError("crash", message, progress.running))
    return _report(outcome, options, child.log)


def _prepare(options: ProbeOptions) -> tuple[ProbeSpec, ProbeOutcome] | int:
    """Everything the parent settles before the child starts; an exit code when it cannot start."""
    try:
        target = parse_target(options.target)
        task = _task(options)
        checks = _selected(options.select)
    except (TargetError, UsageError) as error:
        return _usage(str(error))
    if importlib.util.find_spec("torch") is None:
        click.echo(INSTALL_HINT, err=True)
        return EXIT_USAGE
    cwd = Path.cwd()
    path = module_file(target, cwd)
    if target.is_path and path is None:
        return _usage(f"{target.module}: no such file")
    try:
        rule_options = _rule_options(cwd)
    except UsageError as error:
        return _usage(str(error))
    configured = _configured(options, cwd, checks)
    outcome = ProbeOutcome(
        str(target), _display(path) if path else target.module, factory_line(path, target.factory) if path else 1,
        options.seed, configured_lr=configured.lr, configured_lr_source=configured.lr_source,
        configured_batch=configured.batch, configured_batch_source=configured.batch_source,
    )
    spec = ProbeSpec(
        module=target.module, factory=target.factory, cwd=str(cwd), input_shape=task["input_shape"],
        loss=options.loss, outputs=task["outputs"], device=options.device, seed=options.seed,
        deadline=time.time() + options.timeout, checks=checks, optimizer=configured.optimizer,
        configured_lr=configured.lr, configured_lr_source=configured.lr_source, configured_batch=configured.batch,
        configured_batch_source=configured.batch_source, options={code: rule_options[code] for code in checks},
    )
    return spec, outcome


def _usage_from_child(event: dict[str, Any], verbose: bool) -> int:
    if event.get("kind") == "no-torch":
        click.echo(INSTALL_HINT, err=True)
        return EXIT_USAGE
    click.echo(f"hplint: error: {event.get('message')}", err=True)
    if verbose and event.get("traceback"):
        click.echo(str(event["traceback"]).rstrip(), err=True)
    return EXIT_USAGE


def _report(outcome: ProbeOutcome, options: ProbeOptions, child_log: str) -> int:
    outcome.checks.sort(key=lambda result: result.code)
    click.echo(_render(outcome, options.output_format))
    if options.verbose and child_log.strip():
        click.echo(child_log.rstrip(), err=True)
    for error in outcome.errors:
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


def _task(options: ProbeOptions) -> dict[str, Any]:
    parts = [part.strip() for part in re.split(r"[,x×]", options.input_shape.strip())]
    shape = tuple(int(part) for part in parts) if all(part.isdigit() for part in parts) else ()
    if not shape or any(size < 1 for size in shape):
        raise UsageError(f"--input-shape {options.input_shape!r}: expected positive sizes of one sample, like 3,32,32")
    if options.loss == "mse":
        outputs = options.output_dim or 1
    else:
        if options.num_classes is None:
            raise UsageError(f"--loss {options.loss} needs --num-classes")
        if options.loss == "ce" and options.num_classes < 2:
            raise UsageError("--loss ce needs --num-classes of at least 2")
        outputs = options.num_classes
    if options.timeout <= 0 or not math.isfinite(options.timeout):
        raise UsageError("--timeout must be a positive number of seconds")
    return {"input_shape": shape, "outputs": outputs}


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


@dataclass(frozen=True)
class _Configured:
    lr: float | None
    lr_source: str
    batch: int | None
    batch_source: str
    optimizer: str  # torch.optim class name for the LR range test and the batch search


def _configured(options: ProbeOptions, cwd: Path, checks: tuple[str, ...]) -> _Configured:
    """What the run is compared with: the command line's values, else the project's static facts."""
    lr, lr_source = (options.lr, "--lr") if options.lr is not None else (None, "")
    batch, batch_source = (options.batch_size, "--batch-size") if options.batch_size is not None else (None, "")
    optimizer = _OPTIMIZER_NAMES[options.optimizer] if options.optimizer else None
    wanted = ("HP904" in checks and (lr is None or optimizer is None)) or ("HP905" in checks and batch is None)
    if wanted:
        from hplint.probe.configured import from_project

        found = from_project(cwd)
        if lr is None and found.lr is not None:
            lr, lr_source = found.lr.value, found.lr.source
        if batch is None and found.batch_size is not None and found.batch_size.value >= 1:
            batch, batch_source = int(found.batch_size.value), found.batch_size.source
        optimizer = optimizer or found.optimizer
    return _Configured(lr, lr_source, batch, batch_source, optimizer or "Adam")


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

    def close(self) -> None:
        if self.running is not None:
            click.echo("did not finish", err=True)


def _take(event: dict[str, Any], outcome: ProbeOutcome, progress: _Progress) -> None:
    kind = event.get("event")
    if kind == "setup":
        outcome.device, outcome.device_name = event.get("device"), event.get("device_name")
        outcome.torch = event.get("torch")
    elif kind == "target" and event.get("path"):
        outcome.path, outcome.line = _display(Path(event["path"])), int(event.get("line", 1))
    elif kind == "start":
        progress.start(str(event.get("code")))
    elif kind == "check":
        fields = {key: value for key, value in event.items() if key != "event"}
        result = CheckResult.from_json(fields)
        outcome.checks.append(result)
        progress.finish(f"{result.status} ({result.seconds:.1f} s)")
    elif kind == "crash":
        code = event.get("code")
        outcome.errors.append(ProbeError("crash", f"{code} crashed: {event.get('message')}", code))
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
