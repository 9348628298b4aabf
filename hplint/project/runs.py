"""The runs of a project: each program that can be started, with the files and configs it uses.

A run starts at an entry point (a script with `if __name__ == "__main__":`, `@hydra.main`, a
Lightning CLI, or training at module level) or at a launch line that starts a script; it holds
the project files the script imports, transitively, and the configs those files load or the
launch line names. Facts join only inside a run (SPEC §5b).

A training config that no run uses is judged alone, on its own values; so is a Python file that
no run imports (a LightningModule with its `configure_optimizers`, a library's builder): its
own values, never the questions about a program (does it validate, schedule, evaluate).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hplint.facts import Call, EntryPoint, LaunchCommand, Operation
from hplint.project.configs import ConfigReader, is_python_config
from hplint.project.index import FactIndex
from hplint.project.values import CONFIG_SUFFIXES, Resolver, import_closure

# Operations that show a program runs optimizer steps.
TRAINING_OPERATIONS = frozenset({"backward", "optimizer_step", "fit", "trainer_train"})
_CLI_CLASSES = ("LightningCLI",)
_CALL_DEPTH = 3  # how far a module-level call is followed to find the training it starts


@dataclass(frozen=True)
class RunSpec:
    entry: str | None  # the Python file the run starts; None for a config judged alone
    launch: LaunchCommand | None  # the launch line, for a run started by one
    launcher: str | None  # the shell script or Makefile holding that line
    files: frozenset[str]  # the entry and the project files it imports, transitively
    configs: frozenset[str]  # config files the run loads or is launched with
    context: frozenset[str]  # files whose call sites and argument parsers its values may come from

    @property
    def is_library(self) -> bool:
        """A Python file that no program imports, judged alone: none of the questions about a program apply."""
        return self.entry is None and self.launch is None and bool(self.files)

    @property
    def name(self) -> str:
        """`train.py`, `train.py via scripts/run.sh:3`, or the config judged alone."""
        if self.launch is not None:
            started = self.entry or self.launch.script
            return f"{started} via {self.launch.location}"
        return self.entry or min(self.files | self.configs)

    @property
    def paths(self) -> frozenset[str]:
        """Every file of the run: code, configs and the launching script."""
        launcher = frozenset({self.launcher}) if self.launcher is not None else frozenset()
        return self.files | self.configs | launcher


def find_runs(
    index: FactIndex, configs: ConfigReader, resolver: Resolver, is_training_config: Callable[[str], bool],
) -> tuple[RunSpec, ...]:
    def configs_of(files: frozenset[str]) -> frozenset[str]:
        found: set[str] = set()
        for path in files:
            found |= resolver.configs_loaded_by(path)
        return _with_composed(configs, found)

    runs = []
    for entry in sorted(path for path, file in index.files.items() if file.language == "python" and _is_entry(index, path)):
        files = import_closure(index, entry)
        runs.append(RunSpec(entry, None, None, files, configs_of(files), files))
    for launcher, command in index.all_of(LaunchCommand):
        script = _launched_script(index, launcher, command)
        files = import_closure(index, script) if script is not None else frozenset()
        named = frozenset(_named_configs(index, launcher, command, script))
        configs_run = configs_of(files) | _with_composed(configs, named)
        runs.append(RunSpec(script, command, launcher, files, configs_run, files))
    imported = frozenset(path for run in runs for path in run.files)
    for path, file in sorted(index.files.items()):
        if file.language == "python" and path not in imported and not is_python_config(file) and index.of_type(path, Call):
            alone = frozenset({path})
            runs.append(RunSpec(None, None, None, alone, configs_of(alone), import_closure(index, path)))
    used = imported | frozenset(path for run in runs for path in run.configs)
    for path, file in sorted(index.files.items()):
        if path in used:
            continue
        if file.language == "python" and is_python_config(file) or file.language not in ("python", "shell") and is_training_config(path):
            runs.append(RunSpec(None, None, None, frozenset(), frozenset({path}), frozenset({path})))
    return tuple(runs)


def _is_entry(index: FactIndex, path: str) -> bool:
    """A program: a main guard, `@hydra.main`, a Lightning CLI, or module-level code that trains or runs a model."""
    if index.of_type(path, EntryPoint):
        return True
    if any(call.api.endswith(_CLI_CLASSES) for call in index.of_type(path, Call)):
        return True
    module_level = index.operations(path, "")
    if any(op.kind in TRAINING_OPERATIONS or op.kind == "forward" for op in module_level):
        return True  # a script written top to bottom: it trains, or evaluates a model
    return any(op.kind == "calls" for op in module_level) and _calls_training(index, path, "")


def _calls_training(index: FactIndex, path: str, scope: str) -> bool:
    """The functions a scope calls (a few levels deep) run optimizer steps."""
    seen = {(path, scope)}
    frontier = [(path, scope)]
    for _ in range(_CALL_DEPTH):
        following = []
        for where, function in frontier:
            for callee in index.callees(where, function):
                if callee in seen:
                    continue
                seen.add(callee)
                if any(op.kind in TRAINING_OPERATIONS for op in index.operations(*callee)):
                    return True
                following.append(callee)
        frontier = following
    return False


def _launch_folder(launcher: str, command: LaunchCommand) -> str:
    """A path inside the folder the launch line runs in, to find files the way the shell would."""
    return posixpath.join(posixpath.dirname(launcher), command.folder, "_")


def _launched_script(index: FactIndex, launcher: str, command: LaunchCommand) -> str | None:
    here = _launch_folder(launcher, command)
    if command.module:
        return index.module_file(command.script, here)
    return index.find_file(command.script, here, python=True)


def _named_configs(index: FactIndex, launcher: str, command: LaunchCommand, script: str | None) -> Iterator[str]:
    """Config files a launch line passes: `train.py config/a.py`, `--config x.yaml`, `--deepspeed ds.json`."""
    here = _launch_folder(launcher, command)
    for _, value in command.arguments:
        written = value.value
        if not isinstance(written, str) or not written.endswith((*CONFIG_SUFFIXES, ".py")):
            continue
        found = index.find_file(written, here, python=written.endswith(".py"))
        if found is not None and found != script:
            yield found


def _with_composed(configs: ConfigReader, found: set[str] | frozenset[str]) -> frozenset[str]:
    """Configs and the Hydra group files their defaults lists compose, transitively."""
    composed = set(found)
    pending = list(found)
    while pending:
        for _, target in configs.defaults(pending.pop()):
            if target is not None and target not in composed:
                composed.add(target)
                pending.append(target)
    return frozenset(composed)
