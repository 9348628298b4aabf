"""One lint run, start to end: discover -> extract (cached, in parallel) -> project -> checks -> suppression.

With a cache, a run over the same files and settings as an earlier one, none of them changed,
takes that run's findings from the cache and neither extracts nor checks anything.

Nothing in a repository can end the run: a file that crashes the parser, runs past the time
limit or exhausts the memory limit is extracted in a worker process that may die, and is
reported; a file too large or too deep to analyse is named on stderr, never passed over.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hplint.cache import FactCache, Note, Recorded, Signature
from hplint.config import LintConfig
from hplint.diagnostics import Diagnostic, Findings
from hplint.discover import discover, project_root, relative_posix
from hplint.extract import (
    Content, NotAnalysed, TooLarge, extract_source, gc_paused, language_of, read_source, size_limit,
)
from hplint.suppression import Suppression, Unused, apply_suppressions, judge_unused, unused_candidates

if TYPE_CHECKING:
    from hplint.checks import Rule
    from hplint.facts import FileFacts
    from hplint.project import Project, Run
    from hplint.workers import WorkerPool

_RACY_NS = 2_000_000_000  # file times within this of a run's start are not trusted by the next run
_PARALLEL_FROM = 16  # fewer files than this are extracted in-process: a pool costs more than it saves
_KEPT_CONTENTS = _PARALLEL_FROM  # files whose bytes stay in memory between hashing and extraction


@dataclass(frozen=True)
class RunOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_folder: Path | None = None  # None: no cache
    force_exclude: bool = False
    time_limit_per_file: float = 30.0  # seconds a worker may spend extracting one file
    memory_limit_per_worker: int = 2 << 30  # bytes of address space a worker may add to what it starts with
    stdin: tuple[Path, bytes] | None = None  # a file's text read from standard input (an editor's unsaved buffer)
    texts: Mapping[str, bytes] = field(default_factory=dict)  # display path -> text linted in its place (--fix passes)
    progress: Callable[[int, int], None] | None = None  # told (files with facts, files) as extraction goes


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: list[str]  # display paths of the files linted (named on the command line or found in named folders)
    suppressed: int = 0
    unused_suppressions: list[tuple[str, Suppression]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # what hplint itself failed at: a file, a rule
    notes: list[Note] = field(default_factory=list)  # files and folders not analysed, and why


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
    signature: Signature | None  # size, modification time, inode, change time; None when unknown
    data: Content | None  # the content, or why it is not read; None: to be read when extracted

    def content(self) -> Content:
        return self.data if self.data is not None else read_source(self.path)

    @property
    def size(self) -> int:
        return self.signature[0] if self.signature is not None else 0


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Relative to the current directory when below it, as a POSIX path."""
    return relative_posix(str(path), str(cwd or Path.cwd().resolve())) or path.as_posix()


def lint(paths: Sequence[Path], config: LintConfig, options: RunOptions | None = None) -> LintResult:
    options = options or RunOptions()
    started = time.time_ns()
    cache = FactCache(options.cache_folder) if options.cache_folder is not None else None
    found: list[Note] = []  # folders and links discovery could not follow
    named, files = _files(paths, config, options, found)
    settings = _check_settings(config)
    record = cache.load_run(settings, [shown for _, shown in files]) if cache is not None else None
    sources = _sources(files, cache, record.files if record is not None else {}, options)
    findings = record.findings if record is not None and _unchanged(sources, record.files) else None
    notes = list(record.notes) if findings is not None and record is not None else []
    failures: list[str] = []
    if findings is None:
        with gc_paused():  # facts and rules make no cyclic garbage worth the collections
            checked = check_project(load_project(sources, options, cache, failures, notes), config)
        findings = checked.findings
        failures.extend(checked.failures)
    unchanged_record = record is not None and findings is record.findings and not _touched(sources, record.files)
    if cache is not None and not failures and not unchanged_record:
        recorded = {source.shown: _recorded(source, started) for source in sources}
        cache.store_run(settings, recorded, findings, notes)
    result = _report(findings, named, config)
    result.failures = failures
    reported = set(named)
    result.notes = sorted({*found, *(note for note in notes if note[0] in reported)})
    return result


