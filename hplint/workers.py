"""Worker processes that may die: a file that crashes, hangs or exhausts one takes the worker down, not the run.

The parent knows which task each worker holds. A worker that dies (a segmentation fault in a
native parser, the kernel's out-of-memory kill, its time limit) is reported with that task, and
a fresh worker takes the remaining tasks. Each worker:
  - ends itself when a task runs past the time limit: SIGALRM with its default action, which
    the kernel carries out even inside native code (the parent also kills it a little later);
  - has an address-space limit, so that a runaway allocation fails in that worker;
  - runs tasks on a thread with a large stack and a high recursion limit (deep syntax trees);
  - dies with its parent (Linux's parent-death signal, and elsewhere a watch on the parent's id),
    and ignores Ctrl-C, which the parent handles by killing every worker at once.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

Task = TypeVar("Task")

STACK_BYTES = 256 << 20  # deep syntax trees recurse in the parser (native) and in Python
RECURSION_LIMIT = 30_000
_PARENT_WATCH_SECONDS = 0.5
_KILL_GRACE_SECONDS = 2.0  # the parent's own deadline, after the worker's alarm should have fired


@dataclass(frozen=True)
class Limits:
    seconds: float  # per task
    memory_bytes: int  # address space a worker may add to what it holds when it starts


@dataclass(frozen=True)
class Died:
    """A task whose worker died before answering; `reason` says how, in words."""

    reason: str


class WorkerPool(Generic[Task]):
    """`workers` processes running `work(task)`; results come back as (task, result or Died).

    `work` runs in forked processes, so it need not be importable or picklable; its results must
    be picklable. Use as a context manager: leaving it kills whatever is still running.
    """

    def __init__(self, work: Callable[[Task], Any], workers: int, limits: Limits) -> None:
        self._work = work
        self._size = max(1, workers)
        self._limits = limits
        self._pending: deque[Task] = deque()
        self._workers: list[_Worker[Task]] = []
        import multiprocessing  # only runs that start workers pay for it (a few small files are extracted here)

        self._context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)

    def __enter__(self) -> WorkerPool[Task]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def submit(self, tasks: Iterable[Task]) -> None:
        self._pending.extend(tasks)
        self._dispatch()

    def poll(self) -> list[tuple[Task, Any]]:
        """The tasks finished so far, without waiting."""
        return self._collect(0.0)

    def results(self) -> Iterator[tuple[Task, Any]]:
        """Every remaining task's outcome, as the tasks finish."""
        while self._pending or any(worker.task is not None for worker in self._workers):
            yield from self._collect(0.2)

    def close(self) -> None:
        for worker in self._workers:
            worker.kill()
        self._workers.clear()

    def _dispatch(self) -> None:
        for worker in self._workers:
            if worker.task is None and self._pending:
                worker.start(self._pending.popleft())
        while self._pending and len(self._workers) < self._size:
            worker = _Worker(self._context, self._work, self._limits)
            self._workers.append(worker)
            worker.start(self._pending.popleft())

    def _collect(self, timeout: float) -> list[tuple[Task, Any]]:
        self._dispatch()
        busy = [worker for worker in self._workers if worker.task is not None]
        if not busy:
            return []
        from multiprocessing.connection import wait

        ready = set(wait([worker.connection for worker in busy] + [worker.process.sentinel for worker in busy], timeout))
        finished: list[tuple[Task, Any]] = []
        for worker in busy:
            outcome = worker.outcome(ready, self._limits.seconds + _KILL_GRACE_SECONDS)
            if outcome is None:
                continue
            task, result = outcome
            finished.append((task, result))
            if isinstance(result, Died):  # dead, or alive after a failure that may have left it unwell
                worker.kill()
                self._workers.remove(worker)
        self._dispatch()
        return finished


