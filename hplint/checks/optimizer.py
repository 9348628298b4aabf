"""HP1xx: optimisation hyperparameters (batch size, learning rate, schedules, early stopping)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterator, Mapping
from typing import Any

from hplint import catalogue
from hplint.checks import Rule
from hplint.checks.loops import learns, loop_body
from hplint.diagnostics import Diagnostic, Severity
from hplint.facts import Call, Location, Operation
from hplint.project import Project, Run, Setting


_FACTOR_NAMES = {"grad_accum": "accumulation steps", "devices": "devices", "nodes": "nodes"}


def _number(setting: Setting) -> float | None:
    value = setting.value.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def format_number(value: object) -> str:
    """`2.0`, `0.0003`, `1e-05`, `256`: short, and a float still reads as a float."""
    if isinstance(value, float):
        text = f"{value:g}"
        return text if any(mark in text for mark in ".eninf") else f"{text}.0"
    return str(value)


def _described(setting: Setting, label: str) -> str:
    """`DataLoader batch_size=256 via BATCH_SIZE (used at train.py:30)`, `SGD lr=2.0`, `lr=3.0 (key optim.lr)`.

    The finding sits where the value is written, so the message names the chain and the use.
    """
    value = f"{label}={format_number(setting.value.value)}"
    if setting.in_config:
        chain = " ← ".join(hop.description for hop in setting.value.chain)
        return f"{value} (key {setting.consumer} via {chain})" if chain else f"{value} (key {setting.consumer})"
    chain = " ← ".join(hop.description for hop in setting.value.chain)
    if not chain:
        return f"{setting.consumer} {value}"
    return f"{setting.consumer} {value} via {chain} (used at {setting.use})"


def _once_per_value(settings: list[Setting], role: str | None = None) -> Iterator[Setting]:
    """One finding per place a value is written, however many places use it.

    A value that code consumes is described by its use in code (a config key read by
    `DataLoader(batch_size=cfg.data.batch_size)` is "used by DataLoader"), and only those uses
    decide its role: the same key read by an evaluation loader is not a training batch.
    """
    by_origin: dict[Location, list[Setting]] = {}
    for setting in settings:
        by_origin.setdefault(setting.value.origin, []).append(setting)
    for uses in by_origin.values():
        in_code = [setting for setting in uses if not setting.in_config] or uses
        if role is not None:
            in_code = [setting for setting in in_code if setting.role == role]
        if in_code:
            yield min(in_code, key=lambda s: (s.use.path, s.use.line, s.use.column))


class LargeBatch(Rule):
    code = "HP101"
    name = "large-batch"
    severity = Severity.INFO
    summary = "samples per optimizer step above max (per device × accumulation × devices)"
    options = {"max": 32}
    related_places = "where the value is used"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        limit = options["max"]
        steps = [setting for setting in project.settings("global_batch_size") if setting.in_config or project.trains]
        for setting in _once_per_value(steps, role="train"):
            size = _number(setting)
            if size is not None and size > limit:
                yield self.at_value(
                    f"{_described(setting, setting.consumer.rpartition('.')[2])} is the global batch: "
                    f"{format_number(size)} samples per optimizer step, {_ADVICE.format(limit=limit)}",
                    setting.value, setting.use,
                )
        with_step_batch = {setting.group for setting in steps}
        candidates = [
            setting for setting in project.settings("batch_size")
            if (setting.in_config or project.trains) and setting.group not in with_step_batch
            and _feeds_optimizer_steps(project, setting)
        ]
        for setting in _once_per_value(candidates, role="train"):
            size = _number(setting)
            if size is None:
                continue
            factors = project.batch_factors(setting)
            unknown = project.unknown_factors(setting)
            total = math.prod([size, *(factor.value.value for factor in factors)])  # type: ignore[misc]
            if total <= limit:
                continue
            product = "".join(f" × {factor.value.value} {_factor_source(factor)}" for factor in factors)
            product += "".join(f" × unknown {_FACTOR_NAMES[name]} ({where})" for name, where in unknown)
            equals = "≥" if unknown else "="
            per_step = f": {format_number(size)} per device{product} {equals} {format_number(total)}" if product else (
                f": {format_number(total)}"
            )
            yield self.at_value(
                f"{_described(setting, 'batch_size')}{per_step} samples per optimizer step, {_ADVICE.format(limit=limit)}",
                setting.value,
                setting.use,
            )


_ADVICE = (
    "above {limit}: small batches often generalise better (Masters & Luschi); to keep it large, scale the lr "
    "with the batch and warm up (Goyal et al.)"
)


def _feeds_optimizer_steps(run: Run, setting: Setting) -> bool:
    """A loader feeds steps unless every loop over it in the run learns nothing (a demo loop, a data check)."""
    call = run.call_at(setting.use) if not setting.in_config else None
    if call is None or call.api not in catalogue.DATA_LOADERS or not call.target:
        return True
    loops = [loop for loop in run.operations_of_kind("loop") if loop.subject.rpartition(".")[2] == call.target]
    return not loops or any(
        learns(loop_body(run.operations(loop.location.path, loop.scope), loop)) for loop in loops
    )


def _factor_source(factor: Setting) -> str:
    """`8 devices (launch.sh:3)`, `8 devices (from the config's name 8xb32)`, `4 accumulation steps (train.py:9)`."""
    name = _FACTOR_NAMES[factor.hyperparameter]
    if factor.consumer.startswith("the config's name"):
        return f"{name} (from {factor.consumer})"
    return f"{name} ({factor.value.origin})"


class LearningRateOutOfRange(Rule):
    code = "HP103"
    name = "lr-out-of-range"
    severity = Severity.WARNING
    summary = "learning rate outside [min, max]; zero or negative is an error"
    options = {"min": 1e-6, "max": 1.0, "fine-tune-min": 1e-7}
    related_places = "where the value is used"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        high = options["max"]
        # A pretrained model moves with far smaller steps: DPO recipes train 7B models at 5e-7.
        fine_tunes = _fine_tunes(project)
        low = options["fine-tune-min"] if fine_tunes else options["min"]
        for setting in _once_per_value(project.settings("lr")):
            lr = _number(setting)
            if lr is None:
                continue
            described = _described(setting, "lr")
            if lr <= 0:
                yield self.at_value(
                    f"{described} is not positive: nothing is learned; start from 0.01 (SGD) or 1e-3 (Adam)",
                    setting.value, setting.use, Severity.ERROR,
                )
            elif lr > high and project.optimizer_of(setting) not in catalogue.LAYERWISE_SCALED_OPTIMIZERS:
                yield self.at_value(
                    f"{described} is above {format_number(high)}: updates overshoot and the loss diverges; "
                    "try log-spaced values from 0.1 down",
                    setting.value, setting.use,
                )
            elif lr < low:
                below = f"below {format_number(low)}" + (" even for fine-tuning a pretrained model" if fine_tunes else "")
                yield self.at_value(
                    f"{described} is {below}: training barely moves; try log-spaced values from 0.1 down",
                    setting.value, setting.use,
                )


_PRETRAINED_KEYS = frozenset({"model_name_or_path", "pretrained_model_name_or_path", "base_model", "init_from"})


def _fine_tunes(run: Run) -> bool:
    """The run starts from pretrained weights: `from_pretrained(...)`, or a config naming the model to load."""
    if any(call.api.endswith(".from_pretrained") for _, call in run.all_of(Call)):
        return True
    return any(
        keys[-1].lower() in _PRETRAINED_KEYS and isinstance(value.value, str) and value.value not in ("", "scratch", "resume")
        for keys, value in run.config_leaves()
    )


class BatchNotPowerOfTwo(Rule):
    code = "HP102"
    name = "batch-not-power-of-two"
    severity = Severity.INFO
    summary = "training batch size that is not a power of two"
    default_enabled = False  # a matter of speed on some hardware, not of training: off unless selected
    related_places = "where the value is used"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        candidates = [setting for setting in project.settings("batch_size") if setting.in_config or project.trains]
        for setting in _once_per_value(candidates, role="train"):
            size = _number(setting)
            if not isinstance(size, int) or size <= 0 or size & (size - 1) == 0:
                continue
            below = 1 << (size.bit_length() - 1)
            yield self.at_value(
                f"{_described(setting, 'batch_size')} is not a power of two; {below} or {below * 2} maps better "
                "onto GPU memory and kernels",
                setting.value,
                setting.use,
            )


class AdaptiveLearningRateTooHigh(Rule):
    code = "HP104"
    name = "adaptive-lr-too-high"
    severity = Severity.WARNING
    summary = "Adam-family optimizer with lr far above its own default"
    options = {"factor": 10.0}
    related_places = "where the value is used"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        factor = options["factor"]
        for setting in _once_per_value(project.settings("lr")):
            lr = _number(setting)
            optimizer = project.optimizer_of(setting)
            default = catalogue.ADAPTIVE_DEFAULT_LR.get(optimizer or "")
            if lr is None or default is None or lr <= factor * default:
                continue
            yield self.at_value(
                f"{_described(setting, 'lr')} is {lr / default:.0f}× {optimizer}'s default {format_number(default)}; adaptive "
                f"optimizers scale steps themselves, try {format_number(default)} to {format_number(default * 0.3)}",
                setting.value,
                setting.use,
            )


def _training_epochs(project: Project) -> Setting | None:
    """The number of epochs the project trains, when one value is known."""
    epochs = [setting for setting in project.settings("epochs") if setting.role == "train" and _number(setting)]
    values = {_number(setting) for setting in epochs}
    return epochs[0] if len(values) == 1 else None


def _has_schedule(project: Run) -> bool:
    if any(call.api.startswith(catalogue.SCHEDULER_MODULES) for _, call in project.all_of(Call)):
        return True
    if any(op.kind in ("scheduler_step", "lr_assignment") for _, op in project.all_of(Operation)):
        return True
    for setting in project.settings("lr"):
        if not setting.in_config and setting.consumer in catalogue.TRAINING_ARGUMENTS_SHORT:
            return True  # Hugging Face decays linearly unless told otherwise
    return any(
        any(key.lower() in catalogue.SCHEDULE_CONFIG_KEYS for key in keys) and value.value not in ("constant", None)
        for keys, value in project.config_leaves()
    )


class ConstantLearningRate(Rule):
    code = "HP105"
    name = "constant-lr"
    severity = Severity.INFO
    summary = "plain SGD trained for many epochs with no learning-rate schedule"
    options = {"min-epochs": 10}
    related_places = "where the number of epochs is written"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        if project.is_library:
            return
        epochs = _training_epochs(project)
        if epochs is None or (_number(epochs) or 0) < options["min-epochs"] or _has_schedule(project):
            return
        optimizers = _optimizers(project)
        if not optimizers or any(name not in catalogue.NON_ADAPTIVE_OPTIMIZERS for name, _ in optimizers):
            return  # no optimizer known, or an adaptive one may be the one that runs
        name, where = optimizers[0]
        yield self.diagnostic(
            f"{name} trains for {format_number(_number(epochs))} epochs ({epochs.value.origin}) at a "
            "constant learning rate; SGD needs a decaying step size to settle (Robbins–Monro): add a "
            "schedule such as StepLR or CosineAnnealingLR",
            where,
            epochs.value.origin,
        )


def _optimizers(run: Run) -> list[tuple[str, Location]]:
    """The optimizers a run builds: in code, or named in its configs (placed at their lr)."""
    found = [
        (call.api.rpartition(".")[2], call.location)
        for call in sorted(run.calls(catalogue.OPTIMIZERS), key=lambda call: (call.location.path, call.location.line))
    ]
    for setting in run.settings("lr"):
        if setting.in_config:
            name = run.optimizer_of(setting)
            if name is not None:
                found.append((name, setting.value.origin))
    return found


class LearningRateVanishes(Rule):
    code = "HP106"
    name = "lr-vanishes"
    severity = Severity.WARNING
    summary = "a schedule that drives the lr to nothing early in training"
    options = {"floor": 1e-3, "at": 0.5}
    related_places = "where the number of epochs is written"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        epochs = _training_epochs(project)
        total = _number(epochs) if epochs is not None else None
        if not total:
            return
        floor, at = options["floor"], options["at"]
        for schedule in [*_code_schedules(project), *_config_schedules(project)]:
            described = _decay(schedule, floor)
            if described is None:
                continue
            text, steps = described
            if steps >= at * total:
                continue
            yield self.diagnostic(
                f"{text} over {format_number(total)} epochs ({epochs.value.origin}): lr falls below "
                f"{format_number(floor)} × initial after {steps} {'epochs' if schedule.per_epoch else 'scheduler steps'}, "
                f"before {at:.0%} of training; the steps must not sum to a finite value (Robbins–Monro): "
                "decay more slowly or later",
                schedule.location,
                epochs.value.origin,
            )


@dataclass(frozen=True)
class _Schedule:
    """A decaying schedule as written: its class, its parameters, where, and whether it steps once per epoch."""

    name: str  # StepLR | MultiStepLR | ExponentialLR
    gamma: object
    step_size: object
    milestones: object
    location: Location
    per_epoch: bool


def _code_schedules(run: Run) -> Iterator[_Schedule]:
    for call in run.calls(catalogue.DECAYING_SCHEDULERS):
        short = call.api.rpartition(".")[2]
        path = call.location.path
        gamma = run.resolve(call.argument("gamma", 2 if short != "ExponentialLR" else 1), path)
        step = run.resolve(call.argument("step_size", 1), path)
        milestones = run.resolve(call.argument("milestones", 1), path)
        yield _Schedule(
            short, gamma.value if gamma is not None else _DEFAULT_GAMMA.get(short),
            step.value if step is not None else None, milestones.value if milestones is not None else None,
            call.location, _per_epoch(run, call),
        )


def _config_schedules(run: Run) -> Iterator[_Schedule]:
    """`lr_scheduler: {class_path: ...StepLR, init_args: {step_size: 10}}`, MMEngine's `param_scheduler`, ..."""
    leaves = dict(run.config_leaves())
    for keys, value in leaves.items():
        short = str(value.value).rpartition(".")[2]
        if keys[-1] not in _CLASS_KEYS or short not in _DECAYING:
            continue
        section = keys[:-1]
        found = {
            candidate[-1]: item.value for candidate, item in leaves.items()
            if candidate[:-1] in (section, section + ("init_args",), section + ("params",), section + ("args",))
        }
        milestones = tuple(
            item.value for candidate, item in sorted(leaves.items(), key=lambda pair: pair[0])
            if candidate[:-1] in (section + ("milestones",), section + ("init_args", "milestones"))
        ) or None
        per_epoch = found.get("by_epoch", True) is not False and found.get("interval", "epoch") == "epoch"
        yield _Schedule(
            short, found.get("gamma", _DEFAULT_GAMMA.get(short)), found.get("step_size"), milestones,
            value.origin, per_epoch,
        )


