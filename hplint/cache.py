"""The cache: each file's facts, and the findings of the last run over a set of files.

Fact entries are keyed by the file's path and content, hplint's version and the cache format.
A run record is kept per set of files and settings; it holds every finding of that run and
each file's size, modification time, inode, change time and content key, so an unchanged
project is linted without reading its files (a file whose signature changed is read and
hashed: the same content is still a hit), extracting or checking anything. A file edited to
the same size with its old modification time restored still has a new change time, which no
user can set back.

The cache folder lives in the project, so a repository could ship one: a forged run record
would make hplint report "no problems" on code it never read. Every entry is therefore signed
with a key kept outside the project, in the user's cache home ($XDG_CACHE_HOME/hplint or
~/.cache/hplint), and an entry whose signature does not check is ignored and rebuilt. Entries
are read through a size cap, never through a symbolic link, and written atomically (a
temporary file renamed into place), so two runs at once never see half an entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hplint import __version__
from hplint.diagnostics import Diagnostic, Findings, Fix, Severity
from hplint.location import Location
from hplint.suppression import from_row, to_row

if TYPE_CHECKING:
    from hplint.facts import FileFacts

CACHE_FORMAT = 22  # bump when facts, findings or extraction change in a way old entries would not show
DEFAULT_FOLDER = ".hplint_cache"
KEY_NAME = "cache-key"
_KEY_BYTES = 32
_MAGIC = "hplint-signed"
_MAX_FACTS_ENTRY = 64 << 20
_MAX_RUN_ENTRY = 256 << 20

Signature = tuple[int, int, int, int]  # size, modification time (ns), inode, change time (ns)
Recorded = tuple[int, int, int, int, str]  # a file's signature and content key in a run record
Note = tuple[str, str]  # a file that was not analysed, and why


@dataclass
class RunRecord:
    """The last run over a set of files: what the rules found, and the files as they were then."""

    files: dict[str, Recorded]  # display path -> (size, mtime ns, inode, ctime ns, content key)
    findings: Findings
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class CachedFacts:
    facts: FileFacts
    note: str | None  # why the file was not analysed, when it was not


def user_cache_home() -> Path:
    """hplint's folder in the user's cache home, outside any project."""
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".cache"
    return base / "hplint"


class FactCache:
    def __init__(self, folder: Path, key_folder: Path | None = None) -> None:
        self.folder = folder
        self._salt = f"{__version__}:{CACHE_FORMAT}".encode()
        self._key_folder = key_folder
        self._signing_key: bytes | None = None
        self._key_loaded = False

    def key(self, display_path: str, data: object) -> str:
        """`<path digest>-<content digest>`: the entries of one path share a prefix."""
        path = hashlib.blake2b(self._salt, digest_size=10)
        path.update(display_path.encode("utf-8", "surrogateescape"))
        content = hashlib.blake2b(self._salt, digest_size=20)
        content.update(data if isinstance(data, bytes) else repr(data).encode("utf-8", "surrogateescape"))
        return f"{path.hexdigest()}-{content.hexdigest()}"

    def has(self, key: str) -> bool:
        return self._entry(key).is_file()

    def load(self, key: str, display_path: str) -> CachedFacts | None:
        from hplint.facts import FileFacts, loads_file

        payload = self._read(self._entry(key), key, _MAX_FACTS_ENTRY)
        if payload is None:
            return None
        try:
            note_line, _, encoded = payload.partition("\n")
            note = json.loads(note_line)
            facts = loads_file(encoded, display_path)
        except (ValueError, KeyError, TypeError, IndexError, RecursionError):
            return None
        if not isinstance(facts, FileFacts) or facts.path != display_path or not isinstance(note, (str, type(None))):
            return None
        return CachedFacts(facts, note)

    def store(self, key: str, encoded_facts: str, note: str | None = None) -> None:
        """Remember a file's facts, as `facts.dumps_file` wrote them, in place of its older versions.

        One entry per path keeps the cache the size of the project, however often files change.
        """
        entry = self._entry(key)
        if not self._write(entry, key, f"{json.dumps(note)}\n{encoded_facts}"):
            return
        try:
            for older in entry.parent.glob(f"{key.partition('-')[0]}-*.json"):
                if older != entry:
                    older.unlink(missing_ok=True)
        except OSError:
            return  # a stale entry left behind costs space, not correctness

    def load_run(self, settings: str, paths: Sequence[str]) -> RunRecord | None:
        """The last run over exactly these display paths with these settings, if there was one."""
        entry = self._run_entry(settings, paths)
        payload = self._read(entry, f"runs/{entry.name}", _MAX_RUN_ENTRY)
        if payload is None:
            return None
        try:
            data = json.loads(payload)
            files = {
                path: (int(size), int(mtime), int(inode), int(ctime), str(key))
                for path, (size, mtime, inode, ctime, key) in data["files"].items()
            }
            notes = [(str(path), str(reason)) for path, reason in data["notes"]]
            return RunRecord(files, _decode_findings(data), notes)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
            return None  # not a record this version wrote: the run checks afresh and replaces it

    def store_run(
        self, settings: str, files: dict[str, Recorded], findings: Findings, notes: Sequence[Note] = (),
    ) -> None:
        """Remember a run: each file's signature and content key, what the rules found, what was not analysed."""
        data = {"files": files, "notes": [list(note) for note in notes], **_encode_findings(findings)}
        entry = self._run_entry(settings, list(files))
        self._write(entry, f"runs/{entry.name}", json.dumps(data, separators=(",", ":")))

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _run_entry(self, settings: str, paths: Sequence[str]) -> Path:
        # One entry per set of paths and settings, overwritten as the files change, so that
        # edits do not pile up entries.
        name = _digest([self._salt.decode(), settings, *sorted(paths)])
        return self.folder / "runs" / f"{name}.json"

    def _signing(self) -> bytes | None:
        if not self._key_loaded:
            self._key_loaded = True
            try:
                self._signing_key = signing_key(self._key_folder or user_cache_home())
            except (RuntimeError, KeyError):  # no home folder to keep a key in: no cache
                self._signing_key = None
        return self._signing_key

    def _signature(self, name: str, payload: bytes) -> str | None:
        key = self._signing()
        if key is None:
            return None
        mac = hashlib.blake2b(key=key, digest_size=32)
        mac.update(self._salt + b"\0" + name.encode() + b"\0")
        mac.update(payload)
        return mac.hexdigest()

    def _read(self, entry: Path, name: str, limit: int) -> str | None:
        """An entry's payload when it is a regular file within `limit` bytes, signed with this user's key."""
        data = read_bounded(entry, limit)
        if data is None:
            return None
        header, newline, payload = data.partition(b"\n")
        magic, _, signature = header.decode("ascii", "replace").partition(" ")
        if not newline or magic != _MAGIC:
            return None
        expected = self._signature(name, payload)
        if expected is None or not hmac.compare_digest(signature, expected):
            return None
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def _write(self, entry: Path, name: str, text: str) -> bool:
        import tempfile  # only runs that write pay for it

        payload = text.encode("utf-8", "surrogateescape")
        signature = self._signature(name, payload)
        if signature is None:
            return False  # no key to sign with: nothing is remembered, nothing unsigned is trusted
        try:
            if not self._prepare(entry.parent):
                return False
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(f"{_MAGIC} {signature}\n".encode("ascii") + payload)
            os.replace(temporary, entry)
        except OSError:
            return False  # a read-only checkout still lints; it just does not remember
        return True

    def _prepare(self, subfolder: Path) -> bool:
        """Create the folders; False when one is a link (a repository could point it anywhere)."""
        if os.path.islink(self.folder) or os.path.islink(subfolder):
            return False
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / ".gitignore").write_text("# Created by hplint automatically.\n*\n", encoding="utf-8")
        subfolder.mkdir(exist_ok=True)
        return True


