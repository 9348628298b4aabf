"""Extraction: one file in, its facts out. Pure per file, so it can run in parallel and be cached.

The extractors (LibCST, PyYAML) are imported only when a file is actually extracted, so a run
that finds every file in the cache starts fast.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from hplint.suppression import find_suppressions

if TYPE_CHECKING:
    from hplint.facts import Fact, FileFacts

LANGUAGES = {
    ".py": "python", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json",
    ".sh": "shell", ".bash": "shell", ".mk": "shell",
}
MAKEFILES = frozenset({"Makefile", "makefile", "GNUmakefile"})
MAX_CONFIG_BYTES = 1 << 20  # larger JSON/YAML is data (annotations, vocabularies), not a config
# A Python file that mentions none of these holds no hyperparameter, model or training loop.
_MAY_HOLD_HYPERPARAMETERS = re.compile(
    rb"torch|lightning|transformers|keras|tensorflow|deepspeed|accelerate|timm|sklearn|DataLoader|optim"
    rb"|\blr\b|batch|epoch|learning_rate|dropout|momentum|weight_decay|patience|argparse|add_argument"
    rb"|yaml|json|hydra|omegaconf|dict\(|_base_|nn\.",
    re.IGNORECASE,
)


def language_of(path: Path) -> str | None:
    return language_of_name(path.name)


def language_of_name(name: str) -> str | None:
    if name in MAKEFILES:
        return "shell"
    dot = name.rfind(".")
    return LANGUAGES.get(name[dot:].lower()) if dot > 0 else None


def read_source(path: Path) -> bytes | str:
    """The file's bytes, or the reason it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}"


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


def extract_source(display_path: str, language: str, data: bytes | str) -> FileFacts:
    with gc_paused():
        return _extract_source(display_path, language, data)


def _extract_source(display_path: str, language: str, data: bytes | str) -> FileFacts:
    from hplint.facts import FileFacts  # imported when something is extracted, not on a run from the cache

    if isinstance(data, str):
        return _unreadable(display_path, language, data)
    if language == "python":
        if not _MAY_HOLD_HYPERPARAMETERS.search(data):
            return FileFacts(display_path, language, (), ())
        from hplint.extract.python import extract_python

        facts: list[Fact] = extract_python(display_path, data)
        text = data.decode("utf-8", errors="replace")
    else:
        if len(data) > MAX_CONFIG_BYTES:
            return FileFacts(display_path, language, (), ())
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
    suppressions = find_suppressions(text) if language != "json" else ()
    return FileFacts(display_path, language, tuple(facts), suppressions)


def _unreadable(path: str, language: str, message: str) -> FileFacts:
    from hplint.facts import FileFacts, Location, ParseError

    location = Location(path, 1, 1, 1, 1)
    return FileFacts(path, language, (ParseError(language, message, location, templated=False),), ())
