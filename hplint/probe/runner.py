"""The parent's side of the child process: start it, follow its events, kill it on a timeout or past its memory limit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hplint.probe.limits import MemoryWatch, OutputKeeper, default_memory_limit
from hplint.probe.spec import ProbeSpec
from hplint.probe.threads import CHILD_ENVIRONMENT

_POLL_SECONDS = 0.05
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)  # the folder that holds hplint/
# The child imports this very hplint (a checkout or an install), and then leaves sys.path as the
# interpreter set it, so the user's imports resolve as they would in their own scripts.
_CHILD_BOOT = (
    "import sys\n"
    f"root = {_PACKAGE_ROOT!r}\n"
    "added = root not in sys.path\n"
    "if added: sys.path.insert(0, root)\n"
    "import hplint.probe.child as child\n"
    "if added: sys.path.remove(root)\n"
    "sys.exit(child.main())\n"
)


@dataclass
class ChildRun:
    events: list[dict[str, Any]] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
    log: str = ""  # the child's stdout and stderr (the user's prints, a traceback), its start and end only
    out_of_memory: int | None = None  # the memory limit the child's process group went past


class _EventReader:
    """Complete JSON lines appended since the last read; a line cut short by a crash is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.pending = b""

    def read(self) -> list[dict[str, Any]]:
        with open(self.path, "rb") as stream:
            stream.seek(self.offset)
            data = stream.read()
        self.offset += len(data)
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
        return events


def run_child(
    spec: ProbeSpec, timeout: float, on_event: Callable[[dict[str, Any]], None], memory_limit: int | None = None,
) -> ChildRun:
    run = ChildRun()
    limit = memory_limit or default_memory_limit()

    def take(events: list[dict[str, Any]]) -> None:
        for event in events:
            run.events.append(event)
            on_event(event)

    with tempfile.TemporaryDirectory(prefix="hplint-probe-") as folder:
        spec_path, events_path = (Path(folder, name) for name in ("spec.json", "events.jsonl"))
        spec_path.write_text(spec.to_json(), encoding="utf-8")
        events_path.touch()
        reader = _EventReader(events_path)
        # Output through a pipe, of which the start and the end are kept: a factory that prints in
        # a loop fills neither the disk nor this process's memory.
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_BOOT, str(spec_path), str(events_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=spec.cwd,
            start_new_session=True, env={**CHILD_ENVIRONMENT, **os.environ},
        )
        output = OutputKeeper(process.stdout)  # type: ignore[arg-type]
        memory = MemoryWatch(process.pid, limit)
        deadline = time.monotonic() + timeout
        try:  # on Ctrl-C too: the child runs in its own session, so only this process hears it
            while process.poll() is None:
                take(reader.read())
                if time.monotonic() >= deadline:
                    run.timed_out = True
                    break
                if memory.exceeded():
                    run.out_of_memory = limit
                    break
                time.sleep(_POLL_SECONDS)
        finally:
            # Also on a normal exit: data-loader workers or other children may outlive the child.
            _kill_group(process)
        take(reader.read())
        run.returncode = process.returncode
        run.log = output.text()
    return run


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    killpg = getattr(os, "killpg", None)
    try:
        if killpg is not None:
            killpg(process.pid, signal.SIGKILL)
        elif process.poll() is None:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
