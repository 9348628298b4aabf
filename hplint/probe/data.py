"""The user's data as the probe reads it: batches of any structure, streamed, moved, sliced and tiled.

A batch is whatever the data yields: a tensor, a tuple or list `(inputs, targets, ...)`, a dict
(a Hugging Face tokenizer's output), or any nesting of these. The probe never interprets one
beyond finding its tensors: it moves them to the device, cuts them to fewer samples (the
overfit batch) and repeats them (the largest-batch search), along their first dimension.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable

import torch
from torch.utils.data import DataLoader, Dataset

MAX_CACHED = 256  # batches kept from data that can be read only once (a generator), to replay them
KEPT_FIRST = 4  # the first batches, kept for the checks that train or measure on one batch


class DataError(Exception):
    """The data is not something the probe can read batches from: a usage error."""


def is_data_module(data: Any) -> bool:
    """A LightningDataModule, or anything shaped like one: it makes its own training loader."""
    return callable(getattr(data, "train_dataloader", None)) and not isinstance(data, (DataLoader, Dataset))


def loader_of(data: Any, batch_size: int | None, seed: int) -> Iterable[Any]:
    """Something to iterate batches from: the data itself, or a shuffling loader over a Dataset."""
    if is_data_module(data):
        for hook, arguments in (("prepare_data", ()), ("setup", ("fit",))):
            if callable(getattr(data, hook, None)):
                getattr(data, hook)(*arguments)
        data = data.train_dataloader()
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, Dataset) and hasattr(data, "__len__"):
        size = batch_size or 32
        generator = torch.Generator().manual_seed(seed)
        return DataLoader(data, batch_size=size, shuffle=True, generator=generator, drop_last=len(data) >= size)  # type: ignore[arg-type]
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, torch.Tensor, Mapping)):
        return data
    raise DataError(
        f"the data is a {type(data).__name__}; the probe reads a DataLoader, a Dataset, a LightningDataModule or an "
        "iterable of batches"
    )


def loader_batch_size(data: Iterable[Any]) -> int | None:
    return data.batch_size if isinstance(data, DataLoader) else None


class BatchStream:
    """Batches in the data's order, without end: data that runs out is read again from the top.

    The first batches are kept: the checks that need one batch read the same ones, and the LR
    range test's sweeps read on from where the stream stands, so each sweep sees other batches.
    Data that can be read only once (a generator) is replayed from what was read.
    """

    def __init__(self, data: Iterable[Any]) -> None:
        self.data = data
        self.single_use = isinstance(data, Iterator)
        self.iterator: Iterator[Any] = iter(data)
        self.first: list[Any] = []
        self.kept: list[Any] = []  # single-use data: what was read, to replay it

    def fixed(self, index: int) -> Any:
        """The index-th batch the data yields (index < KEPT_FIRST)."""
        assert index < KEPT_FIRST, index
        while len(self.first) <= index:
            self.next()
        return self.first[index]

    def next(self) -> Any:
        try:
            batch = next(self.iterator)
        except StopIteration:
            if self.single_use:
                self.data, self.single_use = list(self.kept), False
            self.iterator = iter(self.data)
            try:
                batch = next(self.iterator)
            except StopIteration:
                raise DataError("the data yielded no batch") from None
        if len(self.first) < KEPT_FIRST:
            self.first.append(batch)
        if self.single_use and len(self.kept) < MAX_CACHED:
            self.kept.append(batch)
        return batch


def to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        moved = {key: to_device(value, device) for key, value in batch.items()}
        try:
            return type(batch)(moved)  # a BatchEncoding or other dict subclass stays what it was
        except TypeError:
            return moved
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple
        return type(batch)(*(to_device(value, device) for value in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(value, device) for value in batch)
    move = getattr(batch, "to", None)
    return move(device) if callable(move) else batch


def batch_length(batch: Any) -> int | None:
    """The number of samples: the first dimension of the batch's first tensor."""
    tensor = first_tensor(batch)
    return int(tensor.shape[0]) if tensor is not None and tensor.dim() > 0 else None


def first_tensor(batch: Any) -> torch.Tensor | None:
    if isinstance(batch, torch.Tensor):
        return batch
    values = batch.values() if isinstance(batch, Mapping) else batch if isinstance(batch, (tuple, list)) else ()
    for value in values:
        found = first_tensor(value)
        if found is not None:
            return found
    return None


def map_samples(batch: Any, length: int, change: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """The batch with `change` applied to every tensor whose first dimension is the batch's length."""
    if isinstance(batch, torch.Tensor):
        return change(batch) if batch.dim() > 0 and batch.shape[0] == length else batch
    if isinstance(batch, Mapping):
        changed = {key: map_samples(value, length, change) for key, value in batch.items()}
        try:
            return type(batch)(changed)
        except TypeError:
            return changed
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(map_samples(value, length, change) for value in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(map_samples(value, length, change) for value in batch)
    return batch


def first_samples(batch: Any, count: int) -> Any:
    """The batch cut to its first `count` samples (the whole batch when it is that small already)."""
    length = batch_length(batch)
    if length is None or length <= count:
        return batch
    return map_samples(batch, length, lambda tensor: tensor[:count])


def tiled(batch: Any, count: int) -> Any:
    """The batch repeated along its samples to exactly `count` of them (for the largest-batch search)."""
    length = batch_length(batch)
    if length is None or length == count:
        return batch
    repeats = -(-count // length)

    def tile(tensor: torch.Tensor) -> torch.Tensor:
        return tensor.repeat(repeats, *([1] * (tensor.dim() - 1)))[:count]

    return map_samples(batch, length, tile)


def describe(batch: Any) -> str:
    """`(Tensor[64, 1, 28, 28] float32, Tensor[64] int64)`, for messages."""
    if isinstance(batch, torch.Tensor):
        return f"Tensor{list(batch.shape)} {str(batch.dtype).replace('torch.', '')}"
    if isinstance(batch, Mapping):
        return "{" + ", ".join(f"{key!r}: {describe(value)}" for key, value in batch.items()) + "}"
    if isinstance(batch, (tuple, list)):
        inner = ", ".join(describe(value) for value in batch)
        return f"({inner})" if isinstance(batch, tuple) else f"[{inner}]"
    return type(batch).__name__