def _recorded(source: SourceFile, started_ns: int) -> Recorded:
    """What the run record keeps of a file.

    A file written just before the run may change again within the same clock tick with no
    change of size or time ("racy git"); such a file is read again by the next run.
    """
    size, modified, inode, changed = source.signature or (-1, -1, -1, -1)
    if started_ns - modified < _RACY_NS:
        size, modified, inode, changed = -1, -1, -1, -1
    return size, modified, inode, changed, source.key


def _unchanged(sources: Sequence[SourceFile], recorded: dict[str, Recorded]) -> bool:
    return all(recorded.get(source.shown, (0, 0, 0, 0, ""))[4] == source.key for source in sources)


def _touched(sources: Sequence[SourceFile], recorded: dict[str, Recorded]) -> bool:
    """Same content, another signature (a checkout, `touch`): worth recording, so the next run reads nothing."""
    return any(recorded.get(source.shown, (0, 0, 0, 0, ""))[:4] != source.signature for source in sources)


def facts_of(
    paths: Sequence[Path], config: LintConfig, options: RunOptions | None = None,
) -> tuple[list[FileFacts], Project]:
    """The facts of the named files and the project they belong to (for --show-facts and the probe)."""
    options = options or RunOptions()
    cache = FactCache(options.cache_folder) if options.cache_folder is not None else None
    named, files = _files(paths, config, options, [])
    project = load_project(_sources(files, cache, {}, options), options, cache, [], [])
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
    suppressions = {path: file.suppressions for path, file in project.files.items()}
    unanalysed = tuple(sorted({error.location.path for error in project.parse_errors()}))
    return Checked(Findings(found, suppressions, unanalysed), failures)


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
    return repr((config.selections, options))


def load_project(
    sources: Sequence[SourceFile], options: RunOptions, cache: FactCache | None, failures: list[str],
    notes: list[Note],
) -> Project:
    from hplint.project import Project

    return Project(extract_all(sources, options, cache, failures, notes))


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
    # A comment is judged only in a file linted now (pre-commit names a few) that rules could read.
    unanalysed = set(findings.unanalysed)
    judged = [path for path in named if path not in unanalysed]
    candidates = unused_candidates(findings.suppressions, outcome.matched, judged)
    unused = _unused(candidates, config) if candidates else []
    reported_unused = _unused_findings(unused, config)
    if reported_unused:
        second = apply_suppressions(reported_unused, findings.suppressions)  # only `ignore[HP004]` hides HP004
        outcome.kept.extend(second.kept)
        outcome.suppressed.extend(second.suppressed)
    listed = [(item.path, item.comment) for item in unused]
    return LintResult(sorted(set(outcome.kept), key=Diagnostic.sort_key), named, len(outcome.suppressed), listed)


def _unused(candidates: list[tuple[str, Suppression, tuple[str, ...]]], config: LintConfig) -> list[Unused]:
    """The comments that hid nothing that a rule running on their file could have found."""
    from hplint.checks.curves import CurvesRule
    from hplint.checks.probe import ProbeRule

    static = [rule.code for rule in config.enabled_rules() if not issubclass(rule, (ProbeRule, CurvesRule))]

    def running(path: str) -> list[str]:
        relative = _root_relative(path, config.root)
        return [code for code in static if not config.ignored_for_path(relative, code)]

    return judge_unused(candidates, functools.lru_cache(maxsize=None)(running))