_DECAYING = frozenset({"StepLR", "MultiStepLR", "ExponentialLR"})
_DEFAULT_GAMMA = {"StepLR": 0.1, "MultiStepLR": 0.1}
_CLASS_KEYS = frozenset({"type", "name", "class_path", "_target_"})


def _decay(schedule: _Schedule, floor: float) -> tuple[str, int] | None:
    """`("ExponentialLR(gamma=0.5)", 10)`: the schedule and the step its factor drops below the floor."""
    gamma = schedule.gamma
    if not isinstance(gamma, (int, float)) or isinstance(gamma, bool) or not 0 < gamma < 1:
        return None
    # The first step whose factor gamma**k is strictly below the floor (thresholds are strict).
    decays = math.floor(math.log(floor) / math.log(gamma) + 1e-9) + 1
    if schedule.name == "ExponentialLR":
        return f"ExponentialLR(gamma={format_number(gamma)})", decays
    if schedule.name == "StepLR":
        step = schedule.step_size
        if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
            return None
        return f"StepLR(step_size={step}, gamma={format_number(gamma)})", decays * step
    milestones = schedule.milestones
    if not isinstance(milestones, tuple) or len(milestones) < decays or not all(
        isinstance(item, (int, float)) and not isinstance(item, bool) for item in milestones
    ):
        return None
    at = sorted(milestones)[decays - 1]  # type: ignore[type-var]
    return f"MultiStepLR(milestones={list(milestones)}, gamma={format_number(gamma)})", int(at)  # type: ignore[arg-type]


