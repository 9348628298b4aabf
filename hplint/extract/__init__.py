"""Extraction: one file in, its facts out. Pure per file, so it can run in parallel and be cached."""

from __future__ import annotations

from pathlib import Path

from hplint.extract.configs import extract_config
from hplint.extract.launch import extract_launch
from hplint.extract.python import extract_python
from hplint.facts import Fact, FileFacts, Location, ParseError
from hplint.suppression import find_suppressions

LANGUAGES = {
    ".py": "python", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json",
    ".sh": "shell", ".bash": "shell", ".mk": "shell",
}
MAKEFILES = frozenset({"Makefile", "makefile", "GNUmakefile"})
MAX_CONFIG_BYTES = 1 << 20  # larger JSON/YAML is data (annotations, vocabularies), not a config


def language_of(path: Path) -> str | None:
    if path.name in MAKEFILES:
        return "shell"
    return LANGUAGES.get(path.suffix.lower())


def extract_file(path: Path, display_path: str) -> FileFacts:
    """Facts of one file; unreadable or undecodable input becomes a ParseError fact."""
    language = language_of(path) or "python"
    try:
        data = path.read_bytes()
    except OSError as error:
        return _unreadable(display_path, language, f"cannot read the file: {error.strerror or error}")
    if language == "python":
        facts: list[Fact] = extract_python(display_path, data)
        text = data.decode("utf-8", errors="replace")
    else:
        if len(data) > MAX_CONFIG_BYTES:
            return FileFacts(display_path, language, (), ())
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return _unreadable(display_path, language, f"not valid UTF-8 (byte {error.start})")
        facts = extract_launch(display_path, text) if language == "shell" else extract_config(display_path, language, text)
    suppressions = find_suppressions(text) if language != "json" else ()
    return FileFacts(display_path, language, tuple(facts), suppressions)


def _unreadable(path: str, language: str, message: str) -> FileFacts:
    location = Location(path, 1, 1, 1, 1)
    return FileFacts(path, language, (ParseError(language, message, location, templated=False),), ())
