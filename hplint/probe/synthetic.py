"""Synthetic data of `--input-shape`, for a factory that returns a model without data. Child only.

Two kinds of batches:
- `batch(size, index)`: standard-normal inputs (token ids in [0, vocabulary) for a model that
  starts with an nn.Embedding) and targets that carry no information about them: the loss at
  initialisation, overfitting one batch, the gradients;
- `stream(size, step)`: a task that can be learnt but not memorised, for the LR range test.
  Random labels on random inputs hold nothing to learn but the samples themselves, which a small
  model memorises within the sweep, after which no learning rate raises the loss. Here each
  input is a fixed linear image of a latent z ~ N(0, I_8) (for inputs with channels, partly
  constant per channel, so convolutions with global pooling can read it too), and the labels
  are drawn from a fixed random linear teacher on z, so the loss has a floor above zero. For
  token ids, each token votes for the classes with fixed random weights.
"""

from __future__ import annotations

import math
from functools import cached_property

import torch
import torch.nn.functional as F

LATENT_DIM = 8
TEACHER_SCALE = 2.0  # sharpness of the labels' dependence on the latent: learnable, with a loss floor above 0


class SyntheticData:
    def __init__(
        self, input_shape: tuple[int, ...], loss_kind: str, outputs: int, output_shape: tuple[int, ...], seed: int,
        vocabulary: int | None = None,
    ) -> None:
        self.input_shape = input_shape
        self.loss_kind = loss_kind  # ce | bce | mse
        self.outputs = outputs  # classes for ce; values per sample otherwise
        self.output_shape = output_shape  # one sample's output
        self.seed = seed
        self.vocabulary = vocabulary  # token ids instead of real numbers

    def _generator(self, offset: int) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed * 1_000_003 + offset)

    def inputs(self, size: int, index: int) -> torch.Tensor:
        generator = self._generator(index)
        if self.vocabulary:
            return torch.randint(0, self.vocabulary, (size, *self.input_shape), generator=generator)
        return torch.randn((size, *self.input_shape), generator=generator)

    def targets(self, size: int, index: int) -> torch.Tensor:
        generator = self._generator(500_000 + index)
        if self.loss_kind == "ce":
            return torch.randint(0, self.outputs, (size,), generator=generator)
        shape = (size, *self.output_shape)
        if self.loss_kind == "bce":
            return torch.randint(0, 2, shape, generator=generator).float()
        return torch.randn(shape, generator=generator)

    def batch(self, size: int, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.inputs(size, index), self.targets(size, index)

    def stream(self, size: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The step-th batch of the learnable task (see the module's docstring)."""
        basis, weights = self._teacher
        sample = self._generator(900_000 + step)
        if self.vocabulary:
            x = torch.randint(0, self.vocabulary, (size, *self.input_shape), generator=sample)
            latent = basis[x.reshape(size, -1)].mean(dim=1) * math.sqrt(x[0].numel())
        else:
            latent = torch.randn(size, LATENT_DIM, generator=sample)
            x = (latent @ basis / math.sqrt(LATENT_DIM)).reshape(size, *self.input_shape)
        scores = TEACHER_SCALE * latent @ weights / math.sqrt(LATENT_DIM)
        if self.loss_kind == "ce":
            # Over many classes the teacher must be sharper, or the labels are noise (100 classes: 2x).
            scores = scores * max(1.0, math.log10(self.outputs))
            y = torch.multinomial(F.softmax(scores, dim=1), 1, generator=sample).squeeze(1)
        elif self.loss_kind == "bce":
            y = torch.bernoulli(torch.sigmoid(scores), generator=sample).reshape(size, *self.output_shape)
        else:
            noise = torch.randn(scores.shape, generator=sample)
            y = ((scores + noise) / math.sqrt(TEACHER_SCALE**2 + 1)).reshape(size, *self.output_shape)
        return x, y

    @cached_property
    def _teacher(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The stream's fixed parts: the latent's image in input space (or per token), and the teacher's weights."""
        teacher = self._generator(777)
        outputs = self.outputs if self.loss_kind == "ce" else math.prod(self.output_shape)
        if self.vocabulary:
            basis = torch.randn(self.vocabulary, LATENT_DIM, generator=teacher)
            return basis, torch.randn(LATENT_DIM, outputs, generator=teacher)
        shape, count = self.input_shape, math.prod(self.input_shape)
        basis = torch.randn(LATENT_DIM, count, generator=teacher)
        if len(shape) > 1:
            per_channel = torch.randn(LATENT_DIM, shape[0], 1, generator=teacher)
            per_channel = per_channel.expand(LATENT_DIM, shape[0], count // shape[0]).reshape(LATENT_DIM, count)
            basis = (basis + per_channel) / math.sqrt(2)
        return basis, torch.randn(LATENT_DIM, outputs, generator=teacher)

    def on_device(self, size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch made on the device itself (for large batches: no host copy)."""
        if self.vocabulary:
            x = torch.randint(0, self.vocabulary, (size, *self.input_shape), device=device)
        else:
            x = torch.randn((size, *self.input_shape), device=device)
        if self.loss_kind == "ce":
            return x, torch.randint(0, self.outputs, (size,), device=device)
        shape = (size, *self.output_shape)
        if self.loss_kind == "bce":
            return x, torch.randint(0, 2, shape, device=device).float()
        return x, torch.randn(shape, device=device)
