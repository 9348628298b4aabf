"""hplint's speed beside the LibCST parse floor, on the Python sources of real wheels.

    python benchmarks/speed.py [--corpus timm|transformers|all] [--with-torchfix] [--with-flake8]

Downloads pinned wheels with pip into a cache folder (benchmarks/.corpus/, ignored by git),
unpacks their sources, and runs in one go:
  - a bare single-process `libcst.parse_module` of every file (the floor every ratio uses);
  - hplint --no-cache, cold, with --jobs 1 and with the default jobs;
  - hplint with an empty cache (cold, filling it), warm (nothing changed), warm after touching
    one file;
  - hplint on one small unchanged file of the cached project (pre-commit's common case), and
    flake8 / torchfix on the same files when asked for.
For each it prints files, lines, wall seconds, files/s, peak RSS of the whole process tree
(every worker counted) and the ratio to the bare parse.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
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
    seconds: float
    peak_rss_mb: float


def corpus(name: str) -> Path:
    """The unpacked sources of a pinned wheel, downloaded once."""
    target = CACHE / name
    if target.is_dir():
        return target
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


def measure(name: str, command: list[str], cwd: Path) -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    return Measurement(name, seconds, peak / 1024)


def lines_of(folder: Path) -> tuple[int, int]:
    files = sorted(folder.rglob("*.py"))
    return len(files), sum(path.read_bytes().count(b"\n") for path in files)


def run(folder: Path, with_torchfix: bool, with_flake8: bool) -> list[Measurement]:
    hplint = [sys.executable, "-m", "hplint", "check", "--exit-zero", "--quiet"]
    cache = folder.parent / f".hplint_cache_{folder.name}"
    shutil.rmtree(cache, ignore_errors=True)
    results = [
        measure("bare LibCST parse (1 process)", [sys.executable, "-c", BARE_PARSE, str(folder)], folder.parent),
        measure("hplint --no-cache --jobs 1", [*hplint, "--no-cache", "--jobs", "1", str(folder)], folder.parent),
        measure("hplint --no-cache (default jobs)", [*hplint, "--no-cache", str(folder)], folder.parent),
        measure("hplint cold, filling the cache", [*hplint, "--cache-dir", str(cache), str(folder)], folder.parent),
        measure("hplint warm, nothing changed", [*hplint, "--cache-dir", str(cache), str(folder)], folder.parent),
    ]
    touched = sorted(folder.rglob("*.py"), key=lambda path: path.stat().st_size)[len(list(folder.rglob("*.py"))) // 2]
    original = touched.read_bytes()
    touched.write_bytes(original + b"\n# touched\n")
    try:
        results.append(measure("hplint warm, one file touched", [*hplint, "--cache-dir", str(cache), str(folder)], folder.parent))
    finally:
        touched.write_bytes(original)
    small = min(folder.rglob("*.py"), key=lambda path: abs(path.stat().st_size - 2000))
    results.append(measure("hplint one unchanged small file (cached)", [*hplint, "--cache-dir", str(cache), str(small)], folder.parent))
    if with_flake8 and shutil.which("flake8"):
        results.append(measure("flake8 the same small file", ["flake8", "--exit-zero", str(small)], folder.parent))
    if with_torchfix and shutil.which("torchfix"):
        results.append(measure("torchfix", ["torchfix", str(folder)], folder.parent))
    return results


def report(name: str, folder: Path, results: list[Measurement]) -> None:
    files, lines = lines_of(folder)
    floor = results[0].seconds
    print(f"\n{name}: {files} files, {lines} lines ({os.cpu_count()} cores)")
    print(f"  {'run':42}  {'wall s':>7}  {'files/s':>8}  {'peak RSS MB':>11}  {'× parse':>7}")
    for result in results:
        per_second = files / result.seconds if result.seconds else 0.0
        print(
            f"  {result.name:42}  {result.seconds:7.2f}  {per_second:8.1f}  {result.peak_rss_mb:11.0f}  "
            f"{result.seconds / floor:7.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["timm", "transformers", "all"], default="timm")
    parser.add_argument("--with-torchfix", action="store_true")
    parser.add_argument("--with-flake8", action="store_true")
    options = parser.parse_args()
    names = list(WHEELS) if options.corpus == "all" else [options.corpus]
    for name in names:
        folder = corpus(name)
        report(name, folder, run(folder, options.with_torchfix, options.with_flake8))


if __name__ == "__main__":
    main()
