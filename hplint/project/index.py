"""The facts of every file, indexed: by kind and file, names by module, imports to files, and the call graph.

Built once per project; every other part of the join asks it where things are.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, TypeVar

from hplint.facts import Binding, Call, FileFacts, FunctionCall, Import, Location, ModuleImport, Operation

FactT = TypeVar("FactT")


class FactIndex:
    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.files: dict[str, FileFacts] = {facts.path: facts for facts in files}
        # Indexes built once, so joins stay linear on projects of thousands of files.
        self._by_type: dict[type, list[tuple[str, Any]]] = {}
        self._by_file_type: dict[tuple[str, type], list[Any]] = {}
        for path, file in self.files.items():
            for fact in file.facts:
                self._by_type.setdefault(type(fact), []).append((path, fact))
                self._by_file_type.setdefault((path, type(fact)), []).append(fact)
        self.bindings = {(path, fact.name): fact for path, fact in reversed(self._by_type.get(Binding, []))}
        self.imports = {(path, fact.local): fact for path, fact in reversed(self._by_type.get(Import, []))}
        # Modules an import can name: a notebook's facts are Python's, but no `import` loads a notebook.
        self._python = frozenset(
            path for path, file in self.files.items() if file.language == "python" and not path.endswith(".ipynb")
        )
        self._module_files: dict[tuple[str, str], str | None] = {}
        self._imported_files: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------ facts by kind

    def of_type(self, path: str, kind: type[FactT]) -> list[FactT]:
        """The facts of one kind in one file."""
        return self._by_file_type.get((path, kind), [])

    def all_of(self, kind: type[FactT]) -> list[tuple[str, FactT]]:
        return self._by_type.get(kind, [])

    def is_python(self, path: str) -> bool:
        return path in self._python

    # ------------------------------------------------------------ modules and files

    def module_file(self, module: str, from_path: str) -> str | None:
        """The project file a module name means in from_path: `.m` beside it, `a.b` from its folder or one above.

        A script's own folder comes first on sys.path, and repositories are run from their root,
        so an absolute module is looked for from the importing file's folder upwards; a module
        found nowhere that way is taken by the one file whose path ends with it, if there is one.
        """
        folder = posixpath.dirname(from_path)
        key = (module, folder)
        if key not in self._module_files:
            self._module_files[key] = self._find_module(module, folder)
        return self._module_files[key]

    def _find_module(self, module: str, folder: str) -> str | None:
        level = len(module) - len(module.lstrip("."))
        parts = [part for part in module[level:].split(".") if part]
        if level:
            for _ in range(level - 1):
                folder = posixpath.dirname(folder)
            return self._module_in(folder, parts)
        while True:
            found = self._module_in(folder, parts)
            if found is not None:
                return found
            if not folder or folder in (".", "/"):
                return self._suffix_modules.get(module)
            folder = posixpath.dirname(folder)

    def _module_in(self, folder: str, parts: list[str]) -> str | None:
        base = posixpath.join(folder, *parts) if parts else folder
        for candidate in (f"{base}.py" if parts else "", posixpath.join(base, "__init__.py")):
            if candidate and posixpath.normpath(candidate) in self._python:
                return posixpath.normpath(candidate)
        return None

    @cached_property
    def _suffix_modules(self) -> dict[str, str]:
        """Dotted module names -> path, for every suffix of each Python file's path that is unique."""
        candidates: dict[str, list[str]] = {}
        for path in self._python:
            parts = [part for part in posixpath.splitext(path)[0].split("/") if part not in ("", ".", "..")]
            if parts and parts[-1] == "__init__":
                parts.pop()
            for start in range(len(parts)):
                candidates.setdefault(".".join(parts[start:]), []).append(path)
        return {module: paths[0] for module, paths in candidates.items() if len(paths) == 1}

    def lookup_qualified(self, qualified: str, from_path: str) -> tuple[str, str] | None:
        """`model.Net` imported in from_path -> (path of model.py, "Net")."""
        level = len(qualified) - len(qualified.lstrip("."))
        module, _, name = qualified[level:].rpartition(".")
        path = self.module_file("." * level + module, from_path) if level or module else None
        return (path, name) if path is not None else None

    def imported_files(self, path: str) -> tuple[str, ...]:
        """The project files a Python file's imports load, package `__init__`s included."""
        found = self._imported_files.get(path)
        if found is None:
            loaded: dict[str, None] = {}
            for imported in self.of_type(path, ModuleImport):
                for module in _modules_loaded(imported.module):
                    file = self.module_file(module, path)
                    if file is not None and file != path:
                        loaded[file] = None
            found = self._imported_files[path] = tuple(loaded)
        return found

    def find_file(self, written: str, from_path: str, python: bool) -> str | None:
        """A file named in another, relative to that file's folder or any folder above it."""
        folder = posixpath.dirname(from_path)
        while True:
            candidate = posixpath.normpath(posixpath.join(folder, written))
            file = self.files.get(candidate)
            if file is not None and (file.language == "python") == python:
                return candidate
            if not folder or folder in (".", "/"):
                return None
            folder = posixpath.dirname(folder)

    # ------------------------------------------------------------ the call graph

    @cached_property
    def _operations_by_scope(self) -> dict[tuple[str, str], list[Operation]]:
        grouped: dict[tuple[str, str], list[Operation]] = {}
        for path, op in self.all_of(Operation):
            grouped.setdefault((path, op.scope), []).append(op)
        return grouped

    def operations_of_kind(self, path: str, kind: str) -> list[Operation]:
        """One file's operations of one kind (its loops, its optimizer steps), in the order written."""
        return self._operations_by_kind.get((path, kind), [])

    @cached_property
    def _operations_by_kind(self) -> dict[tuple[str, str], list[Operation]]:
        grouped: dict[tuple[str, str], list[Operation]] = {}
        for path, op in self.all_of(Operation):
            grouped.setdefault((path, op.kind), []).append(op)
        return grouped

    def operations(self, path: str, scope: str) -> list[Operation]:
        """The operations of one function (or module body), in the order written."""
        return self._operations_by_scope.get((path, scope), [])

    def functions(self, paths: frozenset[str] | None = None) -> Iterator[tuple[str, str, list[Operation]]]:
        """Every function (and module body) with operations, of some files or all: (path, scope, its operations)."""
        by_path = self._functions_by_path
        for path in sorted(by_path) if paths is None else sorted(paths & by_path.keys()):
            for scope, operations in by_path[path]:
                yield path, scope, operations

    @cached_property
    def _functions_by_path(self) -> dict[str, list[tuple[str, list[Operation]]]]:
        grouped: dict[str, list[tuple[str, list[Operation]]]] = {}
        for (path, scope), operations in sorted(self._operations_by_scope.items()):
            grouped.setdefault(path, []).append((scope, operations))
        return grouped

    def callees(self, path: str, scope: str) -> Iterator[tuple[str, str]]:
        """The project functions a function calls, as (path, qualified name in that file)."""
        for op in self.operations(path, scope):
            target = self.callee(path, op)
            if target is not None:
                yield target

    def callee(self, path: str, op: Operation) -> tuple[str, str] | None:
        """The project function a `calls` operation in `path` calls, as (path, qualified name in that file)."""
        if op.kind != "calls":
            return None
        if "." not in op.subject or (path, op.subject) in self._operations_by_scope:
            return path, op.subject
        return self.lookup_qualified(op.subject, path)

    def callers(self, path: str, function: str) -> Iterator[Operation]:
        """The `calls` operations that call a function (or, through self, a method) of the project."""
        short = function.rpartition(".")[2]
        for caller, op in self._calls_by_name.get(short, []):
            if caller == path and op.subject == function:
                yield op
            elif "." in op.subject and self.lookup_qualified(op.subject, caller) == (path, function):
                yield op

    @cached_property
    def _calls_by_name(self) -> dict[str, list[tuple[str, Operation]]]:
        grouped: dict[str, list[tuple[str, Operation]]] = {}
        for caller, op in self.all_of(Operation):
            if op.kind == "calls":
                grouped.setdefault(op.subject.rpartition(".")[2], []).append((caller, op))
        return grouped

    def calls_of(self, function: str, path: str) -> Iterator[tuple[str, FunctionCall]]:
        """Calls of a module-level function, or instantiations of a class (for its __init__)."""
        target = function[: -len(".__init__")] if function.endswith(".__init__") else function
        for caller, call in self._function_calls.get(function, []):
            if caller == path:
                yield caller, call
        for caller, call in self._dotted_calls.get(target.rpartition(".")[2], []):
            if self.lookup_qualified(call.function, caller) == (path, target):
                yield caller, call

    @cached_property
    def _function_calls(self) -> dict[str, list[tuple[str, FunctionCall]]]:
        grouped: dict[str, list[tuple[str, FunctionCall]]] = {}
        for caller, call in self.all_of(FunctionCall):
            grouped.setdefault(call.function, []).append((caller, call))
        return grouped

    @cached_property
    def _dotted_calls(self) -> dict[str, list[tuple[str, FunctionCall]]]:
        """Calls through a module or an import (`models.build(...)`), by the function's own name."""
        grouped: dict[str, list[tuple[str, FunctionCall]]] = {}
        for caller, call in self.all_of(FunctionCall):
            if "." in call.function:
                grouped.setdefault(call.function.rpartition(".")[2], []).append((caller, call))
        return grouped

    def call_at(self, location: Location) -> Call | None:
        """The library call written at a location (a layer's constructor, for its arguments)."""
        return self._calls_by_location.get(location)

    @cached_property
    def _calls_by_location(self) -> dict[Location, Call]:
        return {call.location: call for _, call in self.all_of(Call)}


def _modules_loaded(module: str) -> Iterator[str]:
    """`a.b.c` loads a, a.b and a.b.c (each may be a package's __init__); `from a import f` is a.f or a."""
    level = len(module) - len(module.lstrip("."))
    parts = module[level:].split(".") if module[level:] else []
    if level and not parts:
        yield module
        return
    for end in range(1, len(parts) + 1):
        yield "." * level + ".".join(parts[:end])
