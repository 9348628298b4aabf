"""The probe's child process: `python -m hplint.probe.child SPEC_FILE EVENTS_FILE`.

It runs as a fresh interpreter (CUDA cannot be re-initialised in a forked child) in its own
process group, so the parent can kill it and any data-loader workers on a timeout. Every event
is one JSON line appended to EVENTS_FILE and flushed at once: the parent shows progress from
them, and still has every finished check when this process hangs or dies.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import inspect
import json
import os
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, TextIO

from hplint.probe.spec import ProbeSpec


class UsageError(Exception):
    """The target or the options are wrong: the parent prints the message and exits 2."""


class FactoryError(Exception):
    """The factory raised: during setup a usage error, during a check a crash."""


class EventLog:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, event: str, **fields: Any) -> None:
        self.stream.write(json.dumps({"event": event, **fields}) + "\n")
        self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    spec_path, events_path = sys.argv[1:3] if argv is None else argv
    spec = ProbeSpec.from_json(Path(spec_path).read_text(encoding="utf-8"))
    with open(events_path, "a", encoding="utf-8") as stream:
        run(spec, EventLog(stream))
    return 0


def run(spec: ProbeSpec, log: EventLog) -> None:
    try:
        import torch
    except ImportError as error:
        log.write("error", kind="no-torch", message=str(error))
        return
    from hplint.probe.checks import CHECKS, SetupError, Workbench

    try:
        device = _device(torch, spec.device)
        log.write("setup", device=device.type, device_name=_device_name(torch, device), torch=torch.__version__)
        factory = load_factory(spec)
        log.write("target", **_where(factory))
        bench = Workbench(spec, factory, device)
        bench.setup()
    except (UsageError, FactoryError, SetupError) as error:
        log.write("error", kind="usage", message=str(error), traceback=traceback.format_exc())
        return
    for code in spec.checks:
        log.write("start", code=code)
        started = time.perf_counter()
        try:
            result = CHECKS[code](bench, spec.options.get(code, {}))
        except Exception as error:  # noqa: BLE001 - the user's model raised: report it, go on with the others
            log.write("crash", code=code, message=f"{type(error).__name__}: {error}", traceback=traceback.format_exc())
            continue
        finally:
            gc.collect()
            if device.type == "cuda":
                torch.cuda.empty_cache()
        log.write("check", **replace(result, seconds=round(time.perf_counter() - started, 3)).to_json())
    log.write("done")


def _device(torch: Any, requested: str) -> Any:
    available = torch.cuda.is_available()
    if requested == "cuda" and not available:
        raise UsageError(f"--device cuda, but CUDA is not available to torch {torch.__version__}")
    return torch.device("cuda" if requested == "cuda" or (requested == "auto" and available) else "cpu")


def _device_name(torch: Any, device: Any) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def load_factory(spec: ProbeSpec) -> Callable[[], Any]:
    module = _import(spec.module, spec.cwd)
    target: Any = module
    for part in spec.factory.split("."):
        if not hasattr(target, part):
            raise UsageError(f"{spec.module} has no attribute '{spec.factory}'")
        target = getattr(target, part)
    if not callable(target):
        raise UsageError(f"{spec.module}:{spec.factory} is a {type(target).__name__}, not a callable")
    return _named_factory(target, f"{spec.factory}()")


def _named_factory(factory: Callable[[], Any], name: str) -> Callable[[], Any]:
    """The factory, raising UsageError-worthy errors with its name (the setup turns them into exit 2)."""

    def build() -> Any:
        try:
            return factory()
        except Exception as error:
            raise FactoryError(f"{name} raised {type(error).__name__}: {error}") from error

    build.__wrapped__ = factory  # type: ignore[attr-defined]
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
