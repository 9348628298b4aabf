"""Python source -> facts, in one LibCST parse, one position pass and one walk.

The walk (`walker.py`) keeps the import-alias table and the bindings of each scope; three
concerns are fed from that one walk: the values behind arguments (`values.py`), the models,
their outputs and losses (`models.py`), and training-loop operations (`training.py`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import accumulate

import libcst as cst

from hplint.extract.python.positions import Positions
from hplint.extract.python.walk import walk
from hplint.extract.python.walker import PythonExtractor
from hplint.facts import Fact, Location, ParseError

_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"()[]{}")))
_SAFE_BRACKET_DEPTH = 100  # below this (and with short lines) LibCST's native parser is safe
_SAFE_LINE_LENGTH = 2_000  # a longer line may hold a chain of thousands of operators
_MAX_SYNTAX_DEPTH = 400  # deeper trees overflow the native parser's stack or Python's recursion


def extract_python(path: str, source: bytes) -> list[Fact]:
    """All facts of one Python file; a file that does not parse yields one ParseError."""
    screened = _screen_nesting(path, source)
    if screened is not None:
        return screened
    try:
        with _unvalidated():
            module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return [_syntax_error(path, source) or ParseError(
            "python", error.message, _point(path, error.raw_line, error.raw_column + 1), templated=False,
        )]
    except (UnicodeDecodeError, LookupError, SyntaxError) as error:
        return [ParseError("python", f"cannot decode the file: {error}", _point(path, 1, 1), templated=False)]
    except RecursionError:
        return []  # valid but too deep to analyse (generated code); nothing to report
    try:
        extractor = PythonExtractor(path, Positions(module))
        walk(module, extractor)
    except RecursionError:
        return []
    return extractor.facts


@contextmanager
def _unvalidated() -> Iterator[None]:
    """No per-node validation while LibCST builds a tree from its own parser's output.

    Every node checks its fields as it is constructed (`CSTNode.__post_init__`), a fifth of the
    parse on timm; a tree straight from the parser is valid by construction. LibCST's own
    comment there says as much. Restored at once: nodes built later are validated as usual.
    """
    validating = cst.CSTNode.__dict__["__post_init__"]
    cst.CSTNode.__post_init__ = _not_validated  # type: ignore[method-assign]
    try:
        yield
    finally:
        cst.CSTNode.__post_init__ = validating  # type: ignore[method-assign]


def _not_validated(node: cst.CSTNode) -> None:
    return None


def _point(path: str, line: int, column: int) -> Location:
    return Location(path, line, column, line, column)


def _syntax_error(path: str, source: bytes) -> ParseError | None:
    """CPython's own message and position for a syntax error ("'(' was never closed")."""
    try:
        ast.parse(source)
    except SyntaxError as error:
        line, column = error.lineno or 1, error.offset or 1
        return ParseError("python", error.msg, _point(path, line, column), templated=False)
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _screen_nesting(path: str, source: bytes) -> list[Fact] | None:
    """Keep input that would overflow LibCST's native parser (a crash, not an exception) away from it.

    Cheap on ordinary files: a bracket count and a line length. Only suspicious files pay for an
    `ast.parse`, whose parser reports too-deep input as an error instead of crashing.
    """
    depth = max(accumulate(1 if byte in b"([{" else -1 for byte in source.translate(None, _NOT_BRACKETS)), default=0)
    longest = max((len(line) for line in source.splitlines()), default=0)
    if depth < _SAFE_BRACKET_DEPTH and longest < _SAFE_LINE_LENGTH:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        error = _syntax_error(path, source)
        return [error] if error is not None else []
    except (ValueError, RecursionError, MemoryError):
        return []
    return [] if _deeper_than(tree, _MAX_SYNTAX_DEPTH) else None


def _deeper_than(tree: ast.AST, limit: int) -> bool:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False
