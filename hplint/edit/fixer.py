"""`--fix` and `--diff`: lint, make the fixes the findings offer, lint the edited texts again (a fix may
leave another finding, or make room for one that overlapped it), until no fix is left or after a few
passes, as ruff does. Nothing is written until the end; then each changed file is written once,
atomically (`--diff` writes nothing). The findings reported are those of the fixed texts.
"""

from __future__ import annotations

import difflib
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from hplint.diagnostics import SAFE, Diagnostic, Fix
from hplint.edit.apply import Edited, apply_fixes
from hplint.edit.atomic import write_atomically
from hplint.extract import language_of, read_source

if TYPE_CHECKING:
    from hplint.config import LintConfig
    from hplint.lint import LintResult, RunOptions

MAX_PASSES = 10
_UNPARSABLE = frozenset({"HP001", "HP002"})
_BYTE_ORDER_MARK = "\ufeff"


@dataclass
class FixOutcome:
    result: LintResult  # the findings left, in the fixed texts
    before: dict[str, bytes] = field(default_factory=dict)  # display path -> text before, for each file fixed
    after: dict[str, bytes] = field(default_factory=dict)  # display path -> text after
    fixed: int = 0  # findings fixed
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (path, code): a fix that left its finding

    @property
    def changed(self) -> list[str]:
        return sorted(path for path, text in self.after.items() if text != self.before[path])


def fixable(diagnostics: Iterable[Diagnostic], unsafe: bool) -> list[Diagnostic]:
    """The findings whose fix --fix makes: the safe ones, and with --unsafe-fixes the others too."""
    return [d for d in diagnostics if d.fix is not None and (unsafe or d.fix.applicability == SAFE)]


Made = dict[str, Counter[tuple[str, str]]]  # display path -> (code, fix title) -> fixes made in one pass


def fix_run(
    paths: Sequence[Path], config: LintConfig, options: RunOptions, unsafe: bool, max_passes: int = MAX_PASSES,
) -> FixOutcome:
    """Lint and fix in memory until nothing more is fixed; the files are not written (see `write_fixed`).

    A fix whose finding is still there after it was made (an edit that does not do what its rule
    checks) would be made again on every pass: its file goes back to its text before that pass and
    is left alone from then on, named in `unresolved`.
    """
    from hplint.lint import lint

    with _cache_between_passes(options) as passes:
        outcome = FixOutcome(lint(paths, config, passes))
        texts: dict[str, bytes] = {}
        left_alone: set[str] = set()
        for _ in range(max_passes):
            before_pass = dict(texts)
            offered = _offered(outcome.result, unsafe)
            made = _one_pass(outcome.result, unsafe, texts, passes, outcome, left_alone)
            if not made:
                return outcome
            outcome.result = lint(paths, config, replace(passes, texts=dict(texts)))
            stuck = _unresolved(made, offered, _offered(outcome.result, unsafe))
            if stuck:
                for path, code in stuck:
                    outcome.unresolved.append((path, code))
                    outcome.fixed -= sum(made[path].values())
                    left_alone.add(path)
                    texts[path] = outcome.after[path] = before_pass.get(path, outcome.before[path])
                outcome.result = lint(paths, config, replace(passes, texts=dict(texts)))
    return outcome


@contextmanager
def _cache_between_passes(options: RunOptions) -> Iterator[RunOptions]:
    """Without a cache (--no-cache), one that lasts the run, so that a pass re-extracts only the files it edited."""
    if options.cache_folder is not None:
        yield options
        return
    with tempfile.TemporaryDirectory(prefix="hplint-fix-") as folder:
        yield replace(options, cache_folder=Path(folder))


def _offered(result: LintResult, unsafe: bool) -> Made:
    offered: Made = {}
    for diagnostic in fixable(result.diagnostics, unsafe):
        assert diagnostic.fix is not None
        offered.setdefault(diagnostic.location.path, Counter())[(diagnostic.code, diagnostic.fix.title)] += 1
    return offered


