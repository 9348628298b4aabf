"""Jupyter notebooks: their code cells joined into one Python module, its facts located in the cells.

A notebook is read as its kernel runs it, top to bottom, without running anything: the code
cells in order become one module (a model defined in cell 3 and its loss in cell 7 join as in
a script), markdown and raw cells are left out, outputs are never looked at. IPython's own
syntax (`%matplotlib inline`, `!pip install ...`, `files = !ls`, `model?`, a `%%time` cell) is
replaced by a placeholder on the same line, so every other line keeps its position; a cell of
another language (`%%bash`, `%%writefile`, `%%html`) becomes blank lines. A cell that still does
not parse is a syntax error located in that cell, and its lines are left out of the module.

Lines of the facts count lines of the joined code; each location also carries its cell
(1-based, counting every cell of the notebook, as ruff does) and the joined lines before that
cell, so a finding reads `train.ipynb:cell 7:3:12` (`hplint/location.py`).
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hplint.extract import MAX_PYTHON_BYTES, NotAnalysed
from hplint.location import Location

if TYPE_CHECKING:
    from hplint.facts import Fact, FileFacts

# Cell magics whose body is the notebook's own Python, run in its namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# Line magics that run the statement after them: `%time trainer.fit(model)` still trains.
_STATEMENT_MAGICS = frozenset({"time", "timeit", "prun"})
# Magics and shell aliases IPython runs without their `%` in a one-line cell (automagic): `pip install timm`.
_AUTOMAGICS = frozenset({
    "pip", "conda", "mamba", "micromamba", "cd", "ls", "ll", "pwd", "cat", "cp", "mv", "rm", "mkdir", "rmdir",
    "less", "more", "man", "clear", "env", "set_env", "load_ext", "reload_ext", "unload_ext", "matplotlib",
    "time", "timeit", "run", "load", "autoreload", "aimport", "tensorboard", "who", "whos", "history", "reset",
    "store", "sx", "system", "pinfo", "pinfo2", "psearch", "pdef", "pdoc", "psource", "pfile", "config", "debug",
    "prun", "lsmagic", "magic", "xmode", "alias", "unalias", "bookmark", "dhist", "pushd", "popd", "dirs",
    "edit", "save", "recall", "rerun", "precision", "pycat", "macro", "gui", "colors", "doctest_mode",
})
_FIRST_WORD = re.compile(r"[A-Za-z_]\w*")
_ASSIGNED_ESCAPE = re.compile(r"(?P<targets>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]")
_MAGIC_NAME = re.compile(r"%(?P<name>[A-Za-z_]\w*)")
# What the scanner stops at: outside strings, a comment, a quote, a bracket or a final backslash; inside a
# string, an escape or the closing quote.
_CODE_STOPS = re.compile(r"""[#"'()\[\]{}]|\\$""")
_STRING_STOPS = {quote: re.compile(r"\\.?|" + re.escape(quote), re.DOTALL) for quote in ('"', "'", '"""', "'''")}
_SEQUENTIAL_NAME = re.compile(r"nn\.Sequential@(\d+):(\d+)")  # extract/python/models.py names them so


class NotebookError(ValueError):
    """A file named .ipynb that is not a notebook hplint can read: not JSON, or no cells."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class CodeCell:
    number: int  # 1-based among all the notebook's cells (markdown and raw ones count)
    source: str  # as written, line endings made "\n"
    offset: int  # lines of the joined code before this cell
    lines: int  # lines this cell holds in the joined code


@dataclass(frozen=True)
class Notebook:
    cells: tuple[CodeCell, ...]  # the code cells, in order
    python: bool  # the kernel runs Python (a notebook of R or Julia holds no training code hplint reads)

    @property
    def code(self) -> str:
        """The code cells joined, as written: the text the locations' lines count."""
        return "".join(_terminated(cell.source) for cell in self.cells)


def read_notebook(data: bytes | str) -> Notebook:
    """The code cells of a notebook's JSON (nbformat 4, or 3 with worksheets); NotebookError if it is none."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
    except UnicodeDecodeError as error:
        raise NotebookError(f"not valid UTF-8 (byte {error.start})") from None
    except RecursionError:
        raise NotebookError("nested too deeply") from None
    if not isinstance(document, dict):
        raise NotebookError("not a Jupyter notebook: the JSON is not an object")
    raw_cells = _raw_cells(document)
    if raw_cells is None:
        raise NotebookError("not a Jupyter notebook: no list of cells")
    cells = []
    offset = 0
    for number, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _text(cell.get("source", cell.get("input", "")))
        lines = _line_count(source)
        cells.append(CodeCell(number, source, offset, lines))
        offset += lines
    return Notebook(tuple(cells), _is_python(document.get("metadata")))


def _raw_cells(document: dict[str, Any]) -> list[Any] | None:
    cells = document.get("cells")
    if isinstance(cells, list):
        return cells
    worksheets = document.get("worksheets")  # nbformat 3
    if isinstance(worksheets, list):
        found: list[Any] = []
        for sheet in worksheets:
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list):
                found.extend(sheet["cells"])
        return found
    return None


def _text(source: Any) -> str:
    """A cell's source (a string, or nbformat's list of lines), with "\\n" line endings."""
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    if not isinstance(source, str):
        return ""
    return source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source


def _line_count(source: str) -> int:
    return source.count("\n") + (1 if source and not source.endswith("\n") else 0)


def _lines_of(python: str, count: int) -> str:
    """Exactly `count` lines, each ending in a newline: the cell's lines in the joined code."""
    lines = python.split("\n")[:count]
    return "".join(line + "\n" for line in lines) + "\n" * (count - len(lines))


