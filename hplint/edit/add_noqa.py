"""`--add-noqa`: a `# hplint: ignore[CODE]` on the line of every current finding (adopting hplint on old code).

Each comment goes where the language accepts one and where hplint reads it as covering the
finding's line: the line itself, or, for a line inside a Python multi-line string or a backslash
continuation (Python or shell), the line that ends it. A line that already carries a
well-formed `# hplint: ignore[...]` gets the new codes merged into it, sorted. A file is
written only when every comment added leaves its meaning as it was: Python's tokens apart from
comments, YAML's events, TOML's data and each shell line's words are compared before writing,
and each finding is checked to be suppressed by the new text. A file that does not parse
(HP001/HP002) is never touched; JSON has no comments, so its findings are left and named.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hplint.diagnostics import Diagnostic
from hplint.edit.atomic import write_atomically
from hplint.extract import language_of_name, read_regular_file, size_limit
from hplint.extract.comments import comment_line, find_suppressions, split_lines
from hplint.location import Location
from hplint.suppression import Suppression, canonical, hides

_PARSE_ERRORS = frozenset({"HP001", "HP002"})
_MAKEFILES = frozenset({"Makefile", "makefile", "GNUmakefile"})
_COMMENTED = frozenset({"python", "yaml", "toml", "shell", "notebook"})
_NO_COMMENTS = {"json": "JSON has no comments (use per-file-ignores in the configuration)"}


@dataclass(frozen=True)
class Skipped:
    """Findings left without a comment, and why."""

    path: str
    line: int
    codes: tuple[str, ...]
    reason: str


@dataclass
class NoqaResult:
    added: int = 0  # comments added, or extended with more codes
    files: int = 0  # files written
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # files that could not be written, and why


def add_noqa(diagnostics: Sequence[Diagnostic]) -> NoqaResult:
    """Suppress every finding in place; paths are as reported (relative to the current folder)."""
    by_path: dict[str, dict[int, set[str]]] = {}
    cells: dict[tuple[str, int], Location] = {}  # a notebook's lines (of its joined code): their cell, to name them
    for diagnostic in diagnostics:
        location = diagnostic.location
        by_path.setdefault(location.path, {}).setdefault(location.line, set()).add(diagnostic.code)
        if location.cell:
            cells[location.path, location.line] = location
    result = NoqaResult()
    for path in sorted(by_path):
        _suppress_file(path, by_path[path], result, cells)
    return result


def _suppress_file(
    shown: str, findings: dict[int, set[str]], result: NoqaResult, cells: dict[tuple[str, int], Location],
) -> None:
    def skip_all(reason: str) -> None:
        for line in sorted(findings):
            cell = cells.get((shown, line))
            path, shown_line = (f"{shown}:cell {cell.cell}", cell.shown_line) if cell is not None else (shown, line)
            result.skipped.append(Skipped(path, shown_line, tuple(sorted(findings[line])), reason))

    path = Path(shown)
    language = language_of_name(path.name)
    if language not in _COMMENTED:
        skip_all(_NO_COMMENTS.get(language or "", "hplint writes comments into Python, YAML, TOML, shell and notebook files only"))
        return
    if any(codes & _PARSE_ERRORS for codes in findings.values()):
        skip_all("the file does not parse; hplint leaves it as it is")
        return
    if language == "notebook":
        _suppress_notebook(shown, findings, result, skip_all)
        return
    data = read_regular_file(path, size_limit(language))
    if not isinstance(data, bytes):
        skip_all(f"cannot read the file: {data}" if isinstance(data, str) else "the file is too large")
        return
    decoded = _decode(data, language)
    if decoded is None:
        skip_all("cannot decode the file")
        return
    text, encoding = decoded
    edit = _Edit(shown, language, text, findings, result)
    new_text = edit.run()
    if new_text is None or new_text == text:
        return
    try:
        write_atomically(path, new_text.encode(encoding))
    except OSError as error:
        result.failures.append(f"{shown}: cannot write the file: {error.strerror or error}")
        return
    result.added += edit.changed
    result.files += 1


def _suppress_notebook(
    shown: str, findings: dict[int, set[str]], result: NoqaResult, skip_all: Callable[[str], None],
) -> None:
    """A notebook's findings suppressed in their cells: each cell edited as Python, written back into the JSON
    with every other byte kept. Lines here are those of the joined code, as findings count them."""
    from hplint.edit.notebook import with_sources
    from hplint.extract.notebook import NotebookError, read_notebook

    path = Path(shown)
    data = read_regular_file(path, size_limit("notebook"))
    try:
        if not isinstance(data, bytes):
            raise NotebookError("cannot read the file")
        text = data.decode("utf-8")
        notebook = read_notebook(text)
    except (NotebookError, UnicodeDecodeError):
        skip_all("cannot read the notebook")
        return
    written = _cell_sources(text)
    sources: dict[int, str] = {}
    changed = 0
    for cell in notebook.cells:
        inside = {line - cell.offset: codes for line, codes in findings.items() if cell.offset < line <= cell.offset + cell.lines}
        if not inside:
            continue
        source = written.get(cell.number, cell.source)  # as written: its line endings are kept
        edit = _Edit(f"{shown}:cell {cell.number}", "python", source, inside, result, view=_cell_python)
        edited = edit.run()
        if edited is not None and edited != source:
            sources[cell.number] = edited
            changed += edit.changed
    if not sources:
        return
    try:
        write_atomically(path, with_sources(text, sources).encode("utf-8"))
    except (OSError, NotebookError) as error:
        result.failures.append(f"{shown}: cannot write the notebook: {getattr(error, 'strerror', None) or error}")
        return
    result.added += changed
    result.files += 1


def _cell_python(source: str) -> str:
    """A cell as Python, as the notebook reader reads it (line endings made "\n", IPython's syntax set aside)."""
    from hplint.extract.notebook import dedent_cell, python_of

    return python_of(dedent_cell(source.replace("\r\n", "\n").replace("\r", "\n"))[0])


def _cell_sources(text: str) -> dict[int, str]:
    """Each cell's source as its JSON writes it (the reader makes line endings "\n"), by cell number."""
    import json

    cells = json.loads(text).get("cells")
    found = {}
    for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        source = cell.get("source") if isinstance(cell, dict) else None
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if isinstance(source, str):
            found[number] = source
    return found


def _decode(data: bytes, language: str) -> tuple[str, str] | None:
    """The text (without a byte-order mark) and the encoding that writes it back as it was."""
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    if language == "python":
        import tokenize

        try:
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        except SyntaxError:
            return None
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return None


class _Edit:
    """The comments one file gets: placed, merged, then checked to change nothing but comments."""

    def __init__(
        self, shown: str, language: str, text: str, findings: dict[int, set[str]], result: NoqaResult,
        view: Callable[[str], str] | None = None,
    ) -> None:
        self.shown = shown
        self.view = view or (lambda text: text)  # the text as the language's reader sees it (a notebook cell's Python)
        self.language = language
        self.text = text
        self.findings = findings
        self.result = result
        self.lines = split_lines(text, language)
        self.changed = 0

    def skip(self, line: int, codes: set[str] | tuple[str, ...], reason: str) -> None:
        self.result.skipped.append(Skipped(self.shown, line, tuple(sorted(codes)), reason))

    def run(self) -> str | None:
        targets = comment_line(self.view(self.text), self.language)
        if targets is None:
            for line, codes in sorted(self.findings.items()):
                self.skip(line, codes, "Python's tokenizer cannot read the file")
            return None
        by_target: dict[int, set[str]] = {}
        covered: dict[int, list[tuple[int, set[str]]]] = {}  # target -> the findings' lines and codes it covers
        for line, codes in sorted(self.findings.items()):
            target = targets.get(line, line)
            if target is None or target > len(self.lines):
                self.skip(line, codes, "no line after it can hold a comment (an unterminated string)")
                continue
            by_target.setdefault(target, set()).update(codes)
            covered.setdefault(target, []).append((line, codes))
        existing = _mergeable(find_suppressions(self.text, self.language))
        edited = {target: self._commented(target, codes, existing.get(target)) for target, codes in by_target.items()}
        keep = self._verified(edited, covered)
        for target in sorted(set(edited) - set(keep)):
            for line, codes in covered[target]:
                self.skip(line, codes, "a comment on that line would change the file (it is inside a multi-line string)")
        self.changed = len(keep)
        return self._joined(keep) if keep else None

    def _commented(self, target: int, codes: set[str], existing: Suppression | None) -> str:
        content = self.lines[target - 1][0]
        if existing is not None:
            merged = canonical(existing, {*existing.codes, *codes})
            return content[:existing.column - 1] + merged + content[existing.end_column - 1:]
        bare = content.rstrip(" \t")
        return bare + self._separator(bare) + canonical(Suppression(target, tuple(codes), "hplint"))

    def _separator(self, bare: str) -> str:
        """Two spaces, as ruff writes; none after a Makefile variable's value, whose value a space would join."""
        if not bare:
            return ""
        name = os.path.basename(self.shown)
        makefile = name in _MAKEFILES or name.endswith(".mk")
        if makefile and not bare.startswith("\t") and "=" in bare:
            return ""
        return "  "

    def _joined(self, edited: dict[int, str]) -> str:
        return "".join(edited.get(number, content) + ending for number, (content, ending) in enumerate(self.lines, start=1))

    def _verified(self, edited: dict[int, str], covered: dict[int, list[tuple[int, set[str]]]]) -> dict[int, str]:
        """The edits that change nothing but comments and suppress their findings: all at once, else one by one."""
        same = _same_meaning(self.language)
        original = same(self.view(self.text), None)
        if original is None:
            return {}
        if self._holds(edited, covered, same, original):
            return edited
        return {
            target: content for target, content in edited.items()
            if self._holds({target: content}, covered, same, original)
        }

    def _holds(
        self, edited: dict[int, str], covered: dict[int, list[tuple[int, set[str]]]],
        same: Callable[[str, object], object], original: object,
    ) -> bool:
        text = self.view(self._joined(edited))
        if same(text, original) is None:
            return False
        comments = find_suppressions(text, self.language)
        return all(
            any(
                comment.covers_from <= line <= comment.line and hides(comment, code)
                for comment in comments if comment.scope == "line"
            )
            for target in edited for line, codes in covered[target] for code in codes
        )


def _mergeable(comments: Sequence[Suppression]) -> dict[int, Suppression]:
    """Per line, the last well-formed `# hplint: ignore[...]` on it: new codes join its list."""
    found: dict[int, Suppression] = {}
    for comment in comments:
        if comment.style == "hplint" and comment.scope == "line" and comment.form == "brackets":
            found[comment.line] = comment
    return found


def _same_meaning(language: str) -> Callable[[str, object], object]:
    """A check `same(text, reference)`: the text's meaning ignoring comments, compared with `reference`.

    With reference None it returns the text's meaning (None when the text does not parse); otherwise
    it returns that meaning when equal to the reference, else None.
    """
    reader = {"python": _python_meaning, "yaml": _yaml_meaning, "toml": _toml_meaning, "shell": _shell_meaning}[language]

    def same(text: str, reference: object) -> object:
        meaning = reader(text)
        if reference is None or meaning == reference:
            return meaning
        return None

    return same


def _python_meaning(text: str) -> object:
    import tokenize

    try:
        tokens = tokenize.generate_tokens(io.StringIO(text, newline=None).readline)
        return tuple((token.type, token.string) for token in tokens if token.type != tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError):
        return None


def _yaml_meaning(text: str) -> object:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return tuple(
            (type(event).__name__, getattr(event, "value", None), getattr(event, "tag", None),
             getattr(event, "anchor", None), getattr(event, "implicit", None))
            for event in yaml.parse(text, Loader=loader)
        )
    except yaml.YAMLError:
        return None


def _toml_meaning(text: str) -> object:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        return repr(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, RecursionError):
        return None


def _shell_meaning(text: str) -> object:
    """Each line's words as the launch reader splits them (a comment ends a line's words)."""
    from hplint.extract.shell_words import split_words

    words = []
    for line, _ in split_lines(text, "shell"):
        try:
            words.append(tuple(word for word, _, _ in split_words(line.rstrip().removesuffix("\\"))))
        except ValueError:
            words.append((line,) if "#" not in line else ("?",))
    return tuple(words)