def _unresolved(made: Made, before: Made, after: Made) -> list[tuple[str, str]]:
    """The files where a kind of fix was made n times and fewer than n of its findings went away."""
    stuck = []
    for path, kinds in made.items():
        for (code, title), count in kinds.items():
            left = after.get(path, Counter())[(code, title)]
            if left > before.get(path, Counter())[(code, title)] - count:
                stuck.append((path, code))
                break
    return stuck


def _one_pass(
    result: LintResult, unsafe: bool, texts: dict[str, bytes], options: RunOptions, outcome: FixOutcome,
    left_alone: set[str],
) -> Made:
    """Make the fixes `result` offers in the files linted now; which were made, by file."""
    named = set(result.files)
    unparsable = {d.location.path for d in result.diagnostics if d.code in _UNPARSABLE}
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in fixable(result.diagnostics, unsafe):
        path = diagnostic.location.path
        if path in named and path not in unparsable and path not in left_alone:
            by_path.setdefault(path, []).append(diagnostic)
    made: Made = {}
    for path, diagnostics in sorted(by_path.items()):
        data = texts[path] if path in texts else _read(path, options)
        text = _decoded(data)
        if data is None or text is None:
            continue
        language = language_of(Path(path)) or "python"
        fixes = [d.fix for d in diagnostics if d.fix is not None]
        edited = _apply(text.removeprefix(_BYTE_ORDER_MARK), language, fixes)
        if not edited.applied:
            continue
        new = ((_BYTE_ORDER_MARK if text.startswith(_BYTE_ORDER_MARK) else "") + edited.text).encode("utf-8")
        outcome.before.setdefault(path, data)
        texts[path] = outcome.after[path] = new
        outcome.fixed += len(edited.applied)
        codes = {d.fix: d.code for d in diagnostics if d.fix is not None}
        made[path] = Counter((codes[fix], fix.title) for fix in edited.applied)
    return made


def _apply(text: str, language: str, fixes: list[Fix]) -> Edited:
    """A notebook is fixed cell by cell, and only its changed cells' sources are written back."""
    if language == "notebook":
        from hplint.edit.notebook import apply_notebook_fixes

        return apply_notebook_fixes(text, fixes)
    return apply_fixes(text, language, fixes)


def _read(path: str, options: RunOptions) -> bytes | None:
    from hplint.lint import texts_in_place

    given = texts_in_place(options).get(path)  # standard input
    if given is not None:
        return given
    data = read_source(Path(path))
    return data if isinstance(data, bytes) else None


def _decoded(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # a file in another encoding is left as it is


def write_fixed(outcome: FixOutcome, skip: Iterable[str] = ()) -> list[str]:
    """Write each fixed file once, atomically, keeping its mode; a file changed on disk since it was read is
    left alone. The display paths not written, with why."""
    left: list[str] = []
    skipped = set(skip)
    for path in outcome.changed:
        if path in skipped:
            continue
        target = Path(path)
        if read_source(target) != outcome.before[path]:
            left.append(f"{path}: changed on disk while hplint fixed it; not written")
            continue
        try:
            write_atomically(target, outcome.after[path])
        except OSError as error:
            left.append(f"{path}: not written: {error.strerror or error}")
    return left


def unified_diff(outcome: FixOutcome) -> str:
    """What --fix would write, as a unified diff per file (`--- a/path`, `+++ b/path`); for a notebook, per
    changed cell (`--- a/train.ipynb:cell 4`), as ruff shows them."""
    from hplint.edit.notebook import cell_diffs

    parts = []
    for path in outcome.changed:
        if language_of(Path(path)) == "notebook":
            parts.append(cell_diffs(path, outcome.before[path].decode("utf-8"), outcome.after[path].decode("utf-8")))
            continue
        before = outcome.before[path].decode("utf-8", "replace").splitlines(keepends=True)
        after = outcome.after[path].decode("utf-8", "replace").splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}")
        parts.append("".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines))
    return "".join(parts)
