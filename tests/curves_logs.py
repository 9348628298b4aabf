"""Synthetic training runs of known shapes, and writers of the log formats `hplint curves` reads.

A run is a list of records as a training loop logs them: a training loss every logged step, a
validation loss at the end of each epoch (at the epoch's last step). The writers lay the same
records out as Lightning's CSVLogger, Keras' CSVLogger, a Hugging Face Trainer and TensorBoard do.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Record:
    step: int
    epoch: int
    train_loss: float | None = None
    val_loss: float | None = None


def run(train: list[float], validation: Sequence[float] = (), steps_per_epoch: int = 10) -> list[Record]:
    """Training losses at steps 0, 1, 2, ...; validation[e] after the last step of epoch e."""
    records = []
    for step, loss in enumerate(train):
        epoch = step // steps_per_epoch
        records.append(Record(step, epoch, train_loss=loss))
        if (step + 1) % steps_per_epoch == 0 and epoch < len(validation):
            records.append(Record(step, epoch, val_loss=validation[epoch]))
    return records


def epochs(train: list[float], validation: list[float]) -> list[Record]:
    """One record per epoch with both losses, as Keras' CSVLogger writes them."""
    return [Record(epoch, epoch, t, v) for epoch, (t, v) in enumerate(zip(train, validation))]


# ---------------------------------------------------------------- shapes, each with its known answer


def noise(count: int, size: float, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-size, size) for _ in range(count)]


def healthy_train(count: int = 200) -> list[float]:
    """Falls all the way, as under a decaying LR: 2.3 to about 0.15, with 2 % noise."""
    return [(2.2 * math.exp(-4 * step / count) + 0.1) * (1 + jitter) for step, jitter in enumerate(noise(count, 0.02))]


def diverging_train() -> list[float]:
    """Falls from 2.3 to 0.5 over steps 0-39, flat at 0.5 until 59, then 2.0 from step 60 on: HP801 at step 60."""
    return [2.3 - 1.8 * step / 39 if step < 40 else 0.5 if step < 60 else 2.0 for step in range(100)]


def plateau_train(count: int = 200) -> list[float]:
    """Falls from 2.3 to 0.6 over the first half, then swings ±0.06 (10 %) around 0.6: HP802 from 80 % in."""
    half = count // 2
    falling = [2.3 - 1.7 * step / (half - 1) for step in range(half)]
    swinging = [0.6 + (0.06 if step % 2 else -0.06) for step in range(count - half)]
    return falling + swinging


def flat_train(count: int = 100) -> list[float]:
    """Stays at ln 10 ± 0.5 %: the model learns nothing. HP803 at a tenth of the run."""
    return [math.log(10) * (1 + jitter) for jitter in noise(count, 0.005, seed=3)]


def overfitting_validation() -> list[float]:
    """Lowest at epoch 12 (0.52), then up by 0.03 an epoch: HP804 since epoch 13, HP805 (patience 3) at 15."""
    return [1.0 - 0.04 * epoch if epoch <= 12 else 0.52 + 0.03 * (epoch - 12) for epoch in range(30)]


def falling_validation() -> list[float]:
    return [0.3 + 0.7 * math.exp(-epoch / 8) for epoch in range(30)]


def falling_train_per_epoch(count: int = 30) -> list[float]:
    return [2.0 * 0.9**epoch for epoch in range(count)]


def falling_train_per_step(count: int = 300) -> list[float]:
    return [0.1 + 1.9 * 0.99**step for step in range(count)]


NOISY_VALIDATION = [
    1.0, 0.9, 0.8, 0.85, 0.75, 0.7, 0.72, 0.71, 0.65, 0.6, 0.58, 0.56, 0.55, 0.54, 0.53, 0.5, 0.51, 0.52,
]
"""Does not improve at epochs 3, 6 and 7 (longest wait 2) before its lowest at epoch 15: HP806 from epoch 3."""


# ---------------------------------------------------------------- the formats


def write_lightning_csv(path: Path, records: list[Record]) -> Path:
    """Lightning CSVLogger's metrics.csv: epoch and step on every row, each metric on the rows that logged it."""
    lines = ["epoch,step,train_loss_step,val_loss"]
    for record in records:
        lines.append(f"{record.epoch},{record.step},{_cell(record.train_loss)},{_cell(record.val_loss)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_keras_csv(path: Path, records: list[Record]) -> Path:
    """Keras' CSVLogger: one row per epoch, `loss` and `val_loss` beside the metrics."""
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for record in records:
        lines.append(f"{record.epoch},0.5,{_cell(record.train_loss)},0.5,{_cell(record.val_loss)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_trainer_state(path: Path, records: list[Record], steps_per_epoch: int = 10) -> Path:
    """A Hugging Face Trainer's trainer_state.json: `loss` entries while training, `eval_loss` entries at
    evaluations, and the closing summary entry with the mean `train_loss` (written sorted, indent 2, as the
    Trainer does). Trainer steps count from 1 and epochs are fractions."""
    history: list[dict] = []
    for record in records:
        step = record.step + 1
        epoch = round(step / steps_per_epoch, 4)
        if record.train_loss is not None:
            history.append({
                "epoch": epoch, "grad_norm": 1.5, "learning_rate": 5e-05, "loss": record.train_loss, "step": step,
            })
        if record.val_loss is not None:
            history.append({
                "epoch": epoch, "eval_loss": record.val_loss, "eval_runtime": 2.5, "eval_samples_per_second": 400.0,
                "eval_steps_per_second": 12.5, "step": step,
            })
    last = records[-1].step + 1
    train_losses = [record.train_loss for record in records if record.train_loss is not None]
    history.append({
        "epoch": round(last / steps_per_epoch, 4), "step": last, "total_flos": 1.2e15,
        "train_loss": sum(train_losses) / len(train_losses), "train_runtime": 120.0,
        "train_samples_per_second": 80.0, "train_steps_per_second": 10.0,
    })
    state = {
        "best_metric": None, "best_model_checkpoint": None, "epoch": round(last / steps_per_epoch, 4),
        "eval_steps": steps_per_epoch, "global_step": last, "is_hyper_param_search": False,
        "is_local_process_zero": True, "is_world_process_zero": True, "log_history": history, "logging_steps": 1,
        "max_steps": last, "num_input_tokens_seen": 0, "num_train_epochs": math.ceil(last / steps_per_epoch),
        "save_steps": 500, "total_flos": 1.2e15, "train_batch_size": 8, "trial_name": None, "trial_params": None,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def write_tensorboard(folder: Path, records: list[Record]) -> Path:
    """What Lightning's TensorBoardLogger writes through torch's SummaryWriter: train_loss and val_loss,
    and the epoch as a scalar of its own. Needs the tensorboard package."""
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(folder))
    for record in records:
        if record.train_loss is not None:
            writer.add_scalar("train_loss", record.train_loss, record.step)
        if record.val_loss is not None:
            writer.add_scalar("val_loss", record.val_loss, record.step)
            writer.add_scalar("epoch", record.epoch, record.step)
    writer.close()
    return folder


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` that starts with `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(text))


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)
