"""Per-file fact cache: facts keyed by the file's path and content, hplint's version and format.

Entries are JSON written atomically (a temporary file renamed into place), so two runs at
once never see half an entry; an entry that does not decode is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from hplint import __version__
from hplint.facts import FileFacts, dumps_file, loads_file

CACHE_FORMAT = 3  # bump when facts or extraction change in a way old entries would not show
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

    def load(self, key: str, display_path: str) -> FileFacts | None:
        try:
            facts = loads_file(self._entry(key).read_text(encoding="utf-8"), display_path)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return facts if isinstance(facts, FileFacts) else None

    def store(self, key: str, facts: FileFacts) -> None:
        entry = self._entry(key)
        try:
            self._prepare(entry.parent)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(dumps_file(facts))
            os.replace(temporary, entry)
        except OSError:
            return  # a read-only checkout still lints; it just does not remember

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _prepare(self, subfolder: Path) -> None:
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / ".gitignore").write_text("# Created by hplint automatically.\n*\n", encoding="utf-8")
        subfolder.mkdir(exist_ok=True)
