"""`MODULE:FACTORY`: which module and which callable build the model (or the data), and where it is written.

The parent reads the target without importing it: the module's file is found by name and the
factory's line by parsing the file, so findings have a place even when the child never reports.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


class TargetError(Exception):
    """A target that is not MODULE:FACTORY: a usage error."""


@dataclass(frozen=True)
class Target:
    module: str  # dotted name, or a path to a .py file
    factory: str  # attribute of the module, possibly dotted

    def __str__(self) -> str:
        return f"{self.module}:{self.factory}"

    @property
    def is_path(self) -> bool:
        return self.module.endswith(".py") or "/" in self.module or "\\" in self.module


def parse_target(text: str, option: str = "") -> Target:
    """`models.py:make_model` or `pkg.models:Net`; `option` names the option it was given to, for messages."""
    given = f"{option} '{text}'" if option else f"'{text}'"
    module, colon, factory = text.rpartition(":")
    if not colon or not module or not factory:
        raise TargetError(f"{given} is not MODULE:FACTORY (for example models.py:make_model or pkg.models:Net)")
    if not all(part.isidentifier() for part in factory.split(".")):
        raise TargetError(f"'{factory}' in {given} is not a Python name (MODULE:FACTORY)")
    target = Target(module, factory)
    if not target.is_path and not all(part.isidentifier() for part in module.split(".")):
        raise TargetError(f"'{module}' in {given} is neither a dotted module name nor a path to a .py file")
    return target


def module_file(target: Target, cwd: Path) -> Path | None:
    """The file that holds the module, when it lives under cwd (installed packages: None)."""
    if target.is_path:
        path = (cwd / target.module).resolve()
        return path if path.is_file() else None
    base = cwd.joinpath(*target.module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def factory_line(path: Path, factory: str) -> int:
    """The line of `def FACTORY` / `class FACTORY` (or its assignment) at module level; 1 when not found."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return 1
    name = factory.split(".")[0]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return node.lineno
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.lineno
    return 1
