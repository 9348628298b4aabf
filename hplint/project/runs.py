"""The runs of a project: each program that can be started, with the files and configs it uses.

A run starts at an entry point (a Jupyter notebook, a script with `if __name__ == "__main__":`,
`@hydra.main`, a Lightning CLI, or training at module level) or at a launch line that starts a script; it holds
the project files the script imports, transitively, and the configs those files load or the
launch line names. Facts join only inside a run (SPEC §5b).

A training config that no run uses is judged alone, on its own values; so is a Python file that
no run imports (a LightningModule with its `configure_optimizers`, a library's builder): its
own values, never the questions about a program (does it validate, schedule, evaluate).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from hplint.facts import Call, EntryPoint, LaunchCommand
from hplint.project.compose import Composer
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
    configs: frozenset[str]  # config files the run reads: its roots and the files they compose
    roots: frozenset[str]  # configs the code loads or the launch line names, each composed on its own
    launched: tuple[str, ...]  # the configs the launch line names, in its order
    context: frozenset[str]  # files whose call sites and argument parsers its values may come from

    @property
    def is_program(self) -> bool:
        return self.entry is not None or self.launch is not None

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
        return self.entry or min(self.roots or self.files)

    @property
    def paths(self) -> frozenset[str]:
        """Every file of the run: code, configs and the launching script."""
        launcher = frozenset({self.launcher}) if self.launcher is not None else frozenset()
        return self.files | self.configs | launcher


def find_runs(
    index: FactIndex, reader: ConfigReader, resolver: Resolver, is_training_config: Callable[[str], bool],
) -> tuple[RunSpec, ...]:
    def run(entry: str | None, launch: LaunchCommand | None, launcher: str | None, files: frozenset[str],
            named: Iterable[str] = (), context: frozenset[str] | None = None) -> RunSpec:
        launched = tuple(dict.fromkeys(named))
        roots = set(launched)
        for path in files:
            roots |= resolver.configs_loaded_by(path)
        # A launch line's Hydra overrides choose group files: its configs are composed with them.
        composer = resolver.composer if launch is None else Composer(index, reader, resolver.resolve, launch)
        composed = {part for root in roots for part in composer.compose(root).files}
        return RunSpec(entry, launch, launcher, files, frozenset(roots | composed), frozenset(roots), launched,
                       files if context is None else context)

    runs = []
    for entry in sorted(path for path, file in index.files.items() if file.language == "python" and _is_entry(index, path)):
        runs.append(run(entry, None, None, import_closure(index, entry)))
    for launcher, command in index.all_of(LaunchCommand):
        script = _launched_script(index, launcher, command)
        files = import_closure(index, script) if script is not None else frozenset()
        runs.append(run(script, command, launcher, files, _named_configs(index, launcher, command, script)))
    imported = frozenset(path for spec in runs for path in spec.files)
    for path, file in sorted(index.files.items()):
        if file.language == "python" and path not in imported and not is_python_config(file) and index.of_type(path, Call):
            runs.append(run(None, None, None, frozenset({path}), context=import_closure(index, path)))
    runs.extend(_configs_alone(index, resolver.composer, runs, is_training_config))
    return tuple(runs)


def _configs_alone(
    index: FactIndex, composer: Composer, runs: list[RunSpec], is_training_config: Callable[[str], bool],
) -> Iterator[RunSpec]:
    """A run for each config no program uses, unless it is a base that other configs of these compose
    (`_base_/schedules/imagenet_bs256.py`, `Base-RCNN-FPN.yaml`): a fragment, judged inside its children.
    A complete config that another one inherits from (`faster_rcnn_R_50_1x.yaml`) is judged on its own too."""
    used = frozenset(path for spec in runs for path in spec.files | spec.configs)
    candidates = [
        path for path, file in sorted(index.files.items()) if path not in used and (
            is_python_config(file) if file.language == "python" else file.language != "shell" and is_training_config(path)
        )
    ]
    parts = {part for path in candidates for part in composer.compose(path).files if part != path and _is_base(part)}
    for path in candidates:
        if path not in parts:
            composed = composer.compose(path).files
            yield RunSpec(None, None, None, frozenset(), frozenset(composed | {path}), frozenset({path}), (), frozenset({path}))


_BASE_FOLDERS = frozenset({"_base_", "base", "bases", "common", "defaults"})


def _is_base(path: str) -> bool:
    """A fragment meant to be inherited: in a `_base_`/`common` folder, or named `Base-*`/`base*`."""
    parts = path.lower().split("/")
    return bool(set(parts[:-1]) & _BASE_FOLDERS) or parts[-1].startswith(("base", "_base"))


def _is_entry(index: FactIndex, path: str) -> bool:
    """A program: a notebook, a main guard, `@hydra.main`, a Lightning CLI, or module-level code that trains or
    runs a model."""
    if path.endswith(".ipynb"):
        return True  # a notebook is run top to bottom by whoever opens it: nothing imports it
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
    """Config files a launch line passes: `train.py config/a.py`, `--config x.yaml`, `--deepspeed ds.json`, and
    the launcher's own (`accelerate launch --config_file zero3.yaml`)."""
    here = _launch_folder(launcher, command)
    for argument in (*command.options, *command.arguments):
        written = argument.value.value
        if not isinstance(written, str) or not written.endswith((*CONFIG_SUFFIXES, ".py")):
            continue
        found = index.find_file(written, here, python=written.endswith(".py"))
        if found is not None and found != script:
            yield found
