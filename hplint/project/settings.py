"""The hyperparameters of one run: what its code, configs and launch line set, and what consumes them.

A batch's factors (gradient accumulation, devices) come from the same run only: from the same
call, config file or launch line when one sets them, otherwise from one value the run shares.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from dataclasses import dataclass

from hplint import catalogue
from hplint.catalogue import names_evaluation
from hplint.facts import ArgumentDef, Call, Expr, Hop, Location, Operation, Scalar, Value
from hplint.project.compose import Composed
from hplint.project.configs import key_hyperparameter
from hplint.project.index import FactIndex
from hplint.project.runs import RunSpec
from hplint.project.values import Resolver, written_name

_MIN_TRAINING_KEYS = 2
_FACTORS = ("grad_accum", "devices", "nodes")  # what multiplies a per-device batch into the step's batch
# Keys that name an optimizer in a config section.
_OPTIMIZER_KEYS = frozenset({"name", "type", "class_path", "_target_", "optimizer", "optim", "optimizer_name"})


@dataclass(frozen=True, slots=True)
class Setting:
    """A hyperparameter value and what consumes it."""

    hyperparameter: str
    value: Value
    consumer: str  # DataLoader, SGD, TrainingArguments, or the config key path
    use: Location  # the call, or the config key
    role: str  # train | eval
    in_config: bool  # set by a config file rather than by code
    group: str  # settings that configure one program together: the same call, config file or launch line

    def describe_use(self) -> str:
        if self.in_config:
            return f"key {self.consumer}"
        return f"{self.consumer} at {self.use}"


class RunSettings:
    def __init__(
        self, index: FactIndex, resolver: Resolver, run: RunSpec,
        is_training_config: Callable[[str], bool],
    ) -> None:
        self._index = index
        self._resolver = resolver
        self._run = run
        self._is_training_config = is_training_config
        self._all: tuple[Setting, ...] | None = None
        self._configs: list[Composed] | None = None
        # Factors of the step's batch the run sets to what no reader can know: (hyperparameter, where, group).
        self._unknown: list[tuple[str, Location, str]] = []

    def of(self, hyperparameter: str) -> list[Setting]:
        if self._all is None:
            self._all = tuple(self._collect())
        return [setting for setting in self._all if setting.hyperparameter == hyperparameter]

    def _collect(self) -> Iterator[Setting]:
        for path in sorted(self._run.files):
            for call in self._index.of_type(path, Call):
                yield from self._settings_of_call(call)
        for composed in self.configs():
            yield from self._settings_of_composed(composed)
        yield from self._settings_of_launch()
        yield from self._settings_of_loops()

    def configs(self) -> list[Composed]:
        """The configs the run reads, each composed: every document of its roots, or, for a script with
        nanoGPT's configurator, its own values overridden by the config files of the launch line."""
        if self._configs is None:
            composer = self._resolver.composer
            entry = self._run.entry
            configs: list[Composed] = []
            configurator = entry is not None and bool(self._index.operations_of_kind(entry, "exec_file"))
            if configurator:
                assert entry is not None
                configs.append(composer.configurator(entry, [root for root in self._run.launched if self._index.is_python(root)]))
            layered = self._layered_configs()
            if len(layered) > 1:
                configs.append(composer.layered(layered))
            for root in sorted(self._run.roots):
                if not (configurator and self._index.is_python(root)) and root not in layered:
                    configs.extend(composer.documents(root))
            self._configs = configs
        return self._configs

    def _settings_of_call(self, call: Call) -> Iterator[Setting]:
        short = call.api.rpartition(".")[2]
        if call.api in catalogue.DATA_LOADERS:
            dataset = call.argument("dataset", 0)
            evaluation = names_evaluation(call.target) or names_evaluation(call.scope) or (
                dataset is not None and names_evaluation(written_name(dataset))
            )
            role = "eval" if evaluation else "train"
            yield from self._setting(call, "batch_size", call.argument("batch_size", 1), short, role)
        elif call.api in catalogue.OPTIMIZERS:
            yield from self._setting(call, "lr", call.argument("lr", 1), short, "train")
        elif call.api in catalogue.TRAINING_ARGUMENTS:
            for keyword, expr in call.keywords:
                hyperparameter = catalogue.hyperparameter_for_key(keyword)
                if hyperparameter is not None:
                    role = "eval" if hyperparameter == "eval_batch_size" else "train"
                    yield from self._setting(call, hyperparameter, expr, short, role)
        elif call.api in catalogue.CALL_HYPERPARAMETERS:
            for keyword, hyperparameter in catalogue.CALL_HYPERPARAMETERS[call.api].items():
                yield from self._setting(call, hyperparameter, call.argument(keyword), short, "train")

    def _setting(self, call: Call, hyperparameter: str, expr: Expr | None, consumer: str, role: str) -> Iterator[Setting]:
        value = self._resolver.resolve(expr, call.location.path)
        if expr is not None and hyperparameter in _FACTORS and not _is_count(value.value if value else None):
            self._unknown.append((hyperparameter, value.origin if value else call.location, str(call.location)))
        if value is not None and _is_number(value.value):
            group = self._launch_group(value) or str(call.location)
            yield Setting(hyperparameter, value, consumer, call.location, role, in_config=False, group=group)

    def _launch_group(self, value: Value) -> str | None:
        """A value the launch line passes belongs with the launch's devices."""
        launch = self._run.launch
        if launch is not None and value.origin.path == self._run.launcher:
            return f"launch:{launch.location}"
        return None

    def _layered_configs(self) -> list[str]:
        """A Lightning CLI launched with `--config a.yaml --config b.yaml`: b is applied over a."""
        launch, entry = self._run.launch, self._run.entry
        if launch is None or entry is None or not any(
            call.api.endswith("LightningCLI") for call in self._index.of_type(entry, Call)
        ):
            return []
        return [path for path in self._run.launched if not self._index.is_python(path)]

    def _settings_of_composed(self, composed: Composed) -> Iterator[Setting]:
        """The hyperparameters of a config as its framework composes it, each where it is written."""
        root = composed.root
        group = root if composed.document == 0 else f"{root}#{composed.document}"
        deepspeed = any(keys[0] in catalogue.DEEPSPEED_KEYS for keys in composed.leaves)
        multiplier = _inverse_sqrt_schedule(composed)
        found = []
        for keys, value in composed.leaves.items():
            hyperparameter = key_hyperparameter(keys, value.value) or _listed_lr(keys, value.value)
            if hyperparameter is None or not (_is_number(value.value) or hyperparameter == "optimizer"):
                continue
            if hyperparameter == "lr" and multiplier is not None:
                peak = _peak(value, multiplier)
                if peak is None:
                    continue  # a multiplier whose peak cannot be computed: no rate to judge
                value = peak
            found.append((keys, _global_in_deepspeed(hyperparameter, keys, deepspeed), value))
        if not self._reads_as_training(root, {hyperparameter for _, hyperparameter, _ in found}):
            return
        self._unknown.extend(
            (name, where, group) for keys, where in composed.unknown
            if (name := catalogue.hyperparameter_for_key(keys[-1])) in _FACTORS
        )
        self._unknown.extend(
            (hyperparameter, value.origin, group) for keys, hyperparameter, value in found
            if hyperparameter in _FACTORS and not _is_count(value.value)
        )
        for keys, hyperparameter, value in found:
            role = "eval" if hyperparameter == "eval_batch_size" or any(names_evaluation(key) for key in keys[:-1]) else "train"
            use = value.chain[0].location if value.chain else value.origin
            yield Setting(hyperparameter, value, ".".join(keys), use, role, in_config=True, group=group)
        devices = _devices_in_name(root)
        if found and devices is not None:
            yield Setting("devices", devices, f"the config's name {PurePosixPath(root).stem}", devices.origin, "train",
                          in_config=True, group=group)

    def _reads_as_training(self, root: str, hyperparameters: set[str]) -> bool:
        """A config a program loads or is launched with, or one that sets two distinct hyperparameters once composed."""
        if self._run.is_program:
            return True
        return (not self._index.is_python(root) and self._is_training_config(root)) or len(hyperparameters) >= _MIN_TRAINING_KEYS

    def _settings_of_launch(self) -> Iterator[Setting]:
        """The devices a launch line starts, and the TrainingArguments it passes to an HfArgumentParser script."""
        launch = self._run.launch
        if launch is None:
            return
        group = f"launch:{launch.location}"
        if launch.devices is not None and _is_number(launch.devices.value):
            devices = Value(launch.devices.value, launch.devices.location, ())
            yield Setting("devices", devices, f"launch of {launch.script}", launch.location, "train", in_config=False, group=group)
        elif launch.devices is not None:
            self._unknown.append(("devices", launch.devices.location, group))  # `--nproc_per_node $NGPU`
        if not any(call.api in catalogue.ARGUMENT_DATACLASS_PARSERS for path in self._run.files for call in self._index.of_type(path, Call)):
            return
        parsed = {definition.flag for path in self._run.files for definition in self._index.of_type(path, ArgumentDef)}
        for argument in launch.arguments:
            hyperparameter = catalogue.hyperparameter_for_key(argument.name.lstrip("-").replace("-", "_"))
            if hyperparameter is None or argument.name in parsed:
                continue  # not a TrainingArguments field, or an argparse option the code reads itself
            if not _is_number(argument.value.value):
                if hyperparameter in _FACTORS:
                    self._unknown.append((hyperparameter, argument.value.location, group))
                continue
            hops = (Hop(argument.name, argument.value.location),) + ((Hop(argument.variable, argument.value.location),) if argument.variable else ())
            value = Value(argument.value.value, argument.value.location, hops)
            role = "eval" if hyperparameter == "eval_batch_size" else "train"
            yield Setting(hyperparameter, value, "TrainingArguments", launch.location, role, in_config=False, group=group)

    def _settings_of_loops(self) -> Iterator[Setting]:
        """`for epoch in range(EPOCHS)`: the number of epochs a manual loop trains."""
        for path in sorted(self._run.files):
            for op in self._index.of_type(path, Operation):
                if op.kind == "loop" and op.value is not None and "epoch" in op.target.lower():
                    value = self._resolver.resolve(op.value, path)
                    if value is not None and _is_number(value.value):
                        yield Setting("epochs", value, "training loop", op.location, "train", in_config=False, group=path)

    def unknown_factors(self, batch: Setting) -> list[tuple[str, Location]]:
        """Factors the run sets for this batch to what no reader can know (`accumulate_grad_batches=args.acc`,
        `devices: auto`): the step's batch is then only known to be at least the product of the rest."""
        self.of(batch.hyperparameter)
        known = {factor.hyperparameter for factor in self.batch_factors(batch)}
        found: dict[str, Location] = {}
        for name, where, group in self._unknown:
            if name not in known and (group == batch.group or not any(setting.group == batch.group for setting in self.of(name))):
                found.setdefault(name, where)
        return sorted(found.items())

    def batch_factors(self, batch: Setting) -> tuple[Setting, ...]:
        """Gradient accumulation and device count that multiply a per-device batch, when known.

        A factor set in the same call, config file or launch as the batch wins; otherwise one
        value shared by the run. Device counts only count when written as numbers.
        """
        if batch.hyperparameter == "global_batch_size":
            return ()
        factors = []
        for name in _FACTORS:
            candidates = [
                setting for setting in self.of(name)
                if setting.role == "train" and _is_count(setting.value.value)
                and not (name == "devices" and setting.value.chain and not setting.in_config)  # GPUS = 4: not a literal
            ]
            pool = [setting for setting in candidates if setting.group == batch.group and _applies_to(setting, batch)]
            if not pool and any(setting.group == batch.group for setting in candidates):
                continue  # the batch's own config sets it elsewhere: for another section
            pool = pool or candidates
            if len({setting.value.value for setting in pool}) == 1 and pool[0].value.value > 1:  # type: ignore[operator]
                factors.append(pool[0])
        return tuple(factors)


