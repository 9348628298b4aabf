"""hplint's speed beside the LibCST parse floor, on the Python sources of real wheels.

    python benchmarks/speed.py [--corpus timm|transformers|all] [--with-torchfix]

flake8 is compared when installed (`pip install flake8`); torchfix pins an older LibCST, so
install it in a virtual environment of its own and put its bin/ on PATH.

Downloads pinned wheels with pip into a cache folder (benchmarks/.corpus/, ignored by git),
unpacks their sources into a project of their own (a git checkout, as pre-commit sees one),
and runs in one go:
  - a bare single-process `libcst.parse_module` of every file (the floor every ratio uses);
  - hplint --no-cache, cold, with --jobs 1 and with the default jobs;
  - hplint with an empty cache (cold, filling it), warm (nothing changed), warm after touching
    one file (and how many files that run extracted);
  - hplint on one small unchanged file of the cached project (pre-commit's common case), and
    flake8 on the same file when it is installed; torchfix on the whole corpus when asked for.
For each it prints files, lines, wall seconds, files/s, peak RSS of the whole process tree
(every worker counted) and the ratio to the bare parse, then the targets of SPEC §7 met or not.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WHEELS = {"timm": "timm==1.0.15", "transformers": "transformers==4.51.3"}
CACHE = Path(__file__).resolve().parent / ".corpus"
BARE_PARSE = """
import pathlib, sys, libcst
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    try:
        libcst.parse_module(path.read_bytes())
    except Exception:
        pass