class _Worker(Generic[Task]):
    def __init__(self, context: Any, work: Callable[[Task], Any], limits: Limits) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_end, work, limits, os.getpid()), daemon=True)
        self.process.start()
        child_end.close()
        self.task: Task | None = None
        self.started = 0.0

    def start(self, task: Task) -> None:
        self.task = task
        self.started = time.monotonic()
        try:
            self.connection.send(task)
        except (OSError, ValueError):
            pass  # it died already: the sentinel says so on the next collection

    def outcome(self, ready: set[Any], deadline_seconds: float) -> tuple[Task, Any] | None:
        """(task, result) when the worker answered or died, None while it works."""
        task = self.task
        if task is None:
            return None
        if self.connection in ready or self.process.sentinel in ready:
            try:
                if self.connection.poll():
                    result = self.connection.recv()
                    self.task = None
                    return task, result
            except (EOFError, OSError):
                pass
            self.process.join(1.0)
            self.task = None
            return task, Died(_death(self.process.exitcode, deadline_seconds - _KILL_GRACE_SECONDS))
        if time.monotonic() - self.started > deadline_seconds:
            self.kill()
            self.task = None
            return task, Died(f"ran past the time limit of {deadline_seconds - _KILL_GRACE_SECONDS:g} s")
        return None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        self.connection.close()


def _death(exitcode: int | None, seconds: float) -> str:
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == getattr(signal, "SIGALRM", None):
            return f"ran past the time limit of {seconds:g} s"
        if number == signal.SIGKILL:
            return "was killed (SIGKILL, perhaps for lack of memory)"
        if number == getattr(signal, "SIGABRT", None):
            return "aborted (SIGABRT, perhaps for lack of memory)"
        return f"crashed ({name})"
    return f"exited with status {exitcode}"


def _serve(connection: Connection, work: Callable[[Any], Any], limits: Limits, parent: int) -> None:
    """A worker's life: answer tasks until the parent closes the pipe, kills it or dies."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    gc.enable()  # forked from a parent whose collector may be paused at that moment
    sys.setrecursionlimit(RECURSION_LIMIT)
    _limit_memory(limits.memory_bytes + STACK_BYTES)  # before any task can run: the thread's stack counts too
    serving = _started(threading.Thread(target=_answer, args=(connection, work, limits.seconds), daemon=True))
    while serving.is_alive():
        serving.join(_PARENT_WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)
    os._exit(0)


def _answer(connection: Connection, work: Callable[[Any], Any], seconds: float) -> None:
    timer = getattr(signal, "setitimer", None)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if timer is not None:
            timer(signal.ITIMER_REAL, seconds)
        try:
            result = work(task)
        except MemoryError:
            result = Died("ran out of memory")
        except Exception as error:  # noqa: BLE001 - reported with the task; the worker is replaced
            result = Died(f"failed: {type(error).__name__}: {error}")
        finally:
            if timer is not None:
                timer(signal.ITIMER_REAL, 0)
        try:
            connection.send(result)
        except (OSError, ValueError):
            return


def _die_with_parent(parent: int) -> None:
    """Linux kills this process when the parent exits, however it exits (SIGKILL included)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def _limit_memory(extra_bytes: int) -> None:
    try:
        import resource
    except ImportError:
        return
    used = _address_space()
    if used is None:
        return
    wanted = used + extra_bytes
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        return


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            pages = int(stream.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


Result = TypeVar("Result")


def run_deep(function: Callable[..., Result], *args: Any) -> Result:
    """function(*args) on a thread with a large stack and a high recursion limit, for deep syntax trees.

    The calling thread waits in short joins, so Ctrl-C still interrupts it at once.
    """
    outcome: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # noqa: BLE001 - handed to the caller as it is
            outcome.append((False, error))

    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
    try:
        thread = _started(threading.Thread(target=target, daemon=True))
        while thread.is_alive():
            thread.join(0.1)
    finally:
        sys.setrecursionlimit(previous_limit)
    succeeded, value = outcome[0]
    if succeeded:
        return value  # type: ignore[no-any-return]
    raise value


def _started(thread: threading.Thread) -> threading.Thread:
    """The thread started on a large stack, or on the default one where the address space is too tight for it."""
    previous = threading.stack_size(STACK_BYTES)
    try:
        thread.start()
    except RuntimeError:  # "can't start new thread": a ulimit on virtual memory
        threading.stack_size(previous)
        thread.start()
    finally:
        threading.stack_size(previous)
    return thread