def optimizer_of(index: FactIndex, resolver: Resolver, setting: Setting) -> str | None:
    """The optimizer (torch.optim class name) a learning-rate setting belongs to, when written."""
    if not setting.in_config:
        if setting.consumer in catalogue.TRAINING_ARGUMENTS_SHORT:
            call = index.call_at(setting.use)
            chosen = resolver.resolve(call.argument("optim"), setting.use.path) if call is not None else None
            return catalogue.optimizer_named(str(chosen.value)) if chosen is not None else "AdamW"
        return catalogue.optimizer_named(setting.consumer)
    keys = tuple(setting.consumer.split("."))
    best: tuple[int, str] | None = None
    for candidate, value in resolver.composer.of_group(setting.group).leaves.items():
        if candidate[-1].lower() not in _OPTIMIZER_KEYS or not isinstance(value.value, str):
            continue
        name = catalogue.optimizer_named(value.value)
        parent = candidate[:-1]
        if name is not None and keys[: len(parent)] == parent and (best is None or len(parent) > best[0]):
            best = (len(parent), name)
    return best[1] if best is not None else None


_DEVICES_IN_NAME = re.compile(r"(?:^|[_-])(\d+)xb(\d+)(?:[_-]|$)")


def _devices_in_name(path: str) -> Value | None:
    """MMEngine's naming: `resnet50_8xb32_in1k.py` trains on 8 GPUs with 32 samples each."""
    match = _DEVICES_IN_NAME.search(PurePosixPath(path).stem)
    if match is None or int(match.group(1)) < 1:
        return None
    return Value(int(match.group(1)), Location(path, 1, 1, 1, 1), ())


