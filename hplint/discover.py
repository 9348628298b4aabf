"""Which files to lint: the paths given, walked, minus excludes, .gitignore and tool folders."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hplint.extract import file_kind, language_of, language_of_name, read_regular_file
from hplint.gitignore import GlobPattern, compile_pattern

if TYPE_CHECKING:
    from hplint.config import LintConfig

# Folders that never hold the project's own training code or configs.
DEFAULT_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
    "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hplint_cache",
    "site-packages", ".ipynb_checkpoints",
})


class DiscoveryError(Exception):
    """A path that cannot be linted at all (it does not exist)."""


@dataclass(frozen=True)
class _Pattern:
    glob: GlobPattern
    negated: bool
    directory_only: bool
    base: str  # folder of the ignore file, relative to the root ("" for the root)


class IgnoreRules:
    """gitignore semantics: patterns from several files, the last match wins."""

    def __init__(self) -> None:
        self._patterns: list[_Pattern] = []

    def add(self, lines: Iterable[str], base: str = "") -> None:
        for raw in lines:
            line = raw.rstrip("\n").rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            directory_only = line.endswith("/")
            line = line.rstrip("/")
            glob = compile_pattern(line) if line else None
            if glob is not None:
                self._patterns.append(_Pattern(glob, negated, directory_only, base))

    def ignored(self, relative: str, is_dir: bool) -> bool:
        result = False
        for pattern in self._patterns:
            if pattern.directory_only and not is_dir:
                continue
            if pattern.base:
                if not relative.startswith(pattern.base + "/"):
                    continue
                candidate = relative[len(pattern.base) + 1:]
            else:
                candidate = relative
            if pattern.glob.matches(candidate):
                result = not pattern.negated
        return result


_MAX_IGNORE_FILE = 1 << 20


def discover(
    paths: Sequence[Path], root: Path, exclude: Sequence[str] = (), force_exclude: bool = False,
    skipped: list[tuple[Path, str]] | None = None, boundary: Path | None = None,
) -> list[Path]:
    """Files to lint, sorted; a path named on the command line is linted unless force_exclude.

    Only regular files are linted: a FIFO or a device is never opened, and a link found in a
    folder is followed only to a regular file inside `boundary` (the project; default: `root`).
    What is passed over for those reasons, and folders that cannot be read, go to `skipped`.
    """
    root = root.resolve()
    skipped = skipped if skipped is not None else []
    inside = str((boundary or root).resolve())
    rules = IgnoreRules()
    rules.add(exclude)
    gitignore = root / ".gitignore"
    if gitignore.is_file():
        rules.add(_read_lines(gitignore))
    found: set[Path] = set()
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise DiscoveryError(f"{given}: no such file or directory")
        absolute = given.resolve() if given.exists() else given.absolute()
        if absolute.is_dir():
            found.update(_walk(absolute, root, rules, inside, skipped))
        elif language_of(absolute) is not None:
            relative = relative_posix(str(absolute), str(root))
            if force_exclude and relative is not None and _excluded(relative, rules):
                continue
            kind = _kind(str(absolute))
            if kind is None:
                found.add(absolute)
            else:
                skipped.append((absolute, f"not read: {kind}"))
    return sorted(found, key=str)


def _kind(path: str) -> str | None:
    """None for a regular file (through links), else what it is."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return f"cannot read it ({error.strerror or error})"
    return None if stat.S_ISREG(mode) else file_kind(mode)


def project_root(paths: Sequence[Path], config: "LintConfig") -> Path:
    """The folder a project lives in: its config's folder, else its git checkout, else the first path's."""
    if config.config_path is not None:
        return config.config_path.parent.resolve()
    first = paths[0].resolve()
    for folder in [first if first.is_dir() else first.parent, *first.parents]:
        if (folder / ".git").exists():
            return folder
    return config.root.resolve()


def _excluded(relative: str, rules: IgnoreRules) -> bool:
    parts = relative.split("/")
    for depth in range(1, len(parts)):
        folder = "/".join(parts[:depth])
        if parts[depth - 1] in DEFAULT_EXCLUDED_DIRS or rules.ignored(folder, is_dir=True):
            return True
    return rules.ignored(relative, is_dir=False)


def _walk(top: Path, root: Path, rules: IgnoreRules, inside: str, skipped: list[tuple[Path, str]]) -> Iterable[Path]:
    # Plain strings rather than Path objects: a project of thousands of files is walked on every
    # run, also when pre-commit names a single file and the answer comes from the cache.
    root_text = str(root)
    seen_gitignores: set[str] = set()

    def unreadable(error: OSError) -> None:
        skipped.append((Path(error.filename or top), f"folder not read ({error.strerror or error})"))

    for folder, dirnames, filenames in os.walk(top, followlinks=False, onerror=unreadable):
        relative_folder = relative_posix(folder, root_text)
        if relative_folder and relative_folder not in seen_gitignores:
            seen_gitignores.add(relative_folder)
            nested = os.path.join(folder, ".gitignore")
            if os.path.isfile(nested):
                rules.add(_read_lines(Path(nested)), base=relative_folder)
        kept = []
        for name in sorted(dirnames):
            if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
                continue
            if os.path.exists(os.path.join(folder, name, "pyvenv.cfg")):
                continue
            if relative_folder is not None and rules.ignored(_joined(relative_folder, name), is_dir=True):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if language_of_name(name) is None:
                continue
            if relative_folder is not None and rules.ignored(_joined(relative_folder, name), is_dir=False):
                continue
            child = os.path.join(folder, name)
            reason = _not_followed(child, inside)
            if reason is None:
                yield Path(child)
            elif reason:
                skipped.append((Path(child), reason))


def _not_followed(path: str, inside: str) -> str | None:
    """Why a file found in a folder is not linted: "" to pass over it in silence, None to lint it."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            if relative_posix(os.path.realpath(path), inside) is None:
                return "not read: a link to outside the project"
            mode = os.stat(path).st_mode
    except OSError:
        return ""  # a dangling link, or a file removed meanwhile
    return None if stat.S_ISREG(mode) else f"not read: {file_kind(mode)}"


def relative_posix(path: str, root: str) -> str | None:
    """`path` below the folder `root` as a POSIX path ("" for the root itself), None when outside it.

    On strings, not Path objects: it runs for every file of a project on every run.
    """
    if path == root:
        return ""
    folder = root.rstrip(os.sep)
    if not path.startswith(folder + os.sep):
        return None
    return path[len(folder) + 1:].replace(os.sep, "/")


def _joined(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _read_lines(path: Path) -> list[str]:
    data = read_regular_file(path, _MAX_IGNORE_FILE)
    return data.decode("utf-8", errors="replace").splitlines() if isinstance(data, bytes) else []
