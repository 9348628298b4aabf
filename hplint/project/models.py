"""Models and the losses their outputs reach, joined across the files of a run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from hplint.facts import SUBMODEL, Expr, Import, LossInput, ModelDef, ModelRef, OutputOp
from hplint.project.index import FactIndex


@dataclass(frozen=True, slots=True)
class ModelLoss:
    """A model whose output reaches a loss: the model's definition, the loss call, and the last operation on
    each of the model's return paths, followed into the submodules it returns through."""

    model: ModelDef
    loss: LossInput
    outputs: tuple[OutputOp, ...]
    through: tuple[str, ...] = ()  # the submodels returned through, outermost first: ("Backbone",)

    @property
    def described(self) -> str:
        """`LitClassifier`, or `LitClassifier (through Backbone)` when its output is a submodel's."""
        return f"{self.model.name} (through {' → '.join(self.through)})" if self.through else self.model.name


def model_def(index: FactIndex, ref: ModelRef, from_path: str) -> ModelDef | None:
    """The definition a reference names: in the same file, or through the file's imports."""
    if ref.module is None:
        path, name = from_path, ref.name
    else:
        found = index.lookup_qualified(f"{ref.module}.{ref.name}", from_path)
        if found is None:
            return None
        path, name = found
    for model in index.of_type(path, ModelDef):
        if model.name == name:
            return model
    # `from model import Net` re-exported through another import in model.py
    if ref.module is not None:
        for imported in index.of_type(path, Import):
            if imported.local == name:
                module, _, inner = imported.qualified.rpartition(".")
                return model_def(index, ModelRef(module, inner), path) if module != ref.module else None
    return None


def model_losses(index: FactIndex, paths: Iterable[str], resolve_model: Callable[[Expr, str], ModelDef | None]) -> Iterator[ModelLoss]:
    """Every loss call in these files whose input is the output of a model of the project (also of a model passed
    to the function that computes the loss, when every visible call passes the same one)."""
    for path in sorted(paths):
        for loss in index.of_type(path, LossInput):
            if loss.model is not None:
                model = model_def(index, loss.model, path)
            else:
                model = resolve_model(loss.via, path) if loss.via is not None else None
            if model is not None:
                through: list[str] = []
                yield ModelLoss(model, loss, outputs_of(index, model, through), tuple(dict.fromkeys(through)))


def outputs_of(index: FactIndex, model: ModelDef, through: list[str], depth: int = 0) -> tuple[OutputOp, ...]:
    """A model's last operations, where `return self.backbone(x)` is the backbone's own last operations."""
    found: list[OutputOp] = []
    for output in model.outputs:
        if not output.op.startswith(SUBMODEL):
            found.append(output)
            continue
        module, _, name = output.op[len(SUBMODEL):].partition(":")
        inner = model_def(index, ModelRef(module or None, name), model.location.path) if depth < _MAX_NESTING else None
        if inner is None or inner is model or not inner.outputs:
            found.append(OutputOp("other", output.location))
            continue
        through.append(inner.name)
        found.extend(outputs_of(index, inner, through, depth + 1))
    return tuple(found)


_MAX_NESTING = 8  # models wrapped in models, deeper than any real one
