"""HP0xx: files hplint should read but cannot."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from hplint.checks import Rule
from hplint.diagnostics import Diagnostic, Severity
from hplint.location import Location
from hplint.project import Project

# Where a config file is one hplint would read even when it does not parse.
_CONFIG_FOLDERS = frozenset({"configs", "config", "conf", "cfg", "hparams"})
_CONFIG_NAME = re.compile(r"train|config|hparams|hyperparam", re.IGNORECASE)
_TEMPLATE_FOLDERS = frozenset({"templates"})


class PythonSyntaxError(Rule):
    code = "HP001"
    name = "python-syntax-error"
    severity = Severity.ERROR
    summary = "a Python file (or a notebook's code cell) that cannot be parsed"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for error in project.parse_errors():
            if error.language == "python":
                yield self.diagnostic(f"cannot parse Python: {error.message} ({_where(error.location)})", error.location)


class ConfigParseError(Rule):
    code = "HP002"
    name = "config-parse-error"
    severity = Severity.ERROR
    summary = "a training config (YAML/TOML/JSON), or a notebook, that cannot be parsed"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for error in project.parse_errors():
            if error.language == "notebook":  # a notebook hplint cannot read: its code goes unchecked
                yield self.diagnostic(f"cannot read the notebook: {error.message} ({_where(error.location)})", error.location)
                continue
            if error.language == "python" or error.templated:
                continue
            path = error.location.path
            if path not in project.loaded_configs and (not _looks_like_config(path) or project.is_other_tools(path)):
                continue
            yield self.diagnostic(
                f"cannot parse {error.language.upper()}: {error.message} (line {error.location.line}, "
                f"column {error.location.column})",
                error.location,
            )


def _where(location: Location) -> str:
    """`line 3, column 12`, with the cell first in a notebook."""
    cell = f"cell {location.cell}, " if location.cell else ""
    return f"{cell}line {location.shown_line}, column {location.column}"


def _looks_like_config(path: str) -> bool:
    """Under a config-like folder or with a config-like name, and not in a template folder."""
    parts = PurePosixPath(path).parts
    folders = {part.lower() for part in parts[:-1]}
    if folders & _TEMPLATE_FOLDERS:
        return False
    return bool(folders & _CONFIG_FOLDERS) or bool(_CONFIG_NAME.search(PurePosixPath(path).stem))
