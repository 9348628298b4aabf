"""HP3xx: the training procedure (validation data, input normalisation, the training loop)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hplint import catalogue
from hplint.checks import Rule
from hplint.checks.loop_fixes import eval_mode_fix, no_grad_fix, zero_grad_fix
from hplint.checks.loops import LEARNING, loop_body
from hplint.diagnostics import Diagnostic, Severity
from hplint.facts import Call, Import, ModelDef, Operation, OptimizerParams
from hplint.catalogue import names_data, names_evaluation
from hplint.project import Project, Run, written_name

_ZEROING = frozenset({"zero_grad", "model_zero_grad", "grad_cleared"})
_EVAL_FUNCTION = re.compile(r"(^|_)(eval|evaluate|evaluation|validate|validation|val|test|predict|inference)(_|$)", re.IGNORECASE)
_HELD_OUT_SPLITS = re.compile(r"^(val|valid|validation|dev|test|eval)", re.IGNORECASE)
_SWITCHED_OFF = {"eval_strategy": "no", "evaluation_strategy": "no", "limit_val_batches": 0, "eval_period": 0}
_LIGHTNING_EVAL_HOOKS = ("validation_step", "test_step", "val_dataloader", "test_dataloader")
# Lightning (and callbacks' hooks) run these with the model in eval mode and gradients off.
_LIGHTNING_EVAL_MODE = re.compile(
    r"^(on_)?(validation|test|predict)_(step|epoch_start|epoch_end|batch_start|batch_end|start|end)$"
)
# Layers whose behaviour differs between train() and eval().
_MODE_DEPENDENT = re.compile(r"^(Dropout\w*|AlphaDropout|BatchNorm\w*|SyncBatchNorm|InstanceNorm\w*|dropout\w*|batch_norm)$")
_PRETRAINED_MODELS = ("torchvision.models.", "timm.create_model", "transformers.AutoModel")


class NoValidation(Rule):
    code = "HP301"
    name = "no-validation"
    severity = Severity.WARNING
    summary = "the project trains but holds out no validation or test data"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        if project.is_library:
            return
        if not project.trains or holds_out(project) or any(holds_out(other) for other in project.companions):
            return  # a test.py beside train.py that evaluates the same model holds out data for it
        if (
            _learns_from_an_environment(project) or _trains_adversarially(project) or _reads_no_dataset(project)
            or _optimises_inputs(project) or _shows_gradients(project)
        ):
            return  # nothing a validation split would be cut from, or samples judged by eye and FID
        # An optimizer step first, then a backward inside a loop (the training, not a gradient shown on the way).
        steps = sorted(
            project.trains, key=lambda op: (op.kind == "backward", not op.loops, op.location.path, op.location.line),
        )
        anchor = steps[0]
        yield self.diagnostic(
            f"the project trains ({anchor.subject}.{_CALLED[anchor.kind]}() at {anchor.location}) but holds out no "
            "data: no validation/test loader, split, eval_dataset or validation config; hold out a validation "
            "set to tune hyperparameters and to know when to stop",
            anchor.location,
        )


_CALLED = {"backward": "backward", "optimizer_step": "step", "fit": "fit", "trainer_train": "train"}
_ENVIRONMENTS = frozenset({"gym", "gymnasium", "pettingzoo", "dm_control", "procgen", "minigrid"})
_DISCRIMINATOR_WORDS = frozenset({"d", "dis", "disc", "discr", "discriminator", "netd", "critic"})
_RANDOM_TENSORS = frozenset({"torch.rand", "torch.randn", "torch.randint", "torch.rand_like", "torch.randn_like"})
_COUNTERS = re.compile(r"^(range|count|itertools\.count)\(|^while$")


def _learns_from_an_environment(project: Run) -> bool:
    """Reinforcement learning: the agent's data comes from an environment it acts in, not a dataset."""
    return any(imported.qualified.split(".")[0] in _ENVIRONMENTS for _, imported in project.all_of(Import))


def _trains_adversarially(project: Run) -> bool:
    """A GAN steps a discriminator (`optimizer_D.step()`, `d_loss.backward()`, `model_engineD.backward()`);
    generators are judged by their samples, and their recipes hold out nothing."""
    return any(
        op.kind in ("optimizer_step", "backward")
        and _DISCRIMINATOR_WORDS & {word.lower() for word in catalogue.name_words(op.subject.rpartition(".")[2])}
        for op in project.trains
    )


def _shows_gradients(project: Run) -> bool:
    """Autograd shown, not a model trained (a notebook's `a.backward()` then `print(x.grad)`): every backward
    outside any loop, and no optimizer step or fit."""
    return all(op.kind == "backward" and not op.loops for op in project.trains)


