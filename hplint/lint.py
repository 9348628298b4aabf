"""One lint run, start to end: discover -> extract (cached, in parallel) -> project -> checks -> suppression."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hplint.cache import FactCache
from hplint.config import LintConfig
from hplint.diagnostics import Diagnostic
from hplint.discover import discover, project_root
from hplint.extract import extract_source, language_of, read_source
from hplint.facts import FileFacts, Suppression
from hplint.project import Project
from hplint.suppression import apply_suppressions

_PARALLEL_FROM = 16  # fewer files than this are extracted in-process: a pool costs more than it saves


@dataclass(frozen=True)
class RunOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_folder: Path | None = None  # None: no cache
    force_exclude: bool = False


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: list[FileFacts]  # the files linted (named on the command line or found in named folders)
    project: Project  # every file the rules saw, context included
    suppressed: int = 0
    unused_suppressions: list[tuple[str, Suppression]] = field(default_factory=list)


def display_path(path: Path) -> str:
    """Relative to the current directory when below it, as a POSIX path."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def lint(paths: Sequence[Path], config: LintConfig, options: RunOptions | None = None) -> LintResult:
    options = options or RunOptions()
    named = discover(paths, config.root, config.exclude, options.force_exclude)
    context = _project_context(paths, config, named)
    facts = extract_all([*named, *context], options)
    linted = facts[: len(named)]
    project = Project(facts)
    found: list[Diagnostic] = []
    for rule in config.enabled_rules():
        found.extend(rule().check(project, config.options_for(rule)))
    reported = {file.path for file in linted}
    found = [
        diagnostic for diagnostic in found
        if diagnostic.location.path in reported
        and not config.ignored_for_path(_root_relative(diagnostic.location.path, config.root), diagnostic.code)
    ]
    outcome = apply_suppressions(found, {file.path: file.suppressions for file in linted})
    return LintResult(
        sorted(set(outcome.kept), key=Diagnostic.sort_key), linted, project,
        len(outcome.suppressed), outcome.unused,
    )


def _project_context(paths: Sequence[Path], config: LintConfig, named: list[Path]) -> list[Path]:
    """When files are named (pre-commit passes the changed ones), the rest of their project.

    Rules that join files (a model in model.py, its loss in train.py; validation in data.py)
    still see the whole project; findings are reported for the named files only.
    """
    if not paths or not all(path.is_file() for path in paths):
        return []
    root = project_root(paths, config)
    known = set(named)
    return [path for path in discover([root], root, config.exclude) if path not in known]


def extract_all(files: Sequence[Path], options: RunOptions) -> list[FileFacts]:
    """Facts of every file, in order: from the cache where the content is unchanged, else extracted."""
    cache = FactCache(options.cache_folder) if options.cache_folder is not None else None
    results: list[FileFacts | None] = []
    missing: list[tuple[int, str, str, bytes | str, str]] = []
    for index, path in enumerate(files):
        shown = display_path(path)
        data = read_source(path)
        key = cache.key(shown, data) if cache is not None else ""
        cached = cache.load(key, shown) if cache is not None else None
        results.append(cached)
        if cached is None:
            missing.append((index, shown, language_of(path) or "python", data, key))
    extracted = _extract(missing, options.jobs)
    for (index, _, _, _, key), facts in zip(missing, extracted):
        results[index] = facts
        if cache is not None:
            cache.store(key, facts)
    return [facts for facts in results if facts is not None]


def _extract(items: list[tuple[int, str, str, bytes | str, str]], jobs: int) -> list[FileFacts]:
    work = [(shown, language, data) for _, shown, language, data, _ in items]
    if jobs <= 1 or len(work) < _PARALLEL_FROM:
        return [extract_source(*item) for item in work]
    workers = min(jobs, len(work))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_extract_one, work, chunksize=max(1, len(work) // (workers * 8))))


def _extract_one(item: tuple[str, str, bytes | str]) -> FileFacts:
    return extract_source(*item)


def _root_relative(path: str, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return path