def _unused_findings(unused: list[Unused], config: LintConfig) -> list[Diagnostic]:
    """HP004 for each unused comment, when HP004 is selected and not ignored for the comment's file."""
    if not unused:
        return []
    from hplint.checks.suppressions import UnusedSuppression

    if not config.is_enabled(UnusedSuppression):
        return []
    rule = UnusedSuppression()
    return [
        rule.finding(item) for item in unused
        if not config.ignored_for_path(_root_relative(item.path, config.root), UnusedSuppression.code)
    ]


def _files(
    paths: Sequence[Path], config: LintConfig, options: RunOptions, notes: list[Note],
) -> tuple[list[str], list[tuple[Path, str]]]:
    """The display paths of the files to lint, and every file the rules see with its display path.

    Folders that cannot be read and links that are not followed are added to `notes`.
    """
    cwd = Path.cwd().resolve()
    boundary = project_root(paths, config) if paths else config.root
    skipped: list[tuple[Path, str]] = []
    if options.stdin is not None:
        named = [options.stdin[0]]  # linted whether or not it exists on disk or is excluded, as ruff does
    else:
        named = discover(paths, config.root, config.exclude, options.force_exclude, skipped=skipped, boundary=boundary)
    every = sorted([*named, *_project_context(paths, config, named, options.stdin is not None)], key=str)
    notes.extend((display_path(path, cwd), reason) for path, reason in skipped)
    return [display_path(path, cwd) for path in named], [(path, display_path(path, cwd)) for path in every]


def _sources(
    files: Sequence[tuple[Path, str]], cache: FactCache | None, recorded: dict[str, Recorded], options: RunOptions,
) -> list[SourceFile]:
    """The files to lint, each read once to hash it (with a cache) and let go of unless it is small
    and among the first few to extract, so that memory follows the largest file, not their sum."""
    texts = texts_in_place(options)
    sources = []
    kept = 0
    for path, shown in files:
        if shown in texts:
            sources.append(_text_source(path, shown, texts[shown], cache))
            continue
        source = _source(path, shown, cache, recorded, keep=kept < _KEPT_CONTENTS)
        kept += source.data is not None
        sources.append(source)
    return sources


def _source(
    path: Path, shown: str, cache: FactCache | None, recorded: dict[str, Recorded], keep: bool = True,
) -> SourceFile:
    """A file to lint; one whose signature is that of the last run is not even read."""
    language = language_of(path) or "python"
    signature = _signature(path)
    known = recorded.get(shown)
    if cache is not None and signature is not None and known is not None and known[:4] == signature:
        return SourceFile(path, shown, language, known[4], signature, None)
    if cache is None:
        return SourceFile(path, shown, language, "", signature, None)  # read when it is extracted
    data = read_source(path)
    key = cache.key(shown, data)
    small = not isinstance(data, bytes) or len(data) <= _plain_bytes()
    return SourceFile(path, shown, language, key, signature, data if keep and small and not cache.has(key) else None)


def texts_in_place(options: RunOptions) -> Mapping[str, bytes]:
    """Texts linted instead of files on disk, by display path: standard input, and a --fix pass's edited texts."""
    if options.stdin is None:
        return options.texts
    return {display_path(options.stdin[0]): options.stdin[1], **options.texts}


def _text_source(path: Path, shown: str, data: bytes, cache: FactCache | None) -> SourceFile:
    """A text not read from `path` (an editor's buffer, an edit not yet written): no signature, so no later
    run takes it for the file on disk."""
    limit = size_limit(language_of(path))
    content: Content = TooLarge(len(data), limit) if len(data) > limit else data
    return SourceFile(path, shown, language_of(path) or "python", cache.key(shown, content) if cache else "", None, content)


def _signature(path: Path) -> Signature | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns, status.st_ino, status.st_ctime_ns


def _plain_bytes() -> int:
    from hplint.extract.screen import PLAIN_BYTES

    return PLAIN_BYTES