def _optimises_inputs(project: Run) -> bool:
    """Style transfer, adversarial examples: every optimizer holds tensors (`Adam([target])`), not a
    module's parameters, and no loader feeds it; the image is what is fitted, not a model."""
    built = [params for _, params in project.all_of(OptimizerParams)]
    if not built or any(params.kind != "tensors" for params in built):
        return False
    return not any(call.api in catalogue.DATA_LOADERS for _, call in project.all_of(Call))


def _reads_no_dataset(project: Run) -> bool:
    """Steps on random tensors (`torch.rand(20, 10)` in a distributed or profiling demo): no data loader and
    nothing loaded, random tensors drawn, and every step inside counted loops only."""
    apis = {call.api for _, call in project.all_of(Call)}
    if apis & catalogue.DATA_LOADERS or "torch.load" in apis or not apis & _RANDOM_TENSORS:
        return False
    return all(
        op.kind in ("backward", "optimizer_step") and all(_COUNTERS.match(loop) for loop in op.loops)
        for op in project.trains
    )


def holds_out(project: Run) -> bool:
    """Anything that holds out validation or test data: a split, a loader, eval_dataset, a config section.

    When the run switches evaluation off (eval_strategy "no", limit_val_batches 0, EVAL_PERIOD 0),
    only an evaluation the code runs itself counts.
    """
    if _evaluation_switched_off(project):
        return any(
            op.kind == "evaluates" or op.kind == "loop" and names_evaluation(op.subject)
            for _, op in project.all_of(Operation)
        )
    for _, call in project.all_of(Call):
        if _call_holds_out(call):
            return True
    for _, op in project.all_of(Operation):
        if op.kind in ("holds_out", "evaluates") or op.kind == "loop" and names_evaluation(op.subject):
            return True
        if op.kind == "held_out_name" and _names_held_out_data(op.subject):
            return True
        if op.scope.rpartition(".")[2] in _LIGHTNING_EVAL_HOOKS:
            return True
    return any(_key_holds_out(keys, value.value) for keys, value in project.config_leaves())


def _names_held_out_data(name: str) -> bool:
    """`val_loader`, `x_test`, `holdout`: a split. A bare `valid` is a GAN's label for real images, `val` a value."""
    words = catalogue.name_words(name)
    return len(words) > 1 or words[0].lower() in ("holdout", "heldout", "validation")


def _evaluation_switched_off(project: Run) -> bool:
    for _, call in project.all_of(Call):
        for keyword, value in call.keywords:
            if keyword.lower() in _SWITCHED_OFF or keyword == "EVAL_PERIOD":
                resolved = project.resolve(value, call.location.path)
                if resolved is not None and _is_off(keyword, resolved.value):
                    return True
    return any(
        (keys[-1].lower() in _SWITCHED_OFF or keys[-1] == "EVAL_PERIOD") and _is_off(keys[-1], value.value)
        for keys, value in project.config_leaves()
    )


def _is_off(key: str, value: object) -> bool:
    return value in ("no", "NO", 0) and not isinstance(value, bool) and key.lower() in (*_SWITCHED_OFF, "eval_period")


def _call_holds_out(call: Call) -> bool:
    if call.api in catalogue.DATA_SPLITS:
        return True
    if call.scope.rpartition(".")[2] in _LIGHTNING_EVAL_HOOKS:
        return True
    if call.api in catalogue.DATA_LOADERS and (
        names_evaluation(call.target) or any(names_evaluation(written_name(arg)) for arg in call.args[:1])
    ):
        return True
    for keyword, expr in call.keywords:
        value = getattr(expr, "value", None)
        if keyword in catalogue.HELD_OUT_KEYWORDS:
            return True
        if keyword == "train" and value is False:
            return True  # torchvision datasets: train=False is the test split
        if keyword == "split" and isinstance(value, str) and _HELD_OUT_SPLITS.match(value):
            return True
    return False


def _key_holds_out(keys: tuple[str, ...], value: object) -> bool:
    """`val_check_interval: 1.0`, `eval_strategy: epoch`, a `val:` or `test_dataloader:` section of a config."""
    key = keys[-1].lower()
    if key in _SWITCHED_OFF or keys[-1] == "EVAL_PERIOD":
        return value not in (_SWITCHED_OFF.get(key, 0), 0, "no", None)
    if key in ("val_check_interval", "eval_steps", "val_interval", "do_eval", "validation_split"):
        return value not in (0, False, None, "no")
    return any(names_evaluation(part) for part in keys[:-1] if not part.isdigit())


