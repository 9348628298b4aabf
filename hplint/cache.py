"""The cache: each file's facts, and the findings of the last run over a set of files.

Fact entries are keyed by the file's path and content, hplint's version and the cache format.
A run entry ("snapshot") is kept per set of files and settings; it holds every finding of that
run and is used only while every file's content key is what it was, so an unchanged project
is linted without extracting or checking anything. Entries are JSON written atomically (a
temporary file renamed into place), so two runs at once never see half an entry; an entry
that does not decode is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hplint import __version__
from hplint.diagnostics import Diagnostic, Findings, Severity
from hplint.location import Location
from hplint.suppression import Suppression

if TYPE_CHECKING:
    from hplint.facts import FileFacts

CACHE_FORMAT = 4  # bump when facts, findings or extraction change in a way old entries would not show
DEFAULT_FOLDER = ".hplint_cache"


class FactCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._salt = f"{__version__}:{CACHE_FORMAT}".encode()

    def key(self, display_path: str, data: bytes | str) -> str:
        digest = hashlib.blake2b(self._salt, digest_size=20)
        digest.update(display_path.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def has(self, key: str) -> bool:
        return self._entry(key).is_file()

    def load(self, key: str, display_path: str) -> FileFacts | None:
        from hplint.facts import FileFacts, loads_file

        try:
            facts = loads_file(self._entry(key).read_text(encoding="utf-8"), display_path)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        return facts if isinstance(facts, FileFacts) and facts.path == display_path else None

    def store(self, key: str, encoded_facts: str) -> None:
        """Remember a file's facts, as `facts.dumps_file` wrote them."""
        self._write(self._entry(key), encoded_facts)

    def load_findings(self, settings: str, files: Sequence[tuple[str, str]]) -> Findings | None:
        """The findings of the last run over exactly these files and settings, if no file has changed.

        `files` holds each file's display path and content key.
        """
        try:
            data = json.loads(self._run_entry(settings, files).read_text(encoding="utf-8"))
            if data["files"] != _digest(sorted(key for _, key in files)):
                return None
            return _decode_findings(data)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def store_findings(self, settings: str, files: Sequence[tuple[str, str]], findings: Findings) -> None:
        data = {"files": _digest(sorted(key for _, key in files)), **_encode_findings(findings)}
        self._write(self._run_entry(settings, files), json.dumps(data, separators=(",", ":")))

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _run_entry(self, settings: str, files: Sequence[tuple[str, str]]) -> Path:
        # One entry per set of paths and settings, overwritten as the files change, so that
        # edits do not pile up entries.
        name = _digest([self._salt.decode(), settings, *sorted(path for path, _ in files)])
        return self.folder / "runs" / f"{name}.json"

    def _write(self, entry: Path, text: str) -> None:
        import tempfile  # only runs that write pay for it

        try:
            self._prepare(entry.parent)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, entry)
        except OSError:
            return  # a read-only checkout still lints; it just does not remember

    def _prepare(self, subfolder: Path) -> None:
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / ".gitignore").write_text("# Created by hplint automatically.\n*\n", encoding="utf-8")
        subfolder.mkdir(exist_ok=True)


def _digest(parts: Sequence[str]) -> str:
    return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _encode_findings(findings: Findings) -> dict[str, Any]:
    return {
        "diagnostics": [
            [d.code, d.name, int(d.severity), d.message, _location(d.location), d.source and _location(d.source)]
            for d in findings.diagnostics
        ],
        "suppressions": {
            path: [[comment.line, list(comment.codes), comment.style] for comment in comments]
            for path, comments in findings.suppressions.items() if comments
        },
    }


def _decode_findings(data: dict[str, Any]) -> Findings:
    diagnostics = [
        Diagnostic(code, name, Severity(severity), message, Location(*location), source and Location(*source))
        for code, name, severity, message, location, source in data["diagnostics"]
    ]
    suppressions = {
        path: tuple(Suppression(line, tuple(codes), style) for line, codes, style in comments)
        for path, comments in data["suppressions"].items()
    }
    return Findings(diagnostics, suppressions)


def _location(location: Location) -> list[Any]:
    return [location.path, location.line, location.column, location.end_line, location.end_column]