def _per_epoch(project: Run, call: Call) -> bool:
    """A scheduler stepped inside a loop over batches, or given to Lightning with interval="step", steps per
    batch; otherwise per epoch."""
    if any(op.subject == call.target for op in project.operations_of_kind("scheduler_per_step")):
        return False
    for op in project.operations_of_kind("scheduler_step"):
        if call.target is None or op.subject.rpartition(".")[2] == call.target:
            return all(loop.startswith("range(") or "epoch" in loop.lower() for loop in op.loops)
    return True


class NoEarlyStopping(Rule):
    code = "HP107"
    name = "no-early-stopping"
    severity = Severity.INFO
    summary = "long training that monitors validation but neither stops early nor keeps the best checkpoint"
    options = {"min-epochs": 50}
    related_places = "where the value is used"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        if project.is_library:
            return
        from hplint.checks.training import holds_out

        epochs = _training_epochs(project)
        if epochs is None or (_number(epochs) or 0) < options["min-epochs"] or not holds_out(project):
            return
        if _stops_early_or_keeps_best(project):
            return
        yield self.at_value(
            f"{format_number(_number(epochs))} epochs ({epochs.describe_use()}) with a validation set but no early "
            "stopping and no best-checkpoint: the last epoch is rarely the best one; stop on the validation "
            "loss (EarlyStopping) or keep the best checkpoint (ModelCheckpoint(monitor=...), load_best_model_at_end)",
            epochs.value,
            epochs.use,
        )