class InputNotNormalized(Rule):
    code = "HP302"
    name = "input-not-normalized"
    severity = Severity.INFO
    summary = "an image pipeline with ToTensor but without Normalize"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        if project.is_library:
            return
        calls = [call for _, call in project.all_of(Call)]
        if any(call.api.rpartition(".")[2].lower() == "normalize" and call.api.startswith("torchvision.") for call in calls):
            return
        to_tensor = sorted(
            (call for call in calls if call.api in catalogue.TO_TENSOR),
            key=lambda call: (call.location.path, call.location.line),
        )
        if to_tensor:
            first = to_tensor[0]
            yield self.diagnostic(
                "images are converted with ToTensor but never normalised: inputs in [0, 1] with a non-zero mean "
                "slow training; add transforms.Normalize(mean, std) after ToTensor",
                first.location,
            )


class MissingZeroGrad(Rule):
    code = "HP303"
    name = "missing-zero-grad"
    severity = Severity.ERROR
    summary = "a manual loop that calls backward() and step() but never zeroes gradients"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for path, scope, operations in project.functions():
            kinds = {op.kind for op in operations}
            if not LEARNING <= kinds or kinds & _ZEROING:
                continue
            if _clears_gradients_elsewhere(project, path, scope):
                continue
            step = next(op for op in operations if op.kind == "optimizer_step")
            backward = next(op for op in operations if op.kind == "backward")
            loop = _innermost_loop(operations, step)
            if loop is None:
                continue
            yield self.diagnostic(
                f"this loop calls {backward.subject}.backward() ({backward.location}) and {step.subject}.step() "
                f"({step.location}) but never clears gradients, so they add up across iterations; call "
                f"{step.subject}.zero_grad() before backward()",
                loop.location,
                fix=zero_grad_fix(operations, loop, step, backward),
            )


def _clears_gradients_elsewhere(project: Project, path: str, scope: str) -> bool:
    """A function it calls, or a caller around it, zeroes gradients (one level of callers, three of callees)."""
    seen = {(path, scope)}
    frontier = [(path, scope)]
    for _ in range(3):
        following = []
        for where, function in frontier:
            for callee in project.callees(where, function):
                if callee in seen:
                    continue
                seen.add(callee)
                if any(op.kind in _ZEROING for op in project.operations(*callee)):
                    return True
                following.append(callee)
        frontier = following
    for call in project.callers(path, scope):
        if any(op.kind in _ZEROING for op in project.operations(call.location.path, call.scope)):
            return True
    return False


def _innermost_loop(operations: list[Operation], inside: Operation) -> Operation | None:
    if not inside.loops:
        return None
    loops = [
        op for op in operations
        if op.kind == "loop" and op.subject == inside.loops[-1] and op.location.line <= inside.location.line
    ]
    return loops[-1] if loops else None


class OptimizerNotOnModel(Rule):
    code = "HP306"
    name = "optimizer-not-on-model"
    severity = Severity.ERROR
    summary = "an optimizer built over tensors that are not the trained model's parameters"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for _, params in project.all_of(OptimizerParams):
            optimizer = project.call_at(params.location)
            name = optimizer.api.rpartition(".")[2] if optimizer is not None else "the optimizer"
            if params.kind == "slices":
                yield self.diagnostic(
                    f"{name} is built over slices of {params.subject}, data rather than a model's parameters: "
                    "step() updates nothing the loss depends on, so the loss never changes; pass model.parameters() "
                    "(or tensors created with requires_grad=True)",
                    params.location,
                )
            elif params.kind == "new_tensors":
                yield self.diagnostic(
                    f"{name} is built over tensors created without requires_grad ({params.subject}): they get no "
                    "gradient, so step() never moves them; pass model.parameters() or create them with "
                    "requires_grad=True (nn.Parameter in a module)",
                    params.location,
                )


class EvalModeMissing(Rule):
    code = "HP304"
    name = "eval-mode-missing"
    severity = Severity.WARNING
    summary = "an evaluation loop over a model with dropout or batch norm without model.eval()"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        if project.is_library:
            return
        run_has_them = _has_mode_dependent_layers(project)
        for loop, operations in _evaluation_loops(project):
            models = _evaluated_models(project, operations, loop)
            if models is None and not run_has_them or models is not None and not any(
                _model_has_mode_layers(project, model) for model in models
            ):
                continue  # the evaluated model has no dropout or batch norm: eval() changes nothing
            mode = _mode_before(project, operations, loop)
            if mode == "eval_mode" or mode is None and _caller_did(project, loop, "eval_mode"):
                continue
            if _switched_in_body(operations, loop):
                continue  # `model.eval()` first thing in each iteration
            yield self.diagnostic(
                f"evaluation loop over {loop.subject} without model.eval(): dropout stays on and batch norm "
                "keeps updating its statistics, so the metrics are wrong; call model.eval() before it "
                "(and model.train() after)",
                loop.location,
                fix=eval_mode_fix(project, operations, loop),
            )