def _terminated(source: str) -> str:
    return source if not source or source.endswith("\n") else source + "\n"


def _is_python(metadata: Any) -> bool:
    """Python unless the metadata names another language (Colab and old notebooks name none)."""
    if not isinstance(metadata, dict):
        return True
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        table = metadata.get(key)
        if isinstance(table, dict) and isinstance(table.get(field), str) and table[field]:
            return table[field].strip().lower() in ("python", "python3", "python2", "ipython")
    return True


# ---------------------------------------------------------------- IPython's syntax


def python_of(source: str) -> str:
    """A cell as plain Python, with as many lines: IPython's escapes replaced, a cell of another language blank."""
    lines = source.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = _cell_magic_name(lines[first])
        if name not in PYTHON_CELL_MAGICS:
            return "\n" * (len(lines) - 1)  # %%bash, %%writefile, %%html: not this notebook's Python
        lines[first] = ""
    return "\n".join(_escapes_replaced(lines))


def _cell_magic_name(line: str) -> str:
    words = line.strip()[2:].split(maxsplit=1)
    return words[0] if words else ""


def _escapes_replaced(lines: list[str]) -> Iterable[str]:
    """Each line, or its placeholder when it is an IPython escape at the start of a statement."""
    # IPython runs a magic without its `%` (automagic) only in a cell of one line.
    automagic = sum(1 for line in lines if line.strip()) == 1
    scanner = _Scanner()
    escaped_continues = False
    for line in lines:
        if escaped_continues:  # `!pip install \` goes on on the next line
            escaped_continues = line.rstrip().endswith("\\")
            yield ""
            continue
        if scanner.at_statement_start:
            placeholder = _placeholder(line, automagic)
            if placeholder is not None:
                escaped_continues = line.rstrip().endswith("\\")
                yield placeholder
                continue
            state = scanner.state()
            code = scanner.feed(line)
            if code.rstrip().endswith("?"):  # `model?`, `model.forward??`: help
                scanner.restore(state)
                yield _indent(line) + "pass"
                continue
            yield line
            continue
        scanner.feed(line)
        yield line


def _placeholder(line: str, automagic: bool = False) -> str | None:
    """The Python that stands for a line that is an IPython escape, None for a line of Python."""
    stripped = line.lstrip()
    indent = line[:len(line) - len(stripped)]
    if not stripped or stripped[0] not in "%!?":
        assigned = _ASSIGNED_ESCAPE.match(stripped)
        if assigned is not None:
            return f"{indent}{assigned.group('targets')} = get_ipython()"  # `files = !ls`: a value nobody knows
        return indent + "pass" if automagic and _is_automagic(stripped) else None
    magic = _MAGIC_NAME.match(stripped)
    if magic is not None and magic.group("name") in _STATEMENT_MAGICS:
        statement = stripped[magic.end():]
        if statement[:1].isspace() and _is_simple_statement(statement.strip()):
            # `%time fit(model)` -> `if 1: fit(model)`: the statement stays, in its columns.
            return indent + "if 1:".ljust(magic.end()) + statement
    return indent + "pass"