def _project_context(paths: Sequence[Path], config: LintConfig, named: list[Path], from_stdin: bool) -> list[Path]:
    """When files are named (pre-commit passes the changed ones, an editor its buffer), the rest of their project.

    Rules that join files (a model in model.py, its loss in train.py; validation in data.py)
    still see the whole project; findings are reported for the named files only.
    """
    if not paths or not (from_stdin or all(path.is_file() for path in paths)):
        return []
    root = project_root(paths, config)
    known = set(named)
    return [path for path in discover([root], root, config.exclude, boundary=root) if path not in known]


def extract_all(
    sources: Sequence[SourceFile], options: RunOptions, cache: FactCache | None = None,
    failures: list[str] | None = None, notes: list[Note] | None = None,
) -> list[FileFacts]:
    """Facts of every file, in order: from the cache where the content is unchanged, else extracted.

    Few small plain files are extracted in this process; the others go to worker processes (which
    also fill the cache) while this process decodes the cached ones, so one changed file costs
    about what decoding the rest costs. A worker that dies on a file (a parser crash, the time
    or memory limit) is replaced, and that file is named in `failures` with no facts, as is a
    file whose extraction raised. A file too large or too deep to analyse is named in `notes`.
    """
    extraction = _Extraction(
        options, cache, failures if failures is not None else [], notes if notes is not None else [], len(sources)
    )
    missing = [source for source in sources if cache is None or not cache.has(source.key)]
    to_extract = {source.shown for source in missing}
    workers_pay = len(missing) >= _PARALLEL_FROM or len(sources) - len(missing) >= _PARALLEL_FROM
    here = [] if workers_pay else [source for source in map(_with_content, missing) if _plain(source)]
    in_process = {source.shown for source in here}
    with extraction:
        # Largest first, so that no worker is left with a big file at the end.
        extraction.to_workers(sorted((s for s in missing if s.shown not in in_process), key=lambda s: -s.size))
        with gc_paused():  # every decoded object stays alive: collections would find nothing
            for source in sources:
                if cache is not None and source.shown not in to_extract:
                    extraction.from_cache(source)
                    extraction.collect()
                    extraction.report_progress()
        for source in here:
            extraction.here(source)
            extraction.report_progress()
        extraction.finish()
    return [extraction.facts[source.shown] for source in sources]


def _with_content(source: SourceFile) -> SourceFile:
    from dataclasses import replace

    return source if source.data is not None else replace(source, data=read_source(source.path))


def _plain(source: SourceFile) -> bool:
    """Small, and (for Python) shallow with short lines: safe to extract in this process."""
    from hplint.extract.screen import PLAIN_BYTES, is_plain

    data = source.data
    if not isinstance(data, bytes):
        return True
    if source.language == "python":
        return is_plain(data)
    return len(data) <= PLAIN_BYTES