class GradInEval(Rule):
    code = "HP305"
    name = "grad-in-eval"
    severity = Severity.INFO
    summary = "an evaluation loop without torch.no_grad() / inference_mode()"

    per_run = True

    def check(self, project: Run, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        if project.is_library:
            return
        for loop, operations in _evaluation_loops(project):
            forwards = [op for op in loop_body(operations, loop) if op.kind == "forward"]
            if loop.no_grad or all(op.no_grad for op in forwards) or _caller_did(project, loop, "no_grad"):
                continue  # no_grad around the loop, inside its body, or around every call of it
            yield self.diagnostic(
                f"evaluation loop over {loop.subject} builds the autograd graph for nothing: wrap it in "
                "torch.no_grad() (or torch.inference_mode()) to save memory and time",
                loop.location,
                fix=no_grad_fix(project, loop),
            )


def _evaluation_loops(project: Run) -> Iterator[tuple[Operation, list[Operation]]]:
    """Loops over held-out data whose body runs a model and does not learn."""
    for loop in project.operations_of_kind("loop"):
        function = loop.scope.rpartition(".")[2]
        if _LIGHTNING_EVAL_MODE.match(function) or loop.subject.startswith(("range(", "enumerate(range")):
            continue
        if not (names_evaluation(loop.subject) or (function and _EVAL_FUNCTION.search(function) and names_data(loop.subject))):
            continue
        operations = project.operations(loop.location.path, loop.scope)
        body = loop_body(operations, loop)
        if any(op.kind == "forward" for op in body) and not any(op.kind in LEARNING for op in body):
            yield loop, operations


def _switched_in_body(operations: list[Operation], loop: Operation) -> bool:
    """The loop's body switches to eval mode before it runs any model."""
    body = loop_body(operations, loop)
    forwards = [op.location.line for op in body if op.kind == "forward"]
    return any(op.kind == "eval_mode" and op.location.line <= min(forwards, default=op.location.line) for op in body)


def _mode_before(project: Project, operations: list[Operation], loop: Operation) -> str | None:
    """`eval_mode` or `train_mode`: the last switch before the loop in the same function, written there or
    made by a project function it calls first (detectron2's `with inference_context(model):`)."""
    switches = []
    for op in operations:
        if op.location.line >= loop.location.line:
            continue
        if op.kind in ("eval_mode", "train_mode"):
            switches.append(op.kind)
        elif op.kind == "calls" and (callee := project.callee(loop.location.path, op)) is not None:
            made = [called.kind for called in project.operations(*callee) if called.kind in ("eval_mode", "train_mode")]
            switches.extend(made[:1])  # a context manager's first switch is the one its body runs under
    return switches[-1] if switches else None


def _caller_did(project: Project, loop: Operation, what: str) -> bool:
    """Every call of the loop's function comes after model.eval() / inside no_grad in its caller."""
    if not loop.scope:
        return False
    # A helper of a shared module that this run never calls is judged by the runs that call it.
    calls = list(project.callers(loop.location.path, loop.scope)) or list(
        project.callers(loop.location.path, loop.scope, anywhere=True)
    )
    if not calls:
        return False
    for call in calls:
        if what == "no_grad":
            if not call.no_grad:
                return False
            continue
        before = [
            op for op in project.operations(call.location.path, call.scope)
            if op.kind == "eval_mode" and op.location.line <= call.location.line
        ]
        if not before:
            return False
    return True


def _evaluated_models(run: Run, operations: list[Operation], loop: Operation) -> list[ModelDef] | None:
    """The models of the project the loop runs, when every forward in its body names one; else None."""
    models = []
    for op in loop_body(operations, loop):
        if op.kind != "forward":
            continue
        model = run.resolve_model(op.value, op.location.path) if op.value is not None else None
        if model is None:
            return None
        models.append(model)
    return models or None


def _model_has_mode_layers(run: Run, model: ModelDef, depth: int = 0) -> bool:
    """Dropout or batch norm in the model, in its forward, or in a submodule of the project it builds."""
    if any(_MODE_DEPENDENT.match(layer.api.rpartition(".")[2]) for layer in model.layers):
        return True
    if any(_MODE_DEPENDENT.match(op.op) for op in model.forward):
        return True
    for layer in model.layers:
        if layer.api.startswith("local.") and depth < _MAX_SUBMODEL_DEPTH:
            inner = run.model_named(layer.api[len("local."):], model.location.path)
            if inner is None or _model_has_mode_layers(run, inner, depth + 1):
                return True  # a block hplint cannot see into may hold dropout
    return False


_MAX_SUBMODEL_DEPTH = 8


def _has_mode_dependent_layers(project: Project) -> bool:
    for _, model in project.all_of(ModelDef):
        if any(_MODE_DEPENDENT.match(layer.api.rpartition(".")[2]) for layer in model.layers):
            return True
        if any(_MODE_DEPENDENT.match(op.op) for op in model.forward):
            return True
    return any(call.api.startswith(_PRETRAINED_MODELS) for _, call in project.all_of(Call))
