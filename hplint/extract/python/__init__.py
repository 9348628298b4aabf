"""Python source -> facts, in one LibCST parse, one position pass and one walk.

The walk (`walker.py`) keeps the import-alias table and the bindings of each scope; three
concerns are fed from that one walk: the values behind arguments (`values.py`), the models,
their outputs and losses (`models.py`), and training-loop operations (`training.py`).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst

from hplint.extract import NotAnalysed
from hplint.extract.python.positions import Positions
from hplint.extract.python.walk import walk
from hplint.extract.python.walker import PythonExtractor
from hplint.extract.screen import MAX_DEPTH, depth_of, is_suspicious, is_too_deep_for_python
from hplint.facts import Fact, Location, ParseError

_TOO_DEEP = "nested too deeply for Python's own parser"


def extract_python(path: str, source: bytes) -> list[Fact]:
    """All facts of one Python file; a file that does not parse yields one ParseError.

    A valid file too deep to analyse raises NotAnalysed: it is never reported as clean by omission.
    Deep trees need the large stack and recursion limit that `hplint.workers` gives its threads.
    """
    if is_suspicious(source):
        _measure_depth(source)
    try:
        with _unvalidated():
            module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return [_python_syntax_error(path, source, error)]
    except (UnicodeDecodeError, LookupError, SyntaxError) as error:
        return [ParseError("python", f"cannot decode the file: {error}", _point(path, 1, 1), templated=False)]
    except RecursionError:
        raise NotAnalysed("nested too deeply for LibCST's parser") from None
    try:
        extractor = PythonExtractor(path, Positions(module))
        walk(module, extractor)
    except RecursionError:
        raise NotAnalysed("nested too deeply to analyse") from None
    return extractor.facts


def _measure_depth(source: bytes) -> None:
    """Raise NotAnalysed for a source nested deeper than LibCST can parse in reasonable time and memory.

    Python's own parser reports too-deep input as an error instead of crashing. A source it
    rejects for its syntax (an error, or syntax newer than this Python, such as PEP 695 on 3.11)
    goes on to LibCST, which decides.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        if is_too_deep_for_python(error):
            raise NotAnalysed(_TOO_DEEP) from None
        return
    except (RecursionError, MemoryError):
        raise NotAnalysed(_TOO_DEEP) from None
    except ValueError:
        return
    depth = depth_of(tree)
    if depth > MAX_DEPTH:
        raise NotAnalysed(f"syntax nested more than {MAX_DEPTH} levels deep")


def _python_syntax_error(path: str, source: bytes, error: cst.ParserSyntaxError) -> ParseError:
    """CPython's own message and position ("'(' was never closed"); LibCST's when CPython has none.

    A file CPython parses is not a syntax error, whatever LibCST says (it gives up on some long
    but valid constructs, such as thousands of implicitly concatenated strings).
    """
    try:
        ast.parse(source)
    except SyntaxError as python_error:
        if is_too_deep_for_python(python_error):
            raise NotAnalysed(_TOO_DEEP) from None
        line, column = python_error.lineno or 1, python_error.offset or 1
        return ParseError("python", python_error.msg, _point(path, line, column), templated=False)
    except (ValueError, RecursionError, MemoryError):
        return ParseError("python", error.message, _point(path, error.raw_line, error.raw_column + 1), templated=False)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    raise NotAnalysed(f"LibCST cannot parse it (line {error.raw_line}), though Python {version} can")


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