class _Extraction:
    """One run's extraction: the cache, this process, and a pool of workers started when first needed."""

    def __init__(
        self, options: RunOptions, cache: FactCache | None, failures: list[str], notes: list[Note], total: int,
    ) -> None:
        self.options = options
        self.total = total
        self.cache = cache
        self.failures = failures
        self.notes = notes
        self.facts: dict[str, FileFacts] = {}
        self._pool: WorkerPool[SourceFile] | None = None

    def __enter__(self) -> _Extraction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.close()  # also on Ctrl-C: no worker outlives the run

    def to_workers(self, sources: Sequence[SourceFile]) -> None:
        if not sources:
            return
        if self._pool is None:
            from hplint.workers import Limits, WorkerPool

            limits = Limits(self.options.time_limit_per_file, self.options.memory_limit_per_worker)
            work = functools.partial(_extract_encoded, cache=self.cache)
            self._pool = WorkerPool(work, min(max(self.options.jobs, 1), len(sources)), limits)
        self._pool.submit(sources)

    def from_cache(self, source: SourceFile) -> None:
        assert self.cache is not None
        cached = self.cache.load(source.key, source.shown)
        if cached is None:  # unreadable, forged or foreign: extracted afresh
            source = _with_content(source)
            if _plain(source):
                self.here(source)
            else:
                self.to_workers([source])
            return
        self.facts[source.shown] = cached.facts
        if cached.note is not None:
            self.notes.append((source.shown, cached.note))

    def here(self, source: SourceFile) -> None:
        from hplint.facts import dumps_file
        from hplint.workers import run_deep

        content = source.content()
        try:
            facts = run_deep(extract_source, source.shown, source.language, content)
            note = None
        except NotAnalysed as reason:
            facts, note = _no_facts(source), f"not analysed: {reason}"
        except Exception as error:  # noqa: BLE001 - one file must not end the run
            self.failures.append(_failed(source, error))
            self.facts[source.shown] = _no_facts(source)
            return
        self._take(source, facts, note)
        if self.cache is not None and self.cache.key(source.shown, content) == source.key:  # not changed meanwhile
            self.cache.store(source.key, dumps_file(facts), note)

    def collect(self) -> None:
        if self._pool is not None:
            for source, outcome in self._pool.poll():
                self._outcome(source, outcome)

    def finish(self) -> None:
        if self._pool is not None:
            for source, outcome in self._pool.results():
                self._outcome(source, outcome)
                self.report_progress()

    def report_progress(self) -> None:
        if self.options.progress is not None:
            self.options.progress(len(self.facts), self.total)

    def _outcome(self, source: SourceFile, outcome: Any) -> None:
        from hplint.facts import loads_file
        from hplint.workers import Died

        if isinstance(outcome, _Encoded):
            try:
                with gc_paused():
                    self._take(source, loads_file(outcome.facts, source.shown), outcome.note)
                return
            except Exception as error:  # noqa: BLE001 - one file must not end the run
                outcome = _Failure(_failed(source, error))
        message = outcome.message if isinstance(outcome, _Failure) else (
            f"extracting {source.shown} failed: its worker {outcome.reason}" if isinstance(outcome, Died)
            else f"extracting {source.shown} failed: {outcome!r}"
        )
        self.failures.append(message)
        self.facts[source.shown] = _no_facts(source)

    def _take(self, source: SourceFile, facts: FileFacts, note: str | None) -> None:
        self.facts[source.shown] = facts
        if note is not None:
            self.notes.append((source.shown, note))


@dataclass(frozen=True)
class _Encoded:
    """A file's facts as the cache holds them (text crosses processes faster than objects)."""

    facts: str
    note: str | None


@dataclass(frozen=True)
class _Failure:
    """A file whose extraction failed inside hplint (a bug of ours, not a problem of the file)."""

    message: str


def _extract_encoded(source: SourceFile, cache: FactCache | None) -> _Encoded | _Failure:
    """In a worker: a file's facts, stored in the cache when its content is still the one the parent hashed.

    A failure is returned, not raised: the worker goes on with the next file.
    """
    from hplint.facts import dumps_file

    content = source.content()
    try:
        encoded = _Encoded(dumps_file(extract_source(source.shown, source.language, content)), None)
    except NotAnalysed as reason:
        encoded = _Encoded(dumps_file(_no_facts(source)), f"not analysed: {reason}")
    except MemoryError:
        return _Failure(f"extracting {source.shown} failed: its worker ran out of memory")
    except Exception as error:  # noqa: BLE001 - one file must not end the run
        return _Failure(_failed(source, error))
    if cache is not None and cache.key(source.shown, content) == source.key:
        cache.store(source.key, encoded.facts, encoded.note)
    return encoded


def _failed(source: SourceFile, error: Exception) -> str:
    return f"extracting {source.shown} failed: {type(error).__name__}: {error}"


def _no_facts(source: SourceFile) -> FileFacts:
    from hplint.facts import FileFacts

    return FileFacts(source.shown, source.language, (), ())


def _root_relative(path: str, root: Path) -> str:
    return relative_posix(os.path.abspath(path), str(root)) or path