"""


@dataclass
class Measurement:
    name: str
    seconds: float  # the median over the runs
    peak_rss_mb: float
    runs: int = 1

    @property
    def label(self) -> str:
        return f"{self.name} (median of {self.runs})" if self.runs > 1 else self.name


def corpus(name: str) -> Path:
    """The unpacked sources of a pinned wheel, downloaded once, as a project of their own."""
    target = CACHE / name
    if not target.is_dir():
        CACHE.mkdir(exist_ok=True)
        (CACHE / ".gitignore").write_text("*\n")
        with tempfile.TemporaryDirectory() as download:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", download, WHEELS[name]], check=True,
            )
            [wheel] = Path(download).glob("*.whl")
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if member.endswith(".py") and ".dist-info/" not in member:
                        archive.extract(member, target)
    if not (target / ".git").exists():
        # Its own checkout: otherwise a file named alone would belong to the enclosing one.
        subprocess.run(["git", "init", "-q", str(target)], check=True)
    return target


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(
    name: str, command: list[str], cwd: Path, repeat: int = 1, before_each: Callable[[int], None] | None = None,
) -> Measurement:
    """Wall time (the median over `repeat` runs) and the highest peak RSS of the process tree."""
    seconds, peaks = [], []
    for attempt in range(repeat):
        if before_each is not None:
            before_each(attempt)
        elapsed, peak = _run_once(command, cwd)
        seconds.append(elapsed)
        peaks.append(peak)
    return Measurement(name, statistics.median(seconds), max(peaks), repeat)


def _run_once(command: list[str], cwd: Path) -> tuple[float, float]:
    # As installed: byte code is compiled once and reused, whatever this shell asks for.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
    )
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    process.wait()
    seconds = time.perf_counter() - started
    sampler.join()
    return seconds, peak / 1024


def lines_of(folder: Path) -> tuple[int, int]:
    files = sorted(folder.rglob("*.py"))
    return len(files), sum(path.read_bytes().count(b"\n") for path in files)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _fact_entries(cache: Path) -> set[Path]:
    return {entry for entry in cache.rglob("*.json") if entry.parent.name != "runs"}


def run(folder: Path, with_torchfix: bool) -> list[Measurement]:
    """Long runs once each; sub-second runs, whose noise is larger than they are, five times."""
    hplint = [sys.executable, "-m", "hplint", "check", "--exit-zero", "--quiet"]
    cache = folder.parent / f".hplint_cache_{folder.name}"
    shutil.rmtree(cache, ignore_errors=True)
    results = [
        measure(BARE, [sys.executable, "-c", BARE_PARSE, str(folder)], folder.parent),
        measure(NO_CACHE_SERIAL, [*hplint, "--no-cache", "--jobs", "1", str(folder)], folder.parent),
        measure(COLD, [*hplint, "--no-cache", str(folder)], folder.parent),
        measure("hplint cold, filling the cache", [*hplint, "--cache-dir", str(cache), str(folder)], folder.parent),
        measure(WARM, [*hplint, "--cache-dir", str(cache), str(folder)], folder.parent, SHORT_REPEAT),
    ]
    files = sorted(folder.rglob("*.py"), key=lambda path: path.stat().st_size)
    # pre-commit's common case: one small file of a project whose cache is up to date.
    small = min(files, key=lambda path: abs(path.stat().st_size - 2000))
    results.append(measure(SMALL, [*hplint, "--cache-dir", str(cache), str(small)], folder.parent, SHORT_REPEAT))
    if _installed("flake8"):
        flake8 = [sys.executable, "-m", "flake8", "--exit-zero", str(small)]
        results.append(measure(FLAKE8, flake8, folder.parent, SHORT_REPEAT))
    else:
        print("  (flake8 is not installed: `pip install flake8` to compare the one-file run with it)")
    touched = files[len(files) // 2]
    original = touched.read_bytes()
    try:
        results.append(measure(
            TOUCHED, [*hplint, "--cache-dir", str(cache), str(folder)], folder.parent, SHORT_REPEAT,
            before_each=lambda attempt: touched.write_bytes(original + f"\n# touched {attempt}\n".encode()),
        ))
        # Which entries one more edit writes: each file's entry replaces its older version.
        before = _fact_entries(cache)
        touched.write_bytes(original + b"\n# touched once more\n")
        subprocess.run([*hplint, "--cache-dir", str(cache), str(folder)], cwd=folder.parent, capture_output=True)
        print(f"  (an edit of {touched.relative_to(folder)} re-extracted {len(_fact_entries(cache) - before)} file(s))")
    finally:
        touched.write_bytes(original)
    if with_torchfix:
        # torchfix pins an older LibCST, so it may well live in a virtual environment of its own.
        torchfix = [sys.executable, "-m", "torchfix"] if _installed("torchfix") else [shutil.which("torchfix") or ""]
        if torchfix[0]:
            results.append(measure("torchfix (whole corpus)", [*torchfix, str(folder)], folder.parent))
        else:
            print("  (torchfix is not installed: `pip install torchfix`, here or in a virtual environment on PATH)")
    return results


SHORT_REPEAT = 5
# Names of the runs the targets are about.
BARE = "bare LibCST parse (1 process)"
NO_CACHE_SERIAL = "hplint --no-cache --jobs 1"
COLD = "hplint --no-cache (default jobs)"
WARM = "hplint warm, nothing changed"
TOUCHED = "hplint warm, one file touched"
SMALL = "hplint one unchanged small file (cached)"
FLAKE8 = "flake8 the same small file"
# SPEC §7 and issue 7: the most each run may take on timm, as a multiple of the bare parse.
TARGETS_CORPUS = "timm"
TARGETS = {COLD: 1.0, WARM: 0.05, TOUCHED: 0.1}


def report(name: str, folder: Path, results: list[Measurement]) -> tuple[float, float]:
    """Print the table and the targets; return the cold run's files and lines per second."""
    files, lines = lines_of(folder)
    floor = results[0].seconds
    print(f"\n{name}: {files} files, {lines} lines ({os.cpu_count()} cores)")
    print(f"  {'run':56}  {'wall s':>7}  {'files/s':>8}  {'lines/s':>8}  {'peak RSS MB':>11}  {'× parse':>7}")
    for result in results:
        per_second = 1 / result.seconds if result.seconds else 0.0
        print(
            f"  {result.label:56}  {result.seconds:7.2f}  {files * per_second:8.1f}  {lines * per_second:8.0f}  "
            f"{result.peak_rss_mb:11.0f}  {result.seconds / floor:7.3f}"
        )
    by_name = {result.name: result for result in results}
    if name != TARGETS_CORPUS:
        return files / by_name[COLD].seconds, lines / by_name[COLD].seconds
    for run_name, limit in TARGETS.items():
        ratio = by_name[run_name].seconds / floor
        print(f"  target {run_name}: {ratio:.3f} × parse (≤ {limit}) {'met' if ratio <= limit else 'NOT met'}")
    peak = by_name[COLD].peak_rss_mb
    print(f"  target peak RSS, default jobs: {peak:.0f} MB (≤ 300) {'met' if peak <= 300 else 'NOT met'}")
    if FLAKE8 in by_name:
        mine, theirs = by_name[SMALL].seconds, by_name[FLAKE8].seconds
        verdict = "met" if mine <= theirs else "NOT met"
        print(f"  target one small file: {mine:.2f} s against flake8's {theirs:.2f} s {verdict}")
    return files / by_name[COLD].seconds, lines / by_name[COLD].seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["timm", "transformers", "all"], default="timm")
    parser.add_argument("--with-torchfix", action="store_true")
    options = parser.parse_args()
    names = list(WHEELS) if options.corpus == "all" else [options.corpus]
    speeds = {}
    for name in names:
        folder = corpus(name)
        speeds[name] = report(name, folder, run(folder, options.with_torchfix))
    if len(speeds) > 1:
        for index, unit in enumerate(("files/s", "lines/s")):
            rates = {name: speed[index] for name, speed in speeds.items()}
            shortfall = 1 - min(rates.values()) / max(rates.values())
            print(
                f"cold {unit}: {', '.join(f'{name} {rate:.1f}' for name, rate in rates.items())}; "
                f"the slower is {100 * shortfall:.0f}% below the faster (target: within 25%)"
            )


if __name__ == "__main__":
    main()
