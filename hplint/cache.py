"""The cache: each file's facts, and the findings of the last run over a set of files.

Fact entries are keyed by the file's path and content, hplint's version and the cache format.
A run record is kept per set of files and settings; it holds every finding of that run and
each file's size, modification time and content key, so an unchanged project is linted
without reading its files (a file whose size or time changed is read and hashed: the same
content is still a hit), extracting or checking anything. Entries are JSON written
atomically (a temporary file renamed into place), so two runs at once never see half an
entry; an entry that does not decode is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hplint import __version__
from hplint.diagnostics import Diagnostic, Findings, Severity
from hplint.location import Location
from hplint.suppression import Suppression

if TYPE_CHECKING:
    from hplint.facts import FileFacts

CACHE_FORMAT = 10  # bump when facts, findings or extraction change in a way old entries would not show
DEFAULT_FOLDER = ".hplint_cache"


@dataclass
class RunRecord:
    """The last run over a set of files: what the rules found, and the files as they were then."""

    files: dict[str, tuple[int, int, str]]  # display path -> (size, mtime in ns, content key)
    findings: Findings


class FactCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._salt = f"{__version__}:{CACHE_FORMAT}".encode()

    def key(self, display_path: str, data: bytes | str) -> str:
        """`<path digest>-<content digest>`: the entries of one path share a prefix."""
        path = hashlib.blake2b(self._salt, digest_size=10)
        path.update(display_path.encode("utf-8", "surrogateescape"))
        content = hashlib.blake2b(self._salt, digest_size=20)
        content.update(data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape"))
        return f"{path.hexdigest()}-{content.hexdigest()}"

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
        """Remember a file's facts, as `facts.dumps_file` wrote them, in place of its older versions.

        One entry per path keeps the cache the size of the project, however often files change.
        """
        entry = self._entry(key)
        self._write(entry, encoded_facts)
        try:
            for older in entry.parent.glob(f"{key.partition('-')[0]}-*.json"):
                if older != entry:
                    older.unlink(missing_ok=True)
        except OSError:
            return  # a stale entry left behind costs space, not correctness

    def load_run(self, settings: str, paths: Sequence[str]) -> RunRecord | None:
        """The last run over exactly these display paths with these settings, if there was one."""
        try:
            data = json.loads(self._run_entry(settings, paths).read_text(encoding="utf-8"))
            files = {path: (int(size), int(mtime), str(key)) for path, (size, mtime, key) in data["files"].items()}
            return RunRecord(files, _decode_findings(data))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # not a record this version wrote: the run checks afresh and replaces it

    def store_run(self, settings: str, files: dict[str, tuple[int, int, str]], findings: Findings) -> None:
        """Remember a run: each file's (size, mtime in ns, content key), and what the rules found."""
        data = {"files": files, **_encode_findings(findings)}
        self._write(self._run_entry(settings, list(files)), json.dumps(data, separators=(",", ":")))

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _run_entry(self, settings: str, paths: Sequence[str]) -> Path:
        # One entry per set of paths and settings, overwritten as the files change, so that
        # edits do not pile up entries.
        name = _digest([self._salt.decode(), settings, *sorted(paths)])
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
            [
                d.code, d.name, int(d.severity), d.message, _location(d.location), d.source and _location(d.source),
                [_location(place) for place in d.related],
            ]
            for d in findings.diagnostics
        ],
        "suppressions": {
            path: [[comment.line, list(comment.codes), comment.style] for comment in comments]
            for path, comments in findings.suppressions.items() if comments
        },
    }


def _decode_findings(data: dict[str, Any]) -> Findings:
    diagnostics = [
        Diagnostic(
            code, name, Severity(severity), message, Location(*location), source and Location(*source),
            tuple(Location(*place) for place in related),
        )
        for code, name, severity, message, location, source, related in data["diagnostics"]
    ]
    suppressions = {
        path: tuple(Suppression(line, tuple(codes), style) for line, codes, style in comments)
        for path, comments in data["suppressions"].items()
    }
    return Findings(diagnostics, suppressions)


def _location(location: Location) -> list[Any]:
    return [location.path, location.line, location.column, location.end_line, location.end_column]