def _is_automagic(stripped: str) -> bool:
    """`pip install timm`, `cd data/`: a magic's name first, and a line that Python cannot read (as IPython decides,
    a line that is Python, such as `run = 3` or `ls - la`, stays Python)."""
    word = _FIRST_WORD.match(stripped)
    if word is None or word.group() not in _AUTOMAGICS or word.end() == len(stripped.rstrip()):
        return False
    try:
        ast.parse(stripped)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return False


def _is_simple_statement(text: str) -> bool:
    if not text or text.startswith("-"):
        return False  # options (`%timeit -n 3 f()`) or nothing to run
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return len(body) == 1 and not isinstance(body[0], (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef,
                                                      ast.ClassDef, ast.AsyncFor, ast.AsyncWith, ast.AsyncFunctionDef))


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


class _Scanner:
    """Just enough of Python's tokenizer to know whether a line starts a statement.

    An escape is IPython's only at the start of a statement: `%` on a line inside brackets is
    the modulo operator, and `!` inside a triple-quoted string is text.
    """

    def __init__(self) -> None:
        self.depth = 0  # open brackets
        self.quote = ""  # the open triple-quoted string's delimiter
        self.continued = False  # the last line ended with a backslash

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and not self.quote and not self.continued

    def state(self) -> tuple[int, str, bool]:
        return self.depth, self.quote, self.continued

    def restore(self, state: tuple[int, str, bool]) -> None:
        self.depth, self.quote, self.continued = state

    def feed(self, line: str) -> str:
        """Advance over a line; return its code before any comment. Jumps from one character that matters
        to the next: a cell's code is scanned at regular-expression speed."""
        index = 0
        self.continued = False
        while True:
            if self.quote:
                found = _STRING_STOPS[self.quote].search(line, index)
                if found is None:
                    break
                index = found.end()
                if not found.group().startswith("\\"):
                    self.quote = ""
                continue
            found = _CODE_STOPS.search(line, index)
            if found is None:
                break
            char, index = found.group(), found.end()
            if char == "#":
                return line[:found.start()]
            if char in "\"'":
                opening = line[found.start():found.start() + 3]
                self.quote = opening if opening in ('"""', "'''") else char
                index = found.start() + len(self.quote)
            elif char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(self.depth - 1, 0)
            else:
                self.continued = True  # a backslash ends the line
        if len(self.quote) == 1:  # a one-line string ends with its line
            self.continued = self.continued or line.endswith("\\")
            self.quote = ""
        return line


# ---------------------------------------------------------------- extraction


def extract_notebook(path: str, data: bytes) -> FileFacts:
    """The facts of a notebook's code, located in its cells; one ParseError for a file that is no notebook."""
    from hplint.extract import may_hold_hyperparameters
    from hplint.extract.comments import find_suppressions, in_cells
    from hplint.extract.depth import bounded
    from hplint.facts import FileFacts, ParseError

    try:
        notebook = read_notebook(data)
    except NotebookError as error:
        location = Location(path, error.line, error.column, error.line, error.column)
        return FileFacts(path, "python", (ParseError("notebook", error.message, location, templated=False),), ())
    if not notebook.python:
        return FileFacts(path, "python", (), ())
    errors: list[Fact] = []
    parts = []
    dedented: dict[int, int] = {}  # joined line -> the indentation IPython takes off it (columns move back by it)
    for cell in notebook.cells:
        source, width, lines = dedent_cell(cell.source)
        dedented.update((cell.offset + index + 1, width) for index in lines)
        python = python_of(source)
        problem = _syntax_error(path, cell, python)
        if problem is not None:
            errors.append(problem)
            python = ""  # left out, its lines kept blank so the others hold their places
        parts.append(_lines_of(python, cell.lines))
    code = "".join(parts)
    encoded = code.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_PYTHON_BYTES:
        raise NotAnalysed(f"its code cells hold {len(encoded) >> 10} KiB, more than the {MAX_PYTHON_BYTES >> 10} KiB hplint parses")
    facts: list[Fact] = []
    if may_hold_hyperparameters(encoded):
        from hplint.extract.python import extract_python

        facts = extract_python(path, encoded)
    located = relocated([*errors, *bounded(facts)], notebook.cells, dedented)
    cells = [(cell.number, cell.offset, cell.lines) for cell in notebook.cells]
    return FileFacts(path, "python", tuple(located), in_cells(find_suppressions(code), cells, dedented))


