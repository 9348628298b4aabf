"""What the probe's child may take: memory, a share of its output, and no life after its parent.

The child runs the user's code, which may allocate without end, print in a loop (hundreds of
megabytes a second) or outlive hplint. The parent watches the resident memory of the child's
process group and kills the group past `--memory-limit`; it drains the child's output through
a pipe and keeps only its start and its end (the end holds the traceback); and the child kills
its own group as soon as its parent is gone, however the parent ended (SIGKILL included).
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections import deque
from typing import IO

OUTPUT_KEPT = 256 << 10  # bytes kept from the start of the child's output, and as many from its end
_GROUP_EVERY_SECONDS = 0.5  # the whole process group's memory is summed this often (the child's alone at each poll)
_PARENT_WATCH_SECONDS = 0.2
_UNITS = {"": 1 << 30, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def default_memory_limit() -> int:
    """Half the machine's memory (8 GiB where it cannot be known)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def parse_size(text: str) -> int:
    """`8G`, `512M`, `1.5GiB`, or a number of GiB; ValueError otherwise."""
    match = _SIZE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r}: expected a size such as 4G or 512M")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def describe_size(size: int) -> str:
    return f"{size / (1 << 30):.3g} GiB" if size >= 1 << 30 else f"{size / (1 << 20):.3g} MiB"


class MemoryWatch:
    """The resident memory of a process and its process group, against a limit."""

    def __init__(self, pid: int, limit: int) -> None:
        self.pid = pid
        self.limit = limit
        self._group_checked = 0.0

    def exceeded(self) -> bool:
        used = _resident(self.pid)
        now = time.monotonic()
        if used is not None and used <= self.limit and now - self._group_checked >= _GROUP_EVERY_SECONDS:
            self._group_checked = now
            used = _group_resident(self.pid)
        return used is not None and used > self.limit


def _resident(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _group_resident(group: int) -> int | None:
    """Resident memory of every process in the group (the child, data-loader workers, helpers)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return _resident(group)
    total = 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stream:
                fields = stream.read().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(group):
            total += _resident(int(entry)) or 0
    return total


class OutputKeeper:
    """Drains a pipe on a thread, keeping its first and last OUTPUT_KEPT bytes."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def text(self, timeout: float = 30.0) -> str:
        self._thread.join(timeout)
        tail = b"".join(self._tail)
        middle = f"\n[... {self.dropped} bytes of output left out ...]\n".encode() if self.dropped else b""
        return (bytes(self._head) + middle + tail).decode("utf-8", errors="replace")

    def _drain(self) -> None:
        read = getattr(self._stream, "read1", self._stream.read)
        while True:
            try:
                chunk = read(1 << 16)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            room = OUTPUT_KEPT - len(self._head)
            if room > 0:
                self._head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self._tail.append(chunk)
                self._tail_size += len(chunk)
                while self._tail_size - len(self._tail[0]) >= OUTPUT_KEPT:
                    self._tail_size -= len(self._tail[0])
                    self.dropped += len(self._tail.popleft())


def die_with_parent() -> None:
    """In the child: kill this process group when the parent that started it is gone.

    A thread, so that it runs while the user's code holds the main thread in native code.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_WATCH_SECONDS)
        killpg = getattr(os, "killpg", None)
        if killpg is not None and os.getpgrp() == os.getpid():  # the child leads its own group
            killpg(os.getpgrp(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="hplint-parent-watch", daemon=True).start()
