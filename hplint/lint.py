"""One lint run, start to end: discover -> extract (cached, in parallel) -> project -> checks -> suppression.

With a cache, a run over the same files and settings as an earlier one, none of them changed,
takes that run's findings from the cache and neither extracts nor checks anything.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hplint.cache import FactCache
from hplint.config import LintConfig
from hplint.diagnostics import Diagnostic, Findings
from hplint.discover import discover, project_root, relative_posix
from hplint.extract import extract_source, gc_paused, language_of, read_source
from hplint.suppression import Suppression, apply_suppressions

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from hplint.checks import Rule
    from hplint.facts import FileFacts
    from hplint.project import Project, Run

_RACY_NS = 2_000_000_000  # file times within this of a run's start are not trusted by the next run
_PARALLEL_FROM = 16  # fewer files than this are extracted in-process: a pool costs more than it saves


@dataclass(frozen=True)
class RunOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_folder: Path | None = None  # None: no cache
    force_exclude: bool = False


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: list[str]  # display paths of the files linted (named on the command line or found in named folders)
    suppressed: int = 0
    unused_suppressions: list[tuple[str, Suppression]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # what hplint itself failed at: a file, a rule


@dataclass
class Checked:
    """What the rules found, and what failed inside hplint (a file's extraction, a rule on a run)."""

    findings: Findings
    failures: list[str]


@dataclass(frozen=True)
class SourceFile:
    path: Path
    shown: str  # the path as reported
    language: str
    key: str  # the cache key of this content; "" without a cache
    signature: tuple[int, int] | None  # size and modification time in ns; None when unknown
    data: bytes | str | None  # the content, or why it cannot be read; None: not read (unchanged since the last run)

    def content(self) -> bytes | str:
        return self.data if self.data is not None else read_source(self.path)


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Relative to the current directory when below it, as a POSIX path."""
    return relative_posix(str(path), str(cwd or Path.cwd().resolve())) or path.as_posix()


def lint(paths: Sequence[Path], config: LintConfig, options: RunOptions | None = None) -> LintResult:
    options = options or RunOptions()
    started = time.time_ns()
    cache = FactCache(options.cache_folder) if options.cache_folder is not None else None
    named, files = _files(paths, config, options)
    settings = _check_settings(config)
    record = cache.load_run(settings, [shown for _, shown in files]) if cache is not None else None
    sources = [_source(path, shown, cache, record.files if record is not None else {}) for path, shown in files]
    findings = record.findings if record is not None and _unchanged(sources, record.files) else None
    failures: list[str] = []
    if findings is None:
        with gc_paused():  # facts and rules make no cyclic garbage worth the collections
            checked = check_project(load_project(sources, options, cache, failures), config)
        findings = checked.findings
        failures.extend(checked.failures)
    unchanged_record = record is not None and findings is record.findings and not _touched(sources, record.files)
    if cache is not None and not failures and not unchanged_record:
        cache.store_run(settings, {source.shown: _recorded(source, started) for source in sources}, findings)
    result = _report(findings, named, config)
    result.failures = failures
    return result


def _recorded(source: SourceFile, started_ns: int) -> tuple[int, int, str]:
    """What the run record keeps of a file.

    A file written just before the run may change again within the same clock tick with no
    change of size or time ("racy git"); such a file is read again by the next run.
    """
    size, modified = source.signature or (-1, -1)
    if started_ns - modified < _RACY_NS:
        size, modified = -1, -1
    return size, modified, source.key


def _unchanged(sources: Sequence[SourceFile], recorded: dict[str, tuple[int, int, str]]) -> bool:
    return all(recorded.get(source.shown, (0, 0, ""))[2] == source.key for source in sources)


def _touched(sources: Sequence[SourceFile], recorded: dict[str, tuple[int, int, str]]) -> bool:
    """Same content, other size or time (a checkout, `touch`): worth recording, so the next run reads nothing."""
    return any(recorded.get(source.shown, (0, 0, ""))[:2] != source.signature for source in sources)


def facts_of(
    paths: Sequence[Path], config: LintConfig, options: RunOptions | None = None,
) -> tuple[list[FileFacts], Project]:
    """The facts of the named files and the project they belong to (for --show-facts and the probe)."""
    options = options or RunOptions()
    cache = FactCache(options.cache_folder) if options.cache_folder is not None else None
    named, files = _files(paths, config, options)
    project = load_project([_source(path, shown, cache, {}) for path, shown in files], options, cache, [])
    return [project.files[path] for path in named], project


def check_project(project: Project, config: LintConfig) -> Checked:
    """Every enabled rule over the project, or over each run for the rules that judge a program.

    A rule that fails on one run is reported as a failure; the other rules and runs go on.
    """
    from hplint.checks import merge_run_findings

    found: list[Diagnostic] = []
    failures: list[str] = []
    for rule in config.enabled_rules():
        options = config.options_for(rule)
        if not rule.per_run:
            found.extend(_checked(rule, project, "the project", options, failures))
            continue
        by_run = [(run.name, _checked(rule, run, f"run {run.name}", options, failures)) for run in project.runs]
        found.extend(merge_run_findings(by_run))
    return Checked(Findings(found, {path: file.suppressions for path, file in project.files.items()}), failures)


def _checked(rule: type[Rule], view: Project | Run, where: str, options: Any, failures: list[str]) -> list[Diagnostic]:
    try:
        return list(rule().check(view, options))
    except Exception as error:  # noqa: BLE001 - one rule failing must not hide the others' findings
        failures.append(f"rule {rule.code} ({rule.name}) failed on {where}: {type(error).__name__}: {error}")
        return []


def _check_settings(config: LintConfig) -> str:
    """What decides the rules' findings over a set of files (paths and excludes only choose the files).

    As written, not as the rules read it, so that a run answered from the cache imports no rule.
    """
    options = sorted((code, sorted(values.items())) for code, values in config.rule_options.items())
    return repr((config.select, config.ignore, options))


def load_project(
    sources: Sequence[SourceFile], options: RunOptions, cache: FactCache | None, failures: list[str],
) -> Project:
    from hplint.project import Project

    return Project(extract_all(sources, options, cache, failures))


def _report(findings: Findings, named: list[str], config: LintConfig) -> LintResult:
    """The findings about the named files: located in them, or involving them (the loss a model
    reaches, the use of a value, the launch line), so a staged script fails for the model it trains.
    """
    reported = set(named)
    kept = [
        diagnostic for diagnostic in findings.diagnostics
        if (diagnostic.location.path in reported or any(place.path in reported for place in diagnostic.related))
        and not config.ignored_for_path(_root_relative(diagnostic.location.path, config.root), diagnostic.code)
    ]
    outcome = apply_suppressions(kept, findings.suppressions)
    unused = [(path, comment) for path, comment in outcome.unused if path in reported]
    return LintResult(sorted(set(outcome.kept), key=Diagnostic.sort_key), named, len(outcome.suppressed), unused)


def _files(paths: Sequence[Path], config: LintConfig, options: RunOptions) -> tuple[list[str], list[tuple[Path, str]]]:
    """The display paths of the files to lint, and every file the rules see with its display path."""
    named = discover(paths, config.root, config.exclude, options.force_exclude)
    cwd = Path.cwd().resolve()
    every = sorted([*named, *_project_context(paths, config, named)], key=str)
    return [display_path(path, cwd) for path in named], [(path, display_path(path, cwd)) for path in every]


def _source(path: Path, shown: str, cache: FactCache | None, recorded: dict[str, tuple[int, int, str]]) -> SourceFile:
    """A file to lint; one whose size and time are those of the last run is not even read."""
    language = language_of(path) or "python"
    try:
        status = path.stat()
        signature: tuple[int, int] | None = (status.st_size, status.st_mtime_ns)
    except OSError:
        signature = None
    known = recorded.get(shown)
    if cache is not None and signature is not None and known is not None and known[:2] == signature:
        return SourceFile(path, shown, language, known[2], signature, None)
    data = read_source(path)
    return SourceFile(path, shown, language, cache.key(shown, data) if cache is not None else "", signature, data)


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


def extract_all(
    sources: Sequence[SourceFile], options: RunOptions, cache: FactCache | None = None, failures: list[str] | None = None,
) -> list[FileFacts]:
    """Facts of every file, in order: from the cache where the content is unchanged, else extracted.

    Files to extract go to worker processes (which also fill the cache) while this process
    decodes the cached ones, so one changed file costs about what decoding the rest costs.
    A file whose extraction fails inside hplint has no facts, is not cached, and is named in
    `failures`.
    """
    failures = failures if failures is not None else []
    from hplint.facts import loads_file

    # Largest first, so that no worker is left with a big file at the end.
    missing = sorted(
        (source for source in sources if cache is None or not cache.has(source.key)),
        key=lambda source: -(source.signature or (0, 0))[0],
    )
    to_extract = {source.shown for source in missing}
    folder = cache.folder if cache is not None else None
    pool = _pool(len(missing), len(sources) - len(missing), options.jobs)
    try:
        pending = (
            pool.map(_extract_encoded, missing, [folder] * len(missing), chunksize=1)
            if pool is not None else None
        )
        facts: dict[str, FileFacts] = {}
        with gc_paused():  # every decoded object stays alive: collections would find nothing
            for source in sources:
                if cache is not None and source.shown not in to_extract:
                    facts[source.shown] = cache.load(source.key, source.shown) or _extract(source, cache, failures)
        if pending is not None:
            for source, encoded in zip(missing, pending):
                if isinstance(encoded, _Failure):
                    failures.append(encoded.message)
                    facts[source.shown] = _no_facts(source)
                    continue
                with gc_paused():
                    facts[source.shown] = loads_file(encoded, source.shown)
        else:
            for source in missing:
                facts[source.shown] = _extract(source, cache, failures)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return [facts[source.shown] for source in sources]


def _pool(missing: int, cached: int, jobs: int) -> Executor | None:
    """Worker processes when they pay: many files to extract, or a few beside many to decode."""
    if jobs <= 1 or missing == 0 or (missing < _PARALLEL_FROM and cached < _PARALLEL_FROM):
        return None
    from concurrent.futures import ProcessPoolExecutor  # not imported by runs that need no workers

    # Workers are forked from this process, whose collector may be paused at that moment.
    return ProcessPoolExecutor(max_workers=min(jobs, missing), initializer=gc.enable)


@dataclass(frozen=True)
class _Failure:
    """A file whose extraction failed inside hplint (a bug of ours, not a problem of the file)."""

    message: str


def _extract(source: SourceFile, cache: FactCache | None, failures: list[str]) -> FileFacts:
    from hplint.facts import dumps_file

    try:
        facts = extract_source(source.shown, source.language, source.content())
        if cache is not None:
            cache.store(source.key, dumps_file(facts))
    except Exception as error:  # noqa: BLE001 - one file must not end the run
        failures.append(_failed(source, error))
        return _no_facts(source)
    return facts


def _extract_encoded(source: SourceFile, cache_folder: Path | None) -> str | _Failure:
    """A file's facts as the cache holds them (text crosses processes faster than objects).

    A failure is returned, not raised: the pool would stop handing out the other files.
    """
    from hplint.facts import dumps_file

    try:
        encoded = dumps_file(extract_source(source.shown, source.language, source.content()))
    except Exception as error:  # noqa: BLE001 - one file must not end the run
        return _Failure(_failed(source, error))
    if cache_folder is not None:
        FactCache(cache_folder).store(source.key, encoded)
    return encoded


def _failed(source: SourceFile, error: Exception) -> str:
    return f"extracting {source.shown} failed: {type(error).__name__}: {error}"


def _no_facts(source: SourceFile) -> FileFacts:
    from hplint.facts import FileFacts

    return FileFacts(source.shown, source.language, (), ())


def _root_relative(path: str, root: Path) -> str:
    return relative_posix(os.path.abspath(path), str(root)) or path
