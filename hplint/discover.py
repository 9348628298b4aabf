"""Which files to lint: the paths given, walked, minus excludes, .gitignore and tool folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hplint.extract import language_of, language_of_name
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


def discover(
    paths: Sequence[Path], root: Path, exclude: Sequence[str] = (), force_exclude: bool = False
) -> list[Path]:
    """Files to lint, sorted; a path named on the command line is linted unless force_exclude."""
    root = root.resolve()
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
            found.update(_walk(absolute, root, rules))
        elif language_of(absolute) is not None:
            relative = relative_posix(str(absolute), str(root))
            if force_exclude and relative is not None and _excluded(relative, rules):
                continue
            found.add(absolute)
    return sorted(found, key=str)


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


def _walk(top: Path, root: Path, rules: IgnoreRules) -> Iterable[Path]:
    # Plain strings rather than Path objects: a project of thousands of files is walked on every
    # run, also when pre-commit names a single file and the answer comes from the cache.
    root_text = str(root)
    seen_gitignores: set[str] = set()
    for folder, dirnames, filenames in os.walk(top, followlinks=False, onerror=lambda error: None):
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
            if os.path.islink(child) and not os.path.exists(child):
                continue
            yield Path(child)


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
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