def signing_key(folder: Path) -> bytes | None:
    """This user's cache key, created on first use (readable by the user alone); None when impossible."""
    path = folder / KEY_NAME
    key = read_bounded(path, _KEY_BYTES)
    if key is not None and len(key) == _KEY_BYTES:
        return key
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = folder / f".{KEY_NAME}-{os.getpid()}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(os.urandom(_KEY_BYTES))
        try:
            os.link(temporary, path)  # fails when another run made one first: that one is used
        except FileExistsError:
            pass
        except OSError:
            os.replace(temporary, path)
        temporary.unlink(missing_ok=True)
    except OSError:
        return None
    key = read_bounded(path, _KEY_BYTES)
    return key if key is not None and len(key) == _KEY_BYTES else None


def read_bounded(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes, never through a link as its last part; None when over `limit` or unreadable."""
    from hplint.extract import read_regular_file

    data = read_regular_file(path, limit, follow_link=False)
    return data if isinstance(data, bytes) else None


def _digest(parts: Sequence[str]) -> str:
    return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _encode_findings(findings: Findings) -> dict[str, Any]:
    return {
        "diagnostics": [
            [
                d.code, d.name, int(d.severity), d.message, _location(d.location), d.source and _location(d.source),
                [_location(place) for place in d.related], _fix(d.fix),
            ]
            for d in findings.diagnostics
        ],
        "suppressions": {
            path: [to_row(comment) for comment in comments]
            for path, comments in findings.suppressions.items() if comments
        },
        "unanalysed": list(findings.unanalysed),
    }


def _decode_findings(data: dict[str, Any]) -> Findings:
    diagnostics = [
        Diagnostic(
            code, name, Severity(severity), message, Location(*location), source and Location(*source),
            tuple(Location(*place) for place in related), fix and Fix(*fix[:3], Location(*fix[3]), tuple(fix[4])),
        )
        for code, name, severity, message, location, source, related, fix in data["diagnostics"]
    ]
    suppressions = {path: tuple(from_row(row) for row in comments) for path, comments in data["suppressions"].items()}
    return Findings(diagnostics, suppressions, tuple(data["unanalysed"]))


def _location(location: Location) -> list[Any]:
    cell = [location.cell, location.cell_offset] if location.cell else []
    return [location.path, location.line, location.column, location.end_line, location.end_column, *cell]


def _fix(fix: Fix | None) -> list[Any] | None:
    if fix is None:
        return None
    return [fix.applicability, fix.title, fix.kind, _location(fix.location), list(fix.names)]
