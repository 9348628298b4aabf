"""A progress line on stderr for long runs on a terminal: `hplint: 1200/4000 files`, rewritten in place."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressLine:
    """Silent for the first seconds (a quick run prints nothing extra) and when stderr is not a terminal."""

    def __init__(self, stream: TextIO, delay: float = 2.0, interval: float = 0.1) -> None:
        self._stream = stream
        self._shown_from = time.monotonic() + delay
        self._interval = interval
        self._last = 0.0
        self._written = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now < self._shown_from or (now - self._last < self._interval and done < total):
            return
        self._last = now
        self._stream.write(f"\r\x1b[Khplint: {done}/{total} files")
        self._stream.flush()
        self._written = True

    def clear(self) -> None:
        """Take the line away before the findings are printed."""
        if self._written:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._written = False