def _stops_early_or_keeps_best(project: Run) -> bool:
    for _, call in project.all_of(Call):
        if call.api in catalogue.EARLY_STOPPING:
            return True
        if call.api in catalogue.CHECKPOINTS and call.argument("monitor") is not None:
            return True
        if call.api in catalogue.TRAINING_ARGUMENTS:
            best = project.resolve(call.argument("load_best_model_at_end"), call.location.path)
            if best is not None and best.value is True:
                return True
    for _, op in project.all_of(Operation):
        text = f"{op.subject} {op.condition}".lower()
        if op.kind in ("save", "condition") and any(word in text for word in catalogue.STOPPING_WORDS):
            return True
    if any(_early_stopping_key(project, setting) for setting in project.settings("patience")):
        return True
    for keys, value in project.config_leaves():
        joined = ".".join(keys).lower()
        if "earlystopping" in str(value.value).lower() or "early_stop" in joined or (
            keys[-1] == "load_best_model_at_end" and value.value is True
        ) or ("checkpoint" in joined and keys[-1] == "monitor" and value.value):
            return True
    return False


class ImpatientEarlyStopping(Rule):
    code = "HP108"
    name = "early-stopping-impatient"
    severity = Severity.WARNING
    summary = "early stopping whose patience stops on the first bump of a noisy validation curve"
    options = {"min": 3}
    related_places = "where the value is used"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        minimum = options["min"]
        reported: set[Location] = set()
        for call in project.calls(catalogue.EARLY_STOPPING):
            keyword, position, default = catalogue.EARLY_STOPPING[call.api]
            written = call.argument(keyword, position)
            value = project.resolve(written, call.location.path) if written is not None else None
            patience = value.value if value is not None else (default if written is None else None)
            if not isinstance(patience, int) or isinstance(patience, bool) or patience >= minimum:
                continue
            where = value.origin if value is not None else call.location
            reported.add(where)
            how = f"{keyword}={patience}" if written is not None else f"the default {keyword}={patience}"
            yield self.diagnostic(
                f"{call.api.rpartition('.')[2]} with {how} stops on the first bump of a noisy validation curve; "
                f"wait a few epochs: {keyword}={minimum} or more",
                where,
                call.location if value is not None and value.chain else None,
            )
        for setting in _once_per_value(project.settings("patience")):
            patience = _number(setting)
            if not setting.in_config or patience is None or patience >= minimum or setting.value.origin in reported:
                continue
            if not _early_stopping_key(project, setting):
                continue
            yield self.diagnostic(
                f"{_described(setting, 'patience')} stops on the first bump of a noisy validation curve; "
                f"wait a few epochs: patience={minimum} or more",
                setting.value.origin,
            )


def _early_stopping_key(project: Run, setting: Setting) -> bool:
    """`early_stopping.patience`, `early_stopping_patience`, or a callback whose class_path is an EarlyStopping."""
    if "early" in setting.consumer.lower():
        return True
    keys = tuple(setting.consumer.split("."))
    if setting.in_config and len(keys) >= 2 and keys[-2] == "init_args":
        class_path = project.config_of(setting).get(keys[:-2] + ("class_path",))
        return class_path is not None and "earlystopping" in str(class_path.value).lower()
    return False
