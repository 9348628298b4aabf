"""The join: the facts of all files, found to belong to runs, with the questions rules ask of them.

A `Project` is every file; its `runs` are the programs in it (`runs.py`). A rule that judges a
program (its settings, the losses its models reach, whether it validates) asks a `Run`, which
sees only that run's files; a rule about a construct on its own (a layer, a parse error) asks
the `Project`. Neither ever shows a rule a syntax tree or a file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TypeVar

from hplint.facts import Call, Expr, FileFacts, Location, ModelDef, ModelRef, Operation, ParseError, Value
from hplint.project.configs import ConfigReader
from hplint.project.index import FactIndex
from hplint.project.models import ModelLoss, model_def, model_losses
from hplint.project.runs import TRAINING_OPERATIONS, RunSpec, find_runs
from hplint.project.settings import RunSettings, Setting, optimizer_of
from hplint.project.values import Resolver, RunContext, written_name

__all__ = ["ModelLoss", "Project", "Run", "Setting", "written_name"]

FactT = TypeVar("FactT")


class _View:
    """The questions a rule may ask, over some of the project's files."""

    def __init__(self, project: Project, resolver: Resolver, paths: frozenset[str] | None) -> None:
        self._project = project
        self._index = project.index
        self._resolver = resolver
        self._paths = paths

    @cached_property
    def files(self) -> dict[str, FileFacts]:
        every = self._index.files
        return every if self._paths is None else {path: every[path] for path in sorted(self._paths) if path in every}

    def of_type(self, path: str, kind: type[FactT]) -> list[FactT]:
        return self._index.of_type(path, kind)

    def all_of(self, kind: type[FactT]) -> Iterator[tuple[str, FactT]]:
        if self._paths is None:
            yield from self._index.all_of(kind)
            return
        for path in self.files:
            for fact in self._index.of_type(path, kind):
                yield path, fact

    def calls(self, apis: Iterable[str]) -> Iterator[Call]:
        wanted = frozenset(apis)
        for _, call in self.all_of(Call):
            if call.api in wanted:
                yield call

    def parse_errors(self) -> Iterator[ParseError]:
        for _, error in self.all_of(ParseError):
            yield error

    def operations_of_kind(self, *kinds: str) -> Iterator[Operation]:
        """The operations of these kinds in the view's files, file by file in the order written."""
        for path in self.files:
            for kind in kinds:
                yield from self._index.operations_of_kind(path, kind)

    @cached_property
    def trains(self) -> tuple[Operation, ...]:
        """Evidence that the code runs optimizer steps."""
        return tuple(self.operations_of_kind(*TRAINING_OPERATIONS))

    def resolve(self, expr: Expr | None, path: str) -> Value | None:
        """The value an expression has, with the chain it was reached through; None if unknown."""
        return self._resolver.resolve(expr, path)

    def call_at(self, location: Location) -> Call | None:
        return self._index.call_at(location)

    def operations(self, path: str, scope: str) -> list[Operation]:
        return self._index.operations(path, scope)

    def functions(self) -> Iterator[tuple[str, str, list[Operation]]]:
        return self._index.functions(self._paths)

    def callees(self, path: str, scope: str) -> Iterator[tuple[str, str]]:
        return self._index.callees(path, scope)

    def callee(self, path: str, op: Operation) -> tuple[str, str] | None:
        return self._index.callee(path, op)

    def callers(self, path: str, function: str, anywhere: bool = False) -> Iterator[Operation]:
        """Calls of a function from this run's files; `anywhere`: from every file of the project."""
        for op in self._index.callers(path, function):
            if anywhere or self._paths is None or op.location.path in self._paths:
                yield op

    def model_losses(self) -> Iterator[ModelLoss]:
        return model_losses(self._index, self.files, self._resolver.resolve_model)

    def resolve_model(self, expr: Expr, path: str) -> ModelDef | None:
        """The model of the project an expression holds: `Net()`, a name bound to one, a parameter filled with one."""
        return self._resolver.resolve_model(expr, path)

    def model_named(self, written: str, from_path: str) -> ModelDef | None:
        """A model class as a file names it (`ResBlock`, `blocks.ResBlock`), found through its imports."""
        module, _, name = written.rpartition(".")
        if module:
            imported = self._index.imports.get((from_path, module))
            module = imported.qualified if imported is not None else module
        return model_def(self._index, ModelRef(module or None, name), from_path)

    def is_training_config(self, path: str) -> bool:
        return self._project.is_training_config(path)

    def is_other_tools(self, path: str) -> bool:
        """A CI pipeline, a Kubernetes manifest, a Helm chart, an editor's or a JavaScript tool's file."""
        return self._project.configs.is_other_tools(path)


