"""The probe's child process: `python -m hplint.probe.child SPEC_FILE EVENTS_FILE`.

It runs as a fresh interpreter (CUDA cannot be re-initialised in a forked child) in its own
process group, so the parent can kill it and any data-loader workers on a timeout. Every event
is one JSON line appended to EVENTS_FILE and flushed at once: the parent shows progress from
them, and still has every finished check when this process hangs or dies.

The user's code sees the interpreter as if it ran their module: `sys.argv` holds the module's
path alone (a module that parses its arguments must not read the probe's files as its own).
Ctrl-C ends the child with exit code 130.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import inspect
import os
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, TextIO

from hplint.probe.spec import ProbeSpec, dumps

EXIT_INTERRUPTED = 130
_HPLINT_ROOT = str(Path(__file__).resolve().parent.parent)  # hplint/, whose frames are not the user's


class UsageError(Exception):
    """The target or the options are wrong: the parent prints the message and exits 2."""


class FactoryError(Exception):
    """The factory raised: during setup a usage error, during a check a crash."""


class EventLog:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, event: str, **fields: Any) -> None:
        self.stream.write(dumps({"event": event, **fields}) + "\n")
        self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    spec_path, events_path = sys.argv[1:3] if argv is None else argv
    if argv is None:  # the child process, not a test calling main() in-process
        from hplint.probe.limits import die_with_parent

        die_with_parent()  # the user's model must not train on after hplint is gone
    spec = ProbeSpec.from_json(Path(spec_path).read_text(encoding="utf-8"))
    sys.argv = [_program(spec)]
    with open(events_path, "a", encoding="utf-8") as stream:
        log = EventLog(stream)
        try:
            run(spec, log)
        except KeyboardInterrupt:
            log.write("interrupted")
            return EXIT_INTERRUPTED
    return 0


def _program(spec: ProbeSpec) -> str:
    """What `sys.argv[0]` would be had the user run their module: its path, or its dotted name."""
    name = spec.module or (spec.build or {}).get("path") or "hplint-probe"
    if name.endswith(".py") or "/" in name or os.sep in name:
        return str(Path(spec.cwd, name).resolve())
    return name


def run(spec: ProbeSpec, log: EventLog) -> None:
    try:
        import torch
    except ImportError as error:
        log.write("error", kind="no-torch", message=str(error))
        return
    from hplint.probe.checks import CHECKS
    from hplint.probe.data import DataError
    from hplint.probe.recipe import RecipeError, make_recipe
    from hplint.probe.workbench import SetupError, Workbench

    try:
        device = _device(torch, spec.device)
        log.write("setup", device=device.type, device_name=_device_name(torch, device), torch=torch.__version__)
        factory = load_factory(spec)
        log.write("target", **_where(factory))
        data, data_name = load_data(spec)
        torch.manual_seed(spec.seed)
        first = factory()
        recipe = make_recipe(factory, first, data, data_name, spec.loss, spec.loss_api)
        bench = Workbench(spec, recipe, device)
        bench.setup()
        log.write("recipe", **_recipe_event(bench))
    except (UsageError, FactoryError, SetupError, RecipeError, DataError) as error:
        log.write("error", kind="usage", message=str(error), traceback=user_traceback(error))
        return
    for code in spec.checks:
        log.write("start", code=code)
        started = time.perf_counter()
        try:
            result = CHECKS[code](bench, spec.options.get(code, {}))
        except Exception as error:  # noqa: BLE001 - the user's model raised: report it, go on with the others
            log.write(
                "crash", code=code, message=f"{type(error).__name__}: {error}", traceback=user_traceback(error),
            )
            continue
        finally:
            gc.collect()
            if device.type == "cuda":
                torch.cuda.empty_cache()
        log.write("check", **replace(result, seconds=round(time.perf_counter() - started, 3)).to_json())
    log.write("done")


def _recipe_event(bench: Any) -> dict[str, Any]:
    recipe = bench.recipe
    return {
        "kind": recipe.kind, "step": recipe.step_name,
        "data": recipe.data_name if not bench.synthetic_data else "synthetic",
        "optimizer": bench.run_optimizer.describe(), "optimizer_source": bench.run_optimizer.source,
        "lr": bench.lr.value if bench.lr else None, "lr_source": bench.lr.source if bench.lr else "",
        "batch_size": bench.batch_size.value if bench.batch_size else None,
        "batch_source": bench.batch_size.source if bench.batch_size else "",
        "threads": bench.threads,
    }


def user_traceback(error: BaseException) -> str:
    """The traceback of the user's own code: the frames outside hplint, for the chain of causes."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    parts = []
    for exception in reversed(chain):
        frames = [frame for frame in traceback.extract_tb(exception.__traceback__) if not _ours(frame.filename)]
        if not frames:
            continue
        lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
        lines.extend(traceback.format_exception_only(type(exception), exception))
        parts.append("".join(lines))
    return "\n".join(parts)


