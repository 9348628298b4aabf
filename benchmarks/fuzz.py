"""Structure-aware fuzzing of hplint for minutes (SPEC §8): projects linted, crashes found.

    python benchmarks/fuzz.py [--minutes 10] [--out benchmarks/.fuzz]

The generator is the one the bounded test uses (tests/fuzz_projects.py): projects of Python,
YAML, TOML, JSON and shell with every kind of literal, document shape, nesting and size, and
what a hostile repository adds. Each project is linted cold and from the cache and rendered in
every format (one in five has 20-30 files and goes through the worker processes). A crash is an
exception out of lint(), an internal error it reports, a warm run that differs from the cold
one, or the fuzzing process itself dying (a segmentation fault in this process): the project
is kept under --out with what happened, and the count printed at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=HERE / ".fuzz")
    parser.add_argument("--fuzz-for", type=float, help=argparse.SUPPRESS)  # a child's seconds
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / ".gitignore").write_text("*\n")  # what a run keeps is not the project's
    if options.fuzz_for is not None:
        return _fuzz(options.fuzz_for, options.out)
    return _supervise(options.minutes * 60, options.out)


def _supervise(seconds: float, out: Path) -> int:
    """Fuzz in child processes, so that one dying (a crash in hplint's own process) is counted and the rest goes on."""
    deadline = time.monotonic() + seconds
    projects = 0
    crashes: list[str] = []
    started = time.monotonic()
    while time.monotonic() < deadline:
        progress = out / "progress.json"
        progress.unlink(missing_ok=True)
        child = subprocess.run(
            [sys.executable, __file__, "--fuzz-for", str(max(1.0, deadline - time.monotonic())), "--out", str(out)],
            check=False,
        )
        report = json.loads(progress.read_text()) if progress.exists() else {"projects": 0, "crashes": []}
        projects += report["projects"]
        crashes += report["crashes"]
        if child.returncode != 0:  # the fuzzing process died on the project it was checking
            kept = _keep(out / "current", out, f"the fuzzing process died with status {child.returncode}")
            crashes.append(kept)
            projects += 1
    minutes = (time.monotonic() - started) / 60
    print(f"{projects} projects in {minutes:.1f} min ({projects / max(minutes, 1e-9):.0f}/min), {len(crashes)} crashes")
    for crash in crashes:
        print(f"  {crash}")
    return 1 if crashes else 0


def _fuzz(seconds: float, out: Path) -> int:
    from fuzz_projects import check_project, projects, write
    from hypothesis import HealthCheck, Phase, given, settings

    deadline = time.monotonic() + seconds
    report: dict[str, object] = {"projects": 0, "crashes": []}
    crashes: list[str] = report["crashes"]  # type: ignore[assignment]

    def check(files: dict[str, bytes], jobs: int) -> None:
        if time.monotonic() >= deadline:
            return
        current = out / "current"
        shutil.rmtree(current, ignore_errors=True)
        current.mkdir()
        write(current, files)
        try:
            check_project(files, jobs=jobs)
        except Exception:  # noqa: BLE001 - every failure is a finding of the fuzzer
            crashes.append(_keep(current, out, traceback.format_exc()))
        report["projects"] = int(report["projects"]) + 1  # type: ignore[call-overload]
        (out / "progress.json").write_text(json.dumps(report))

    quick = settings(max_examples=40, deadline=None, database=None, phases=[Phase.generate],
                     suppress_health_check=list(HealthCheck))

    @quick
    @given(projects())
    def small(files: dict[str, bytes]) -> None:
        check(files, jobs=1)

    @settings(quick, max_examples=10)
    @given(projects(min_files=20, max_files=30))
    def large(files: dict[str, bytes]) -> None:
        check(files, jobs=2)

    while time.monotonic() < deadline:
        small()
        large()
    return 0


def _keep(current: Path, out: Path, what: str) -> str:
    number = len(list(out.glob("crash-*"))) + 1
    kept = out / f"crash-{number}"
    if current.exists():
        shutil.copytree(current, kept, dirs_exist_ok=True, symlinks=True)
    else:
        kept.mkdir()
    (kept / "WHAT.txt").write_text(what)
    return f"{kept}: {what.strip().splitlines()[-1] if what.strip() else what}"


if __name__ == "__main__":
    sys.exit(main())
