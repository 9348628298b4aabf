"""Extraction: one file in, its facts out. Pure per file, so it can run in parallel and be cached.

The extractors (LibCST, PyYAML) are imported only when a file is actually extracted, so a run
that finds every file in the cache starts fast.
"""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

from hplint.extract.comments import find_suppressions

if TYPE_CHECKING:
    from hplint.facts import Fact, FileFacts

LANGUAGES = {
    ".py": "python", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json",
    ".sh": "shell", ".bash": "shell", ".mk": "shell", ".ipynb": "notebook",
}
MAKEFILES = frozenset({"Makefile", "makefile", "GNUmakefile"})
MAX_CONFIG_BYTES = 1 << 20  # larger JSON/YAML is data (annotations, vocabularies), not a config: not read
MAX_PYTHON_BYTES = 512 << 10  # larger Python is generated; LibCST takes ~25 s and 1.3 GB per MiB
MAX_NOTEBOOK_BYTES = 32 << 20  # a notebook carries its outputs (images as base64); its code is held to MAX_PYTHON_BYTES
# A Python file that mentions none of these holds no hyperparameter, model or training loop.
# Searched in the lowercased bytes: a quarter of the time IGNORECASE takes (0.35 s a megabyte).
_MAY_HOLD_HYPERPARAMETERS = re.compile(
    rb"torch|lightning|transformers|keras|tensorflow|deepspeed|accelerate|timm|sklearn|dataloader|optim"
    rb"|\blr\b|batch|epoch|learning_rate|dropout|momentum|weight_decay|patience|argparse|add_argument"
    rb"|yaml|json|hydra|omegaconf|dict\(|_base_|nn\."
)


def language_of(path: Path) -> str | None:
    return language_of_name(path.name)


def language_of_name(name: str) -> str | None:
    if name in MAKEFILES:
        return "shell"
    dot = name.rfind(".")
    return LANGUAGES.get(name[dot:].lower()) if dot > 0 else None


class NotAnalysed(Exception):
    """A file hplint reads but does not analyse, for a reason of size or depth: the run says so."""


@dataclass(frozen=True)
class TooLarge:
    """A file over the size hplint reads for its language; it is not read at all."""

    size: int
    limit: int


Content = Union[bytes, str, TooLarge]  # the bytes, the reason they cannot be read, or too large to read


def size_limit(language: str | None) -> int:
    if language == "notebook":
        return MAX_NOTEBOOK_BYTES
    return MAX_PYTHON_BYTES if language == "python" else MAX_CONFIG_BYTES


def may_hold_hyperparameters(source: bytes) -> bool:
    """Whether Python source mentions anything a hyperparameter, a model or a training loop needs."""
    return _MAY_HOLD_HYPERPARAMETERS.search(source.lower()) is not None


def read_source(path: Path) -> Content:
    """The file's bytes, or why they are not read.

    Only a regular file is opened (a FIFO would block the run for ever, a device never ends),
    its size is checked before reading, and no more than the limit is read even if it grows.
    """
    return read_regular_file(path, size_limit(language_of(path)))


def read_regular_file(path: Path | str, limit: int, follow_link: bool = True) -> Content:
    """At most `limit` bytes of a regular file (TooLarge beyond), or why it is not read."""
    try:
        status = os.stat(path, follow_symlinks=follow_link)
        if not stat.S_ISREG(status.st_mode):
            return f"not a regular file ({file_kind(status.st_mode)})"
        if status.st_size > limit:
            return TooLarge(status.st_size, limit)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        descriptor = os.open(path, flags if follow_link else flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}"
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # replaced between the check and the opening
            return "not a regular file"
        data = _read_at_most(descriptor, limit + 1)
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}"
    finally:
        os.close(descriptor)
    return TooLarge(len(data), limit) if len(data) > limit else data


def _read_at_most(descriptor: int, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.read(descriptor, min(size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISLNK, "a link")):
        if test(mode):
            return name
    return "not a plain file"


def extract_file(path: Path, display_path: str) -> FileFacts:
    """Facts of one file; unreadable or undecodable input becomes a ParseError fact."""
    return extract_source(display_path, language_of(path) or "python", read_source(path))


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a syntax tree is freed by reference counting anyway.

    Building a LibCST tree or thousands of facts triggers collections that walk every object
    alive, again and again; on timm they cost a third of the extraction.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def extract_source(display_path: str, language: str, data: Content) -> FileFacts:
    """The file's facts; raises NotAnalysed for a file too large or too deep to analyse."""
    with gc_paused():
        return _extract_source(display_path, language, data)


def _extract_source(display_path: str, language: str, data: Content) -> FileFacts:
    from hplint.facts import FileFacts  # imported when something is extracted, not on a run from the cache

    if isinstance(data, bytes) and len(data) > size_limit(language):
        data = TooLarge(len(data), size_limit(language))
    if isinstance(data, TooLarge):
        if language in ("python", "notebook"):
            raise NotAnalysed(f"{_megabytes(data.size)}, larger than the {_megabytes(data.limit)} hplint parses")
        return FileFacts(display_path, language, (), ())  # data (annotations, vocabularies), not a config
    if isinstance(data, str):
        return _unreadable(display_path, language, data)
    wide = wide_encoding(data)
    if wide is not None:
        return _unreadable(display_path, language, f"{wide} text; hplint reads {_expected(language)} as UTF-8")
    if language == "notebook":
        from hplint.extract.notebook import extract_notebook

        return extract_notebook(display_path, data)
    if language == "python":
        if b"\0" in data:
            return _unreadable(display_path, language, "binary data (NUL bytes), not Python source")
        if not _MAY_HOLD_HYPERPARAMETERS.search(data.lower()):
            return FileFacts(display_path, language, (), ())
        from hplint.extract.python import extract_python

        facts: list[Fact] = extract_python(display_path, data)
        text = data.decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return _unreadable(display_path, language, f"not valid UTF-8 (byte {error.start})")
        if language == "shell":
            from hplint.extract.launch import extract_launch

            facts = extract_launch(display_path, text)
        else:
            from hplint.extract.configs import extract_config

            facts = extract_config(display_path, language, text)
    from hplint.extract.depth import bounded

    suppressions = find_suppressions(text, language) if language != "json" else ()
    return FileFacts(display_path, language, tuple(bounded(facts)), suppressions)


def _unreadable(path: str, language: str, message: str) -> FileFacts:
    from hplint.facts import FileFacts, Location, ParseError

    location = Location(path, 1, 1, 1, 1)
    return FileFacts(path, language, (ParseError(language, message, location, templated=False),), ())


_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


def wide_encoding(data: bytes) -> str | None:
    """"UTF-16" or "UTF-32" for text in those encodings (by its byte-order mark, or NULs beside ASCII)."""
    for mark, name in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return name
    head = data[:4096]
    if len(head) < 8 or b"\0" not in head:
        return None
    head = head[:len(head) - len(head) % 4]
    if sum(_all_nul(head[start::4]) for start in range(4)) == 3:
        return "UTF-32"
    if _all_nul(head[0::2]) or _all_nul(head[1::2]):
        return "UTF-16"
    return None


def _all_nul(data: bytes) -> bool:
    return data.count(0) == len(data)


def _expected(language: str) -> str:
    return {"python": "Python source", "shell": "scripts", "notebook": "notebooks"}.get(language, "configs")


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"