def _ours(filename: str) -> bool:
    return filename.startswith((_HPLINT_ROOT, "<frozen")) or filename == "<string>"


def _device(torch: Any, requested: str) -> Any:
    available = torch.cuda.is_available()
    if requested == "cuda" and not available:
        raise UsageError(f"--device cuda, but CUDA is not available to torch {torch.__version__}")
    return torch.device("cuda" if requested == "cuda" or (requested == "auto" and available) else "cpu")


def _device_name(torch: Any, device: Any) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def load_factory(spec: ProbeSpec) -> Callable[[], Any]:
    if spec.build is not None:
        return _built(spec)
    assert spec.module is not None and spec.factory is not None
    target = _attribute(_import(spec.module, spec.cwd), spec.module, spec.factory)
    return _named_factory(target, f"{spec.factory}()")


def load_data(spec: ProbeSpec) -> tuple[Any | None, str]:
    """What `--data MODULE:FACTORY` returns (called once: data is read, not rebuilt), and its name for messages."""
    if spec.data_module is None or spec.data_factory is None:
        return None, ""
    target = _attribute(_import(spec.data_module, spec.cwd), spec.data_module, spec.data_factory)
    name = f"{spec.data_module}:{spec.data_factory}"
    data = _named_factory(target, f"--data {name}")()
    return data, f"--data {name} ({type(data).__name__})"


def _attribute(module: ModuleType, shown: str, dotted: str) -> Any:
    target: Any = module
    for part in dotted.split("."):
        if not hasattr(target, part):
            raise UsageError(f"{shown} has no attribute '{dotted}'")
        target = getattr(target, part)
    if not callable(target):
        raise UsageError(f"{shown}:{dotted} is a {type(target).__name__}, not a callable")
    return target


def _built(spec: ProbeSpec) -> Callable[[], Any]:
    """Without a factory: the project's one model, built with the constructor arguments its code writes."""
    build = spec.build or {}
    cls = _attribute(_import(build["path"], spec.cwd), build["path"], build["name"])
    args, kwargs = list(build.get("args", [])), dict(build.get("kwargs", {}))
    shown = f"{build['name']}({', '.join([*map(repr, args), *(f'{key}={value!r}' for key, value in kwargs.items())])})"
    return _named_factory(lambda: cls(*args, **kwargs), shown, cls)


def _named_factory(factory: Callable[..., Any], name: str, source: Any = None) -> Callable[[], Any]:
    """The factory, raising FactoryError with its name (the setup turns it into exit 2)."""

    def build() -> Any:
        try:
            return factory()
        except KeyboardInterrupt:
            raise
        except (Exception, SystemExit) as error:
            raise FactoryError(f"{name} raised {type(error).__name__}: {error}") from error

    build.__wrapped__ = source or factory  # type: ignore[attr-defined]
    return build


def _import(name: str, cwd: str) -> ModuleType:
    if name.endswith(".py") or "/" in name or os.sep in name:
        return _import_file(Path(cwd, name).resolve(), name)
    sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            raise UsageError(f"no module named '{name}' importable from {cwd}") from error
        raise UsageError(f"importing {name} raised ModuleNotFoundError: {error}") from error
    except (Exception, SystemExit) as error:
        raise UsageError(f"importing {name} raised {type(error).__name__}: {error}") from error


def _import_file(path: Path, shown: str) -> ModuleType:
    if not path.is_file():
        raise UsageError(f"{shown}: no such file")
    sys.path.insert(0, str(path.parent))  # so the file imports its neighbours as it would when run
    existing = sys.modules.get(path.stem)
    if existing is not None and getattr(existing, "__file__", None) and Path(existing.__file__).resolve() == path:
        return existing  # the factory's module and the data's module are the same file
    module_name = path.stem if path.stem not in sys.modules else f"_hplint_probe_{path.stem}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise UsageError(f"{shown}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        raise UsageError(f"importing {shown} raised {type(error).__name__}: {error}") from error
    return module


def _where(factory: Callable[[], Any]) -> dict[str, Any]:
    """The file and line that define the factory, for the diagnostics; empty when unknown."""
    original = getattr(factory, "__wrapped__", factory)
    try:
        path = inspect.getsourcefile(original)
        _, line = inspect.getsourcelines(original)
    except (OSError, TypeError):
        return {}
    return {"path": path, "line": max(1, line)} if path else {}


if __name__ == "__main__":
    sys.exit(main())
