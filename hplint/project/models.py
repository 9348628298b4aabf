"""Models and the losses their outputs reach, joined across the files of a run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hplint.facts import Import, LossInput, ModelDef, ModelRef
from hplint.project.index import FactIndex


@dataclass(frozen=True, slots=True)
class ModelLoss:
    """A model whose output reaches a loss: the model's definition and the loss call."""

    model: ModelDef
    loss: LossInput


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


def model_losses(index: FactIndex, paths: Iterable[str]) -> Iterator[ModelLoss]:
    """Every loss call in these files whose input is the output of a model of the project."""
    for path in sorted(paths):
        for loss in index.of_type(path, LossInput):
            model = model_def(index, loss.model, path)
            if model is not None:
                yield ModelLoss(model, loss)
