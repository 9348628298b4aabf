"""One lint run, start to end: discover -> extract -> project -> checks -> suppression."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hplint.config import LintConfig
from hplint.diagnostics import Diagnostic
from hplint.discover import discover
from hplint.extract import extract_file
from hplint.facts import FileFacts, Suppression
from hplint.project import Project
from hplint.suppression import apply_suppressions


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: list[FileFacts]
    project: Project
    suppressed: int = 0
    unused_suppressions: list[tuple[str, Suppression]] = field(default_factory=list)


def display_path(path: Path) -> str:
    """Relative to the current directory when below it, as a POSIX path."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def lint(paths: Sequence[Path], config: LintConfig, force_exclude: bool = False) -> LintResult:
    files = discover(paths, config.root, config.exclude, force_exclude)
    extracted = [extract_file(path, display_path(path)) for path in files]
    project = Project(extracted)
    found: list[Diagnostic] = []
    for rule in config.enabled_rules():
        found.extend(rule().check(project, config.options_for(rule)))
    found = [
        diagnostic for diagnostic in found
        if not config.ignored_for_path(_root_relative(diagnostic.location.path, config.root), diagnostic.code)
    ]
    outcome = apply_suppressions(found, {facts.path: facts.suppressions for facts in extracted})
    return LintResult(
        sorted(set(outcome.kept), key=Diagnostic.sort_key), extracted, project,
        len(outcome.suppressed), outcome.unused,
    )


def _root_relative(path: str, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return path