def _syntax_error(path: str, cell: CodeCell, python: str) -> Fact | None:
    """The cell's syntax error as Python reports it (with its line in the joined code), None when it parses."""
    from hplint.extract.screen import is_too_deep_for_python
    from hplint.facts import ParseError

    try:
        ast.parse(python)
    except SyntaxError as error:
        if is_too_deep_for_python(error):
            raise NotAnalysed(f"cell {cell.number} is nested too deeply for Python's own parser") from None
        line = cell.offset + min(max(error.lineno or 1, 1), max(cell.lines, 1))
        column = error.offset or 1
        return ParseError("python", error.msg, Location(path, line, column, line, column), templated=False)
    except (ValueError, RecursionError, MemoryError) as error:
        line = cell.offset + 1
        message = "nested too deeply" if not isinstance(error, ValueError) else str(error)
        return ParseError("python", message, Location(path, line, 1, line, 1), templated=False)
    return None


def dedent_cell(source: str) -> tuple[str, int, list[int]]:
    """The cell as IPython runs it when its first line is indented: that indentation taken off every line that
    starts with it. Also how wide it was and which lines (0-based) lost it."""
    lines = source.split("\n")
    first = next((line for line in lines if line.strip()), "")
    indent = first[:len(first) - len(first.lstrip(" \t"))]
    if not indent:
        return source, 0, []
    taken = [index for index, line in enumerate(lines) if line.startswith(indent)]
    for index in taken:
        lines[index] = lines[index][len(indent):]
    return "\n".join(lines), len(indent), taken


def relocated(facts: Sequence[Any], cells: Sequence[CodeCell], dedented: Mapping[int, int] | None = None) -> list[Any]:
    """The facts with every location of the joined code given its cell (and the columns of a dedented cell
    moved back to where they are written)."""
    shift = dedented or {}
    spans = [cell for cell in cells if cell.lines]
    starts = [cell.offset for cell in spans]
    done: dict[int, Any] = {}  # facts share parts (a value in several chains): each is rebuilt once

    def place(location: Location) -> Location:
        index = bisect.bisect_left(starts, location.line) - 1
        if index < 0 or location.cell:
            return location
        cell = spans[index]
        column = location.column + shift.get(location.line, 0)
        end_column = location.end_column + shift.get(location.end_line, 0)
        return Location(location.path, location.line, column, location.end_line, end_column, cell.number, cell.offset)

    def renamed(name: str) -> str:
        """`nn.Sequential@L:C`, a model named where it is written, named by its cell: `nn.Sequential@cell 4:2:9`."""
        written = _SEQUENTIAL_NAME.fullmatch(name)
        if written is None:
            return name
        line, column = int(written.group(1)), int(written.group(2))
        where = place(Location("", line, column, line, column))
        return f"nn.Sequential@cell {where.cell}:{where.shown_line}:{where.column}" if where.cell else name

    def rebuilt(value: Any) -> Any:
        kind = type(value)
        if kind is Location:
            return place(value)
        if kind is str:
            return renamed(value) if value.startswith("nn.Sequential@") else value
        if kind is tuple:
            return tuple(rebuilt(item) for item in value)
        if not dataclasses.is_dataclass(value):
            return value
        known = done.get(id(value))
        if known is None:
            names = [field.name for field in dataclasses.fields(value)]
            known = done[id(value)] = kind(*[rebuilt(getattr(value, name)) for name in names])
        return known

    return [rebuilt(fact) for fact in facts]


def source_lines(data: bytes) -> list[str] | None:
    """The notebook's code as written, one entry per line of the joined code (to show a finding's line)."""
    try:
        return read_notebook(data).code.split("\n")
    except NotebookError:
        return None