def _listed_lr(keys: tuple[str, ...], value: Scalar) -> str | None:
    """`lr: [0.1, 0.01]`: a learning rate per parameter group."""
    if len(keys) > 1 and keys[-1].isdigit() and catalogue.hyperparameter_for_key(keys[-2]) == "lr" and _is_number(value):
        return "lr"
    return None


def _inverse_sqrt_schedule(composed: Composed) -> dict[str, Value] | None:
    """A Noam / inverse-square-root schedule in the config: its section's keys (d_model, warmup_steps), else None."""
    for keys, value in composed.leaves.items():
        if keys[-1] in ("name", "type", "_target_", "class_path", "scheduler") and isinstance(value.value, str) and (
            catalogue.INVERSE_SQRT_SCHEDULE.search(value.value)
        ):
            section = keys[:-1]
            return {
                candidate[-1]: found for candidate, found in composed.leaves.items()
                if candidate[:-1] in (section, section + ("args",), section + ("init_args",))
            }
    return None


def _peak(lr: Value, schedule: dict[str, Value]) -> Value | None:
    """The highest rate an inverse-square-root schedule reaches: lr / sqrt(d_model · warmup)."""
    d_model = schedule.get("d_model") or schedule.get("model_size")
    warmup = schedule.get("warmup_steps") or schedule.get("warmup")
    if d_model is None or warmup is None or not _is_count(d_model.value) or not _is_count(warmup.value):
        return None
    peak = lr.value / math.sqrt(d_model.value * warmup.value)  # type: ignore[operator]
    hop = Hop(f"peak of the schedule: lr / sqrt(d_model {d_model.value} × warmup {warmup.value})", d_model.origin)
    return Value(peak, lr.origin, (hop,) + lr.chain)


def _global_in_deepspeed(hyperparameter: str, keys: tuple[str, ...], deepspeed: bool) -> str:
    """DeepSpeed's `train_batch_size` is every sample of a step; elsewhere it is usually per device."""
    if deepspeed and keys[-1].lower() == "train_batch_size" and len(keys) == 1:
        return "global_batch_size"
    return hyperparameter


def _applies_to(factor: Setting, batch: Setting) -> bool:
    """In one config, a factor counts for a batch in its own section (or above), or from a trainer section."""
    if not (factor.in_config and batch.in_config):
        return True
    section = tuple(factor.consumer.split("."))[:-1]
    return tuple(batch.consumer.split("."))[: len(section)] == section or any(
        part.lower() in ("trainer", "training", "runtime") for part in section
    )


def _is_count(value: Scalar) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_number(value: Scalar) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