class Run(_View):
    """One program: what its entry point imports, the configs it loads, the launch line that starts it."""

    def __init__(self, project: Project, spec: RunSpec) -> None:
        configurator = spec.entry if spec.entry is not None and project.index.operations_of_kind(spec.entry, "exec_file") else None
        launched_code = tuple(path for path in spec.launched if project.index.is_python(path))
        context = RunContext(spec.context, spec.launch, configurator, launched_code)
        resolver = Resolver(project.index, project.configs, context)
        super().__init__(project, resolver, spec.paths)
        self.spec = spec
        self._settings = RunSettings(project.index, resolver, spec, project.is_training_config)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def is_library(self) -> bool:
        """A Python file no program imports, judged alone: the questions about a program do not apply."""
        return self.spec.is_library

    @property
    def loaded_configs(self) -> frozenset[str]:
        return self.spec.configs

    @cached_property
    def companions(self) -> tuple[Run, ...]:
        """The other programs of the same folder that share this one's modules (train.py and test.py on model.py)."""
        return self._project.companions_of(self)

    def settings(self, hyperparameter: str) -> list[Setting]:
        return self._settings.of(hyperparameter)

    def config_leaves(self) -> Iterator[tuple[tuple[str, ...], Value]]:
        """Every key of every config the run reads, as its framework composes it (a base's keys included)."""
        for composed in self._settings.configs():
            yield from composed.leaves.items()

    def config_of(self, setting: Setting) -> dict[tuple[str, ...], Value]:
        """The composed config a config setting comes from, to read the keys beside it."""
        return self._resolver.composer.of_group(setting.group).leaves

    def batch_factors(self, batch: Setting) -> tuple[Setting, ...]:
        return self._settings.batch_factors(batch)

    def unknown_factors(self, batch: Setting) -> list[tuple[str, Location]]:
        return self._settings.unknown_factors(batch)

    def optimizer_of(self, setting: Setting) -> str | None:
        return optimizer_of(self._index, self._resolver, setting)


class Project(_View):
    """Every file linted, and the runs found in them."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.index = FactIndex(files)
        self.configs = ConfigReader(self.index)
        super().__init__(self, Resolver(self.index, self.configs), None)
        self._training_configs: dict[str, bool] = {}

    @cached_property
    def runs(self) -> tuple[Run, ...]:
        specs = find_runs(self.index, self.configs, self._resolver, self.is_training_config)
        return tuple(Run(self, spec) for spec in specs)

    def companions_of(self, run: Run) -> tuple[Run, ...]:
        entry = run.spec.entry
        if entry is None:
            return ()
        folder = posixpath.dirname(entry)
        shared = run.spec.files - {entry}
        return tuple(
            other for other in self.runs
            if other is not run and other.spec.entry not in (None, entry)
            and posixpath.dirname(other.spec.entry) == folder and shared & other.spec.files
        )

    @cached_property
    def loaded_configs(self) -> frozenset[str]:
        """Config files the project's code loads."""
        return frozenset(
            config for path, file in self.index.files.items() if file.language == "python"
            for config in self._resolver.configs_loaded_by(path)
        )

    def is_training_config(self, path: str) -> bool:
        """A config counts when the code loads it or it sets at least two distinct hyperparameters."""
        known = self._training_configs.get(path)
        if known is None:
            file = self.index.files.get(path)
            known = file is not None and file.language not in ("python", "shell") and not self.configs.is_other_tools(path) and (
                path in self.loaded_configs or self.configs.sets_training_keys(path)
            )
            self._training_configs[path] = known
        return known

    def settings(self, hyperparameter: str) -> list[Setting]:
        """The settings of every run, each once (for --show-facts and the probe)."""
        found: dict[Setting, None] = {}
        for run in self.runs:
            found.update(dict.fromkeys(run.settings(hyperparameter)))
        return list(found)

    def optimizer_of(self, setting: Setting) -> str | None:
        return optimizer_of(self.index, self._resolver, setting)
