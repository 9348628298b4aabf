"""HP102, HP104-HP108: batch sizes, adaptive learning rates, schedules and early stopping."""

from __future__ import annotations

import pytest

# One training script with fixed line numbers; every placeholder is one line.
#  5: {constants}   9: train_loader   14: optimizer   15: {scheduler}   17: for epoch ...
#  23: {batch_step} (inside the loop over batches)   24: {epoch_step} (once per epoch)
SCRIPT = """
import torch
from torch import nn, optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset, random_split
{constants}

dataset = TensorDataset(torch.randn(1000, 20), torch.randint(0, 2, (1000,)))
train_set, val_set = random_split(dataset, [900, 100])
train_loader = DataLoader(train_set, batch_size={batch}, shuffle=True)
val_loader = DataLoader(val_set, batch_size=100)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
criterion = nn.CrossEntropyLoss()
optimizer = {optimizer}
{scheduler}

for epoch in range({epochs}):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        {batch_step}
    {epoch_step}
"""

SGD = "optim.SGD(model.parameters(), lr=0.1, momentum=0.9)"
ADAM = "optim.Adam(model.parameters(), lr=1e-3)"


def script(
    batch: str = "32",
    optimizer: str = ADAM,
    epochs: str = "5",
    scheduler: str = "",
    constants: str = "",
    batch_step: str = "pass",
    epoch_step: str = "pass",
) -> str:
    return SCRIPT.format(
        batch=batch,
        optimizer=optimizer,
        epochs=epochs,
        scheduler=scheduler,
        constants=constants,
        batch_step=batch_step,
        epoch_step=epoch_step,
    )


def only(findings: list[dict]) -> dict:
    assert len(findings) == 1, findings
    return findings[0]


# ---------------------------------------------------------------- HP102 batch-not-power-of-two


def test_hp102_is_off_by_default(project):
    linted = project({"train.py": script(batch="24")})
    assert linted.findings("HP102") == [] and len(hp102(linted)) == 1


def hp102(linted) -> list[dict]:
    """HP102's findings; the rule is off by default, so it is selected."""
    return [d for d in linted.diagnostics("--select", "HP102")]


def test_hp102_literal_batch_fires_at_the_literal(project):
    finding = only(hp102(project({"train.py": script(batch="24")})))
    assert (finding["path"], finding["line"], finding["column"]) == ("train.py", 9, 49)
    assert finding["severity"] == "info"
    assert finding["message"] == (
        "DataLoader batch_size=24 is not a power of two; 16 or 32 maps better onto GPU memory and kernels"
    )
    assert finding["source"] is None


def test_hp102_module_constant_fires_at_the_constant_and_names_the_use(project):
    linted = project({"train.py": script(batch="BATCH_SIZE", constants="BATCH_SIZE = 48")})
    finding = only(hp102(linted))
    assert finding["line"] == 5
    assert finding["message"].startswith(
        "DataLoader batch_size=48 via BATCH_SIZE (used at train.py:9) is not a power of two; 32 or 64"
    )
    assert finding["source"] == {"path": "train.py", "line": 9}


@pytest.mark.parametrize(("batch", "neighbours"), [("3", "2 or 4"), ("100", "64 or 128"), ("1000", "512 or 1024")])
def test_hp102_names_the_powers_of_two_around_the_value(project, batch, neighbours):
    finding = only(hp102(project({"train.py": script(batch=batch)})))
    assert f"batch_size={batch} is not a power of two; {neighbours} maps better" in finding["message"]


@pytest.mark.parametrize("batch", ["1", "2", "8", "32", "64", "512", "int(os.environ['BS'])", "len(train_set) // 10"])
def test_hp102_powers_of_two_and_unknown_sizes_stay_silent(project, batch):
    assert hp102(project({"train.py": script(batch=batch)})) == []


def test_hp102_evaluation_loader_is_not_flagged(project):
    # The template's val_loader has batch_size=100: evaluation batches are not optimizer steps.
    linted = project({"train.py": script(batch="32")})
    assert hp102(linted) == []


def test_hp102_loaders_of_evaluation_functions_and_val_dataloaders_are_not_flagged(project):
    source = """
    import lightning as L
    from torch.utils.data import DataLoader

    def evaluate(model, dataset):
        loader = DataLoader(dataset, batch_size=100)
        return [model(x) for x in loader]

    def main(model, train_set, val_set):
        trainer = L.Trainer(max_epochs=10)
        trainer.fit(model, DataLoader(train_set, batch_size=32), val_dataloaders=DataLoader(val_set, batch_size=100))
    """
    assert hp102(project({"train.py": source})) == []


def test_hp102_one_finding_per_value_however_many_loaders_use_it(project):
    source = script(batch="BATCH_SIZE", constants="BATCH_SIZE = 48").replace(
        "val_loader = DataLoader(val_set, batch_size=100)",
        "extra_loader = DataLoader(train_set, batch_size=BATCH_SIZE)",
    )
    assert [f["line"] for f in hp102(project({"train.py": source}))] == [5]


def test_hp102_a_script_that_never_trains_is_not_checked(project):
    predict = """
    import torch
    from torch.utils.data import DataLoader

    def main(model, dataset):
        loader = DataLoader(dataset, batch_size=100)
        with torch.no_grad():
            return [model(x) for x in loader]
    """
    assert hp102(project({"predict.py": predict})) == []


CONFIG = """
model:
  name: resnet18
data:
  batch_size: {batch}
optimizer:
  name: sgd
  lr: 0.01
trainer:
  max_epochs: 30
"""


def test_hp102_training_config_fires_at_the_key(project):
    finding = only(hp102(project({"configs/train.yaml": CONFIG.format(batch=24)})))
    assert (finding["path"], finding["line"], finding["column"]) == ("configs/train.yaml", 4, 3)
    assert finding["message"] == (
        "batch_size=24 (key data.batch_size) is not a power of two; 16 or 32 maps better onto GPU memory and kernels"
    )


def test_hp102_config_evaluation_sections_are_not_flagged(project):
    config = CONFIG.format(batch=32) + "val:\n  batch_size: 100\neval_batch_size: 100\n"
    assert hp102(project({"configs/train.yaml": config})) == []


def test_hp102_hugging_face_per_device_batch(project):
    source = """
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(output_dir="out", per_device_train_batch_size=12, eval_strategy="epoch")
    Trainer(model=None, args=args, train_dataset=None, eval_dataset=None).train()
    """
    finding = only(hp102(project({"train.py": source})))
    assert finding["line"] == 3
    assert finding["message"].startswith("TrainingArguments batch_size=12 is not a power of two; 8 or 16")


def test_hp102_inline_validation_loader_passed_positionally_to_fit(project):
    # The loader has no name of its own, but its dataset does: val_set.
    source = """
    import lightning as L
    from torch.utils.data import DataLoader

    def main(model, train_set, val_set):
        trainer = L.Trainer(max_epochs=10)
        trainer.fit(model, DataLoader(train_set, batch_size=24), DataLoader(val_set, batch_size=100))
    """
    finding = only(hp102(project({"train.py": source})))
    assert (finding["line"], finding["column"]) == (6, 57)
    assert finding["message"].startswith("DataLoader batch_size=24 is not a power of two")


# ---------------------------------------------------------------- HP104 adaptive-lr-too-high


def test_hp104_adam_with_an_sgd_learning_rate(project):
    linted = project({"train.py": script(optimizer="optim.Adam(model.parameters(), lr=0.1)")})
    finding = only(linted.findings("HP104"))
    assert (finding["line"], finding["column"]) == (14, 47)
    assert finding["severity"] == "warning"
    assert finding["message"] == (
        "Adam lr=0.1 is 100× Adam's default 0.001; adaptive optimizers scale steps themselves, try 0.001 to 0.0003"
    )


def test_hp104_argparse_default_is_flagged_at_the_default(project):
    source = """
    import argparse
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()

    def train(model, loader):
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        for x, y in loader:
            optimizer.zero_grad()
            model(x).sum().backward()
            optimizer.step()
    """
    finding = only(project({"train.py": source}).findings("HP104"))
    assert (finding["line"], finding["column"]) == (5, 49)
    assert finding["message"].startswith("Adam lr=0.1 via args.lr ← --lr default (used at train.py:9) is 100×")
    assert finding["source"] == {"path": "train.py", "line": 9}


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        ("optim.AdamW(model.parameters(), lr=0.05)", "AdamW lr=0.05 is 50× AdamW's default 0.001; adaptive"),
        (
            "optim.RMSprop(model.parameters(), lr=0.5)",
            (
                "RMSprop lr=0.5 is 50× RMSprop's default 0.01; adaptive optimizers scale steps themselves, "
                "try 0.01 to 0.003"
            ),
        ),
        ("optim.Adagrad(model.parameters(), 0.2)", "Adagrad lr=0.2 is 20× Adagrad's default 0.01"),
        ("optim.NAdam(model.parameters(), lr=0.05)", "NAdam lr=0.05 is 25× NAdam's default 0.002"),
        ("torch.optim.RAdam(model.parameters(), lr=0.03)", "RAdam lr=0.03 is 30× RAdam's default 0.001"),
    ],
)
def test_hp104_each_optimizer_is_measured_against_its_own_default(project, optimizer, expected):
    finding = only(project({"train.py": script(optimizer=optimizer)}).findings("HP104"))
    assert finding["message"].startswith(expected)


@pytest.mark.parametrize(
    "optimizer",
    [
        "optim.Adam(model.parameters(), lr=1e-2)",  # exactly 10×: the threshold is strict
        "optim.Adam(model.parameters(), lr=3e-4)",
        "optim.AdamW(model.parameters())",  # the default
        "optim.RMSprop(model.parameters(), lr=0.1)",  # 10× RMSprop's 0.01
        "optim.Adadelta(model.parameters(), lr=1.0)",
        "optim.SGD(model.parameters(), lr=0.5)",  # not adaptive: HP103's business
        "optim.Adam(model.parameters(), lr=float(os.environ['LR']))",
        "optim.Adam([{'params': model.parameters(), 'lr': 0.1}])",  # per-group rates are not read
    ],
)
def test_hp104_silent_cases(project, optimizer):
    assert project({"train.py": script(optimizer=optimizer)}).findings("HP104") == []


@pytest.mark.parametrize(
    "optimizer_section",
    [
        "optimizer:\n  name: adam\n  lr: 0.1\n",
        "optimizer:\n  class_path: torch.optim.Adam\n  init_args:\n    lr: 0.1\n",
    ],
)
def test_hp104_config_names_the_optimizer(project, optimizer_section):
    config = optimizer_section + "data:\n  batch_size: 32\n"
    finding = only(project({"configs/train.yaml": config}).findings("HP104"))
    assert finding["path"] == "configs/train.yaml"
    assert finding["message"].startswith("lr=0.1 (key optimizer.")
    assert "is 100× Adam's default 0.001" in finding["message"]


def test_hp104_top_level_optimizer_name_covers_the_config(project):
    config = "optimizer: adamw\nlr: 0.05\nbatch_size: 32\n"
    finding = only(project({"configs/train.yaml": config}).findings("HP104"))
    assert finding["line"] == 2
    assert finding["message"].startswith("lr=0.05 (key lr) is 50× AdamW's default 0.001")


@pytest.mark.parametrize(
    "config",
    [
        "optimizer:\n  lr: 0.1\ndata:\n  batch_size: 32\n",  # which optimizer? unknown
        "optimizer:\n  name: sgd\n  lr: 0.1\ndata:\n  batch_size: 32\n",
    ],
)
def test_hp104_config_without_an_adaptive_optimizer_is_silent(project, config):
    assert project({"configs/train.yaml": config}).findings("HP104") == []


def test_hp104_config_value_used_by_adam_in_code(project):
    config = "optim:\n  lr: 0.1\n  weight_decay: 0.0\n"
    source = """
    import torch
    import yaml

    cfg = yaml.safe_load(open("configs/train.yaml"))

    def train(model, loader):
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg["optim"]["lr"])
        for x, y in loader:
            optimizer.zero_grad()
            model(x).sum().backward()
            optimizer.step()
    """
    finding = only(project({"configs/train.yaml": config, "train.py": source}).findings("HP104"))
    assert (finding["path"], finding["line"]) == ("configs/train.yaml", 2)
    assert "Adam lr=0.1" in finding["message"] and "(used at train.py:7)" in finding["message"]


HF_ARGS = """
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", learning_rate=0.05, eval_strategy="epoch"{extra})
Trainer(model=None, args=args, train_dataset=None, eval_dataset=None).train()
"""


def test_hp104_hugging_face_trains_with_adamw_by_default(project):
    finding = only(project({"train.py": HF_ARGS.format(extra="")}).findings("HP104"))
    assert finding["line"] == 3
    assert finding["message"].startswith("TrainingArguments lr=0.05 is 50× AdamW's default 0.001")


@pytest.mark.parametrize("extra", [', optim="sgd"', ', optim="adafactor"'])
def test_hp104_hugging_face_optim_choice_is_respected(project, extra):
    assert project({"train.py": HF_ARGS.format(extra=extra)}).findings("HP104") == []


def test_hp104_lightning_configure_optimizers(project):
    source = """
    import lightning as L
    import torch

    class Model(L.LightningModule):
        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=0.1)
    """
    finding = only(project({"model.py": source}).findings("HP104"))
    assert (finding["path"], finding["line"]) == ("model.py", 6)


def test_hp104_factor_option(project):
    pyproject = "[tool.hplint.rules.HP104]\nfactor = 100.0\n"
    at_100 = script(optimizer="optim.Adam(model.parameters(), lr=0.1)")
    assert project({"pyproject.toml": pyproject, "train.py": at_100}).findings("HP104") == []
    above = script(optimizer="optim.Adam(model.parameters(), lr=0.2)")
    finding = only(project({"pyproject.toml": pyproject, "train.py": above}).findings("HP104"))
    assert "is 200× Adam's default" in finding["message"]


# ---------------------------------------------------------------- HP105 constant-lr


def test_hp105_sgd_without_a_schedule(project):
    finding = only(project({"train.py": script(optimizer=SGD, epochs="30")}).findings("HP105"))
    assert (finding["line"], finding["column"]) == (14, 13)
    assert finding["severity"] == "info"
    assert finding["message"] == (
        "SGD trains for 30 epochs (train.py:17) at a constant learning rate; SGD needs a decaying step size to "
        "settle (Robbins–Monro): add a schedule such as StepLR or CosineAnnealingLR"
    )
    assert finding["source"] == {"path": "train.py", "line": 17}


def test_hp105_epochs_from_a_constant(project):
    linted = project({"train.py": script(optimizer=SGD, epochs="EPOCHS", constants="EPOCHS = 90")})
    finding = only(linted.findings("HP105"))
    assert finding["line"] == 14
    assert "SGD trains for 90 epochs (train.py:5)" in finding["message"]


@pytest.mark.parametrize(("epochs", "fires"), [("10", True), ("9", False), ("3", False)])
def test_hp105_min_epochs_threshold_is_inclusive(project, epochs, fires):
    findings = project({"train.py": script(optimizer=SGD, epochs=epochs)}).findings("HP105")
    assert len(findings) == (1 if fires else 0)


@pytest.mark.parametrize(
    ("scheduler", "batch_step", "epoch_step"),
    [
        ("scheduler = lr_scheduler.StepLR(optimizer, step_size=10)", "pass", "scheduler.step()"),
        ("scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)", "pass", "scheduler.step()"),
        ("scheduler = lr_scheduler.ReduceLROnPlateau(optimizer)", "pass", "scheduler.step(loss)"),
        ("scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=900)", "scheduler.step()", "pass"),
        ("", "pass", "optimizer.param_groups[0]['lr'] = 0.1 * 0.97 ** epoch"),
        ("", "pass", "for group in optimizer.param_groups: group['lr'] = group['lr'] * 0.9"),
    ],
)
def test_hp105_any_schedule_keeps_it_silent(project, scheduler, batch_step, epoch_step):
    source = script(optimizer=SGD, epochs="30", scheduler=scheduler, batch_step=batch_step, epoch_step=epoch_step)
    assert project({"train.py": source}).findings("HP105") == []


def test_hp105_hand_written_adjust_learning_rate(project):
    source = (
        script(optimizer=SGD, epochs="30", epoch_step="adjust_learning_rate(optimizer, epoch)")
        + """
def adjust_learning_rate(optimizer, epoch):
    lr = 0.1 * (0.1 ** (epoch // 10))
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr
"""
    )
    assert project({"train.py": source}).findings("HP105") == []


def test_hp105_schedule_key_in_a_training_config(project):
    config = "optimizer: sgd\nlr: 0.1\nscheduler:\n  name: cosine\n"
    source = 'import yaml\ncfg = yaml.safe_load(open("configs/train.yaml"))\n' + script(optimizer=SGD, epochs="30")
    assert project({"configs/train.yaml": config, "train.py": source}).findings("HP105") == []


def test_hp105_a_schedule_in_a_config_the_script_never_loads_does_not_count(project):
    config = "optimizer: sgd\nlr: 0.1\nscheduler:\n  name: cosine\n"
    source = script(optimizer=SGD, epochs="30")
    [finding] = project({"configs/other.yaml": config, "train.py": source}).findings("HP105")
    assert finding["path"] == "train.py"


@pytest.mark.parametrize(
    "optimizer", [ADAM, "optim.AdamW(model.parameters(), lr=3e-4)", "optim.RMSprop(model.parameters())"]
)
def test_hp105_adaptive_optimizers_are_not_flagged(project, optimizer):
    assert project({"train.py": script(optimizer=optimizer, epochs="30")}).findings("HP105") == []


def test_hp105_an_adaptive_optimizer_anywhere_keeps_it_silent(project):
    # A GAN: SGD for one network, Adam for the other. Either may be the one that matters.
    source = script(optimizer=SGD, epochs="30", scheduler="d_optimizer = optim.Adam(model.parameters(), lr=2e-4)")
    assert project({"train.py": source}).findings("HP105") == []


@pytest.mark.parametrize("epochs", ["int(os.environ['EPOCHS'])", "start_epoch, 30"])
def test_hp105_unknown_epochs_stay_silent(project, epochs):
    assert project({"train.py": script(optimizer=SGD, epochs=epochs)}).findings("HP105") == []


def test_hp105_each_script_is_judged_on_its_own_epochs(project):
    files = {"train.py": script(optimizer=SGD, epochs="30"), "finetune.py": script(optimizer=SGD, epochs="5")}
    assert [finding["path"] for finding in project(files).findings("HP105")] == ["train.py"]


LIGHTNING_SGD = """
import lightning as L
import torch


class Model(L.LightningModule):
    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        {ret}


trainer = L.Trainer(max_epochs=30)
trainer.fit(Model())
"""


def test_hp105_lightning_max_epochs(project):
    source = LIGHTNING_SGD.format(ret="return optimizer")
    finding = only(project({"train.py": source}).findings("HP105"))
    assert finding["line"] == 7
    assert "SGD trains for 30 epochs (train.py:11)" in finding["message"]


def test_hp105_lightning_with_a_scheduler(project):
    ret = "return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)]"
    assert project({"train.py": LIGHTNING_SGD.format(ret=ret)}).findings("HP105") == []


def test_hp105_min_epochs_option(project):
    pyproject = "[tool.hplint.rules.HP105]\nmin-epochs = 50\n"
    files = {"pyproject.toml": pyproject, "train.py": script(optimizer=SGD, epochs="30")}
    assert project(files).findings("HP105") == []


def test_hp105_in_place_step_decay_is_a_schedule(project):
    epoch_step = "for group in optimizer.param_groups: group['lr'] *= 0.1"
    source = script(optimizer=SGD, epochs="30", epoch_step=epoch_step)
    assert project({"train.py": source}).findings("HP105") == []


# ---------------------------------------------------------------- HP106 lr-vanishes


def test_hp106_fast_exponential_decay(project):
    source = script(
        optimizer=SGD,
        epochs="40",
        scheduler="scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)",
        epoch_step="scheduler.step()",
    )
    finding = only(project({"train.py": source}).findings("HP106"))
    assert (finding["line"], finding["column"]) == (15, 13)
    assert finding["severity"] == "warning"
    assert finding["message"] == (
        "ExponentialLR(gamma=0.5) over 40 epochs (train.py:17): lr falls below 0.001 × initial after 10 epochs, "
        "before 50% of training; the steps must not sum to a finite value (Robbins–Monro): decay more slowly or later"
    )
    assert finding["source"] == {"path": "train.py", "line": 17}


def test_hp106_stepped_per_batch_counts_scheduler_steps(project):
    source = script(
        optimizer=SGD,
        epochs="40",
        scheduler="scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)",
        batch_step="scheduler.step()",
    )
    finding = only(project({"train.py": source}).findings("HP106"))
    assert "after 10 scheduler steps, before 50% of training" in finding["message"]


@pytest.mark.parametrize(
    ("scheduler", "described", "epochs_to_floor"),
    [
        # gamma=0.1 reaches exactly 1e-3 after three decays; it is below only after the fourth (strict)
        ("lr_scheduler.StepLR(optimizer, step_size=4)", "StepLR(step_size=4, gamma=0.1)", 16),
        ("lr_scheduler.StepLR(optimizer, 1, 0.5)", "StepLR(step_size=1, gamma=0.5)", 10),
        (
            "lr_scheduler.MultiStepLR(optimizer, milestones=[5, 10, 15, 18])",
            "MultiStepLR(milestones=[5, 10, 15, 18], gamma=0.1)",
            18,
        ),
        (
            "lr_scheduler.MultiStepLR(optimizer, [2, 4, 6, 30], gamma=0.05)",
            "MultiStepLR(milestones=[2, 4, 6, 30], gamma=0.05)",
            6,
        ),
    ],
)
def test_hp106_step_schedules(project, scheduler, described, epochs_to_floor):
    source = script(optimizer=SGD, epochs="40", scheduler=f"scheduler = {scheduler}", epoch_step="scheduler.step()")
    finding = only(project({"train.py": source}).findings("HP106"))
    assert finding["message"].startswith(
        f"{described} over 40 epochs (train.py:17): lr falls below 0.001 × initial after {epochs_to_floor} epochs,"
    )


@pytest.mark.parametrize(
    ("scheduler", "epochs"),
    [
        ("lr_scheduler.StepLR(optimizer, step_size=30)", "90"),  # the classic ImageNet schedule
        ("lr_scheduler.MultiStepLR(optimizer, milestones=[30, 60, 80])", "90"),
        ("lr_scheduler.MultiStepLR(optimizer, milestones=[10, 20])", "40"),  # only reaches 0.01
        ("lr_scheduler.StepLR(optimizer, 2, 0.5)", "40"),  # floor after 20 of 40 epochs: not before half
        ("lr_scheduler.ExponentialLR(optimizer, gamma=0.95)", "100"),
        ("lr_scheduler.ExponentialLR(optimizer, gamma=1.0)", "40"),
        ("lr_scheduler.ExponentialLR(optimizer, gamma=args.gamma)", "40"),
        ("lr_scheduler.ExponentialLR(optimizer, gamma=0.5)", "int(os.environ['EPOCHS'])"),
        ("lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)", "40"),
        ("lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", "40"),
        ("lr_scheduler.LinearLR(optimizer, start_factor=1e-4, total_iters=5)", "40"),  # warmup is not decay
    ],
)
def test_hp106_silent_cases(project, scheduler, epochs):
    source = script(optimizer=SGD, epochs=epochs, scheduler=f"scheduler = {scheduler}", epoch_step="scheduler.step()")
    assert project({"train.py": source}).findings("HP106") == []


def test_hp106_at_option(project):
    pyproject = "[tool.hplint.rules.HP106]\nat = 0.25\n"
    source = script(
        optimizer=SGD,
        epochs="40",
        scheduler="scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)",
        epoch_step="scheduler.step()",
    )
    assert project({"pyproject.toml": pyproject, "train.py": source}).findings("HP106") == []


def test_hp106_floor_option(project):
    pyproject = "[tool.hplint.rules.HP106]\nfloor = 0.01\n"
    source = script(
        optimizer=SGD,
        epochs="40",
        scheduler="scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)",
        epoch_step="scheduler.step()",
    )
    finding = only(project({"pyproject.toml": pyproject, "train.py": source}).findings("HP106"))
    assert "lr falls below 0.01 × initial after 7 epochs" in finding["message"]


def test_hp106_reaching_the_floor_exactly_is_not_below_it(project):
    # 1e-3 × initial at epoch 30 (not below), 1e-4 at epoch 40, which is after half of 70 epochs.
    source = script(
        optimizer=SGD,
        epochs="70",
        scheduler="scheduler = lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.1)",
        epoch_step="scheduler.step()",
    )
    assert project({"train.py": source}).findings("HP106") == []


def test_hp106_lightning_step_interval_counts_scheduler_steps(project):
    source = """
    import lightning as L
    import torch

    class Model(L.LightningModule):
        def configure_optimizers(self):
            optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
            return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    L.Trainer(max_epochs=40).fit(Model())
    """
    finding = only(project({"train.py": source}).findings("HP106"))
    assert "after 10 scheduler steps" in finding["message"]


# ---------------------------------------------------------------- HP107 no-early-stopping

VALIDATION = """
    model.eval()
    val_loss = 0.0
    with torch.no_grad():
        for x, y in val_loader:
            val_loss += criterion(model(x), y).item()
"""


def long_run(
    epochs: str = "100",
    after_validation: str = "",
    after_training: str = "",
    constants: str = "",
    scheduler: str = "",
) -> str:
    """Adam (so HP105 stays out of it) for `epochs` epochs, validating after each one."""
    return (
        script(epochs=epochs, constants=constants, scheduler=scheduler) + VALIDATION + after_validation + after_training
    )


def test_hp107_long_run_without_early_stopping(project):
    finding = only(project({"train.py": long_run()}).findings("HP107"))
    assert (finding["line"], finding["column"]) == (17, 20)
    assert finding["severity"] == "info"
    assert finding["message"] == (
        "100 epochs (training loop at train.py:17) with a validation set but no early stopping and no "
        "best-checkpoint: the last epoch is rarely the best one; stop on the validation loss (EarlyStopping) "
        "or keep the best checkpoint (ModelCheckpoint(monitor=...), load_best_model_at_end)"
    )


def test_hp107_epochs_from_a_constant(project):
    finding = only(project({"train.py": long_run(epochs="EPOCHS", constants="EPOCHS = 200")}).findings("HP107"))
    assert finding["line"] == 5
    assert finding["message"].startswith("200 epochs (training loop at train.py:17)")
    assert finding["source"] == {"path": "train.py", "line": 17}


@pytest.mark.parametrize(("epochs", "fires"), [("50", True), ("49", False), ("20", False)])
def test_hp107_min_epochs_threshold_is_inclusive(project, epochs, fires):
    assert len(project({"train.py": long_run(epochs=epochs)}).findings("HP107")) == (1 if fires else 0)


def test_hp107_saving_the_last_epoch_does_not_count(project):
    source = long_run(after_training='\ntorch.save(model.state_dict(), "last.pt")\n')
    assert len(project({"train.py": source}).findings("HP107")) == 1


@pytest.mark.parametrize(
    "after_validation",
    [
        # keeps the best checkpoint
        (
            "    if val_loss < best_val_loss:\n        best_val_loss = val_loss\n"
            "        torch.save(model.state_dict(), 'checkpoint.pt')\n"
        ),
        # the early-stopping helper many PyTorch projects copy (pytorchtools)
        "    early_stopping(val_loss, model)\n    if early_stopping.early_stop:\n        break\n",
        # a hand-written patience counter
        "    if patience_left == 0:\n        break\n",
        # a checkpoint path named for the best model
        "    torch.save(model.state_dict(), best_path)\n",
    ],
)
def test_hp107_hand_written_early_stopping_or_best_checkpoint(project, after_validation):
    assert project({"train.py": long_run(after_validation=after_validation)}).findings("HP107") == []


def test_hp107_reduce_lr_on_plateau_in_code_is_not_early_stopping(project):
    # It lowers the rate on a plateau but neither stops nor keeps the best weights.
    source = long_run(
        scheduler="scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=5)",
        after_validation="    scheduler.step(val_loss)\n",
    )
    assert len(project({"train.py": source}).findings("HP107")) == 1


def test_hp107_a_project_without_validation_is_hp301s_business(project):
    source = """
    import torch

    def train(model, loader):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for epoch in range(100):
            for x, y in loader:
                optimizer.zero_grad()
                model(x).sum().backward()
                optimizer.step()


    if __name__ == "__main__":
        train(build_model(), build_loader())
    """
    codes = project({"train.py": source}).codes()
    assert "HP107" not in codes and "HP301" in codes


LIGHTNING = """
import lightning as L
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint


class Model(L.LightningModule):
    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self(batch).mean())


trainer = L.Trainer(max_epochs=100, callbacks=[{callbacks}])
trainer.fit(Model())
"""


def test_hp107_lightning_checkpoint_without_monitor(project):
    finding = only(project({"train.py": LIGHTNING.format(callbacks="ModelCheckpoint()")}).findings("HP107"))
    assert (finding["line"], finding["column"]) == (10, 32)
    assert finding["message"].startswith("100 epochs (Trainer at train.py:10) with a validation set")


@pytest.mark.parametrize(
    "callbacks",
    [
        'ModelCheckpoint(monitor="val_loss", mode="min")',
        'EarlyStopping(monitor="val_loss", patience=5)',
    ],
)
def test_hp107_lightning_callbacks_that_count(project, callbacks):
    assert project({"train.py": LIGHTNING.format(callbacks=callbacks)}).findings("HP107") == []


HF_LONG = """
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", num_train_epochs=100, eval_strategy="epoch", save_strategy="epoch"{extra})
Trainer(model=None, args=args, train_dataset=None, eval_dataset=None).train()
"""


def test_hp107_hugging_face(project):
    finding = only(project({"train.py": HF_LONG.format(extra="")}).findings("HP107"))
    assert finding["line"] == 3
    assert finding["message"].startswith("100 epochs (TrainingArguments at train.py:3)")
    assert project({"train.py": HF_LONG.format(extra=", load_best_model_at_end=True")}).findings("HP107") == []


LIGHTNING_CLI = """
trainer:
  max_epochs: 100
  val_check_interval: 1.0
  callbacks:
    - class_path: lightning.pytorch.callbacks.{callback}
data:
  batch_size: 32
"""


def test_hp107_config_epochs_and_a_config_callback(project):
    config = LIGHTNING_CLI.format(callback="ModelCheckpoint")
    finding = only(project({"configs/train.yaml": config}).findings("HP107"))
    assert (finding["path"], finding["line"]) == ("configs/train.yaml", 2)
    assert finding["message"].startswith("100 epochs (key trainer.max_epochs) with a validation set")
    early = LIGHTNING_CLI.format(callback="EarlyStopping")
    assert project({"configs/train.yaml": early}).findings("HP107") == []


def test_hp107_min_epochs_option(project):
    pyproject = "[tool.hplint.rules.HP107]\nmin-epochs = 200\n"
    assert project({"pyproject.toml": pyproject, "train.py": long_run()}).findings("HP107") == []


def test_hp107_epochs_no_improve_counter_is_early_stopping(project):
    after_validation = (
        "    if val_loss < min_val_loss:\n        min_val_loss = val_loss\n        epochs_no_improve = 0\n"
        "    else:\n        epochs_no_improve += 1\n    if epochs_no_improve >= 10:\n        break\n"
    )
    assert project({"train.py": long_run(after_validation=after_validation)}).findings("HP107") == []


def test_hp107_reduce_lr_on_plateau_patience_is_not_early_stopping(project):
    config = "epochs: 100\nlr: 0.001\nscheduler:\n  factor: 0.5\n  patience: 5\n"
    assert len(project({"configs/train.yaml": config, "train.py": CONFIGURED_RUN}).findings("HP107")) == 1


CONFIGURED_RUN = long_run(
    epochs='cfg["epochs"]', constants='import yaml; cfg = yaml.safe_load(open("configs/train.yaml"))'
)


def test_hp107_epochs_from_a_loaded_config(project):
    config = "epochs: 100\nlr: 0.001\nscheduler:\n  factor: 0.5\n  cooldown: 5\n"
    finding = only(project({"configs/train.yaml": config, "train.py": CONFIGURED_RUN}).findings("HP107"))
    assert (finding["path"], finding["line"]) == ("configs/train.yaml", 1)
    assert finding["message"].startswith("100 epochs (key epochs) with a validation set")


# ---------------------------------------------------------------- HP108 early-stopping-impatient


def test_hp108_lightning_patience_one(project):
    source = LIGHTNING.format(callbacks='EarlyStopping(monitor="val_loss", patience=1)')
    finding = only(project({"train.py": source}).findings("HP108"))
    assert (finding["line"], finding["column"]) == (10, 91)
    assert finding["severity"] == "warning"
    assert finding["message"] == (
        "EarlyStopping with patience=1 stops on the first bump of a noisy validation curve; "
        "wait a few epochs: patience=3 or more"
    )
    assert finding["source"] is None


def test_hp108_patience_from_a_constant(project):
    source = "PATIENCE = 2\n" + LIGHTNING.format(callbacks='EarlyStopping(monitor="val_loss", patience=PATIENCE)')
    finding = only(project({"train.py": source}).findings("HP108"))
    assert finding["line"] == 1
    assert finding["source"] == {"path": "train.py", "line": 12}


def test_hp108_keras_default_patience_is_zero(project):
    source = """
    from keras.callbacks import EarlyStopping

    def train(model, x, y):
        model.fit(x, y, epochs=100, validation_split=0.1, callbacks=[EarlyStopping(monitor="val_loss")])
    """
    finding = only(project({"train.py": source}).findings("HP108"))
    assert (finding["line"], finding["column"]) == (4, 66)
    assert finding["message"] == (
        "EarlyStopping with the default patience=0 stops on the first bump of a noisy validation curve; "
        "wait a few epochs: patience=3 or more"
    )


HF_EARLY = """
from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
callback = EarlyStoppingCallback({arguments})
Trainer(model=None, args=args, train_dataset=None, eval_dataset=None, callbacks=[callback]).train()
"""


def test_hp108_hugging_face_default_patience_is_one(project):
    finding = only(project({"train.py": HF_EARLY.format(arguments="")}).findings("HP108"))
    assert (finding["line"], finding["column"]) == (4, 12)
    assert finding["message"] == (
        "EarlyStoppingCallback with the default early_stopping_patience=1 stops on the first bump of a noisy "
        "validation curve; wait a few epochs: early_stopping_patience=3 or more"
    )


def test_hp108_hugging_face_explicit_patience(project):
    finding = only(project({"train.py": HF_EARLY.format(arguments="early_stopping_patience=2")}).findings("HP108"))
    assert "EarlyStoppingCallback with early_stopping_patience=2 stops" in finding["message"]
    assert project({"train.py": HF_EARLY.format(arguments="early_stopping_patience=3")}).findings("HP108") == []


@pytest.mark.parametrize(
    "callbacks",
    [
        'EarlyStopping(monitor="val_loss")',  # Lightning's default is 3
        'EarlyStopping(monitor="val_loss", patience=3)',  # strict: 3 passes
        'EarlyStopping(monitor="val_loss", patience=20)',
        'EarlyStopping(monitor="val_loss", patience=int(os.environ["PATIENCE"]))',
    ],
)
def test_hp108_patient_or_unknown_stays_silent(project, callbacks):
    assert project({"train.py": LIGHTNING.format(callbacks=callbacks)}).findings("HP108") == []


def test_hp108_reduce_lr_on_plateau_is_not_early_stopping(project):
    scheduler = "scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1)"
    assert project({"train.py": script(scheduler=scheduler, epoch_step="scheduler.step(loss)")}).findings("HP108") == []


def test_hp108_a_project_early_stopping_class_is_not_read(project):
    source = """
    from pytorchtools import EarlyStopping

    early_stopping = EarlyStopping(patience=1, verbose=True)
    """
    assert project({"train.py": source}).findings("HP108") == []


def test_hp108_config_early_stopping_section(project):
    config = "max_epochs: 100\nlr: 0.001\nearly_stopping:\n  monitor: val_loss\n  patience: 1\n"
    finding = only(project({"configs/train.yaml": config}).findings("HP108"))
    assert (finding["path"], finding["line"], finding["column"]) == ("configs/train.yaml", 5, 3)
    assert finding["message"] == (
        "patience=1 (key early_stopping.patience) stops on the first bump of a noisy validation curve; "
        "wait a few epochs: patience=3 or more"
    )


@pytest.mark.parametrize(
    "config",
    [
        "max_epochs: 100\nlr: 0.001\nscheduler:\n  name: plateau\n  patience: 1\n",  # ReduceLROnPlateau's
        "max_epochs: 100\nlr: 0.001\nearly_stopping_patience: 5\n",
    ],
)
def test_hp108_config_silent_cases(project, config):
    assert project({"configs/train.yaml": config}).findings("HP108") == []


def test_hp108_top_level_early_stopping_patience_key(project):
    config = "max_epochs: 100\nlr: 0.001\nearly_stopping_patience: 2\n"
    finding = only(project({"configs/train.yaml": config}).findings("HP108"))
    assert finding["line"] == 3 and "patience=2 (key early_stopping_patience)" in finding["message"]


def test_hp108_min_option(project):
    pyproject = "[tool.hplint.rules.HP108]\nmin = 5\n"
    source = LIGHTNING.format(callbacks='EarlyStopping(monitor="val_loss", patience=3)')
    finding = only(project({"pyproject.toml": pyproject, "train.py": source}).findings("HP108"))
    assert finding["message"].endswith("wait a few epochs: patience=5 or more")


def test_hp108_positional_hugging_face_patience(project):
    assert project({"train.py": HF_EARLY.format(arguments="5")}).findings("HP108") == []


def test_hp108_lightning_cli_config_callback(project):
    config = """
    trainer:
      max_epochs: 100
      callbacks:
        - class_path: lightning.pytorch.callbacks.EarlyStopping
          init_args:
            monitor: val_loss
            patience: 1
    model:
      lr: 0.001
    """
    finding = only(project({"configs/train.yaml": config}).findings("HP108"))
    assert finding["line"] == 7


def test_hp108_config_value_used_in_code_is_reported_once(project):
    config = "max_epochs: 100\nlr: 0.001\nearly_stopping:\n  monitor: val_loss\n  patience: 1\n"
    source = """
    import yaml
    from lightning.pytorch.callbacks import EarlyStopping

    cfg = yaml.safe_load(open("configs/train.yaml"))
    early_stopping = EarlyStopping(monitor="val_loss", patience=cfg["early_stopping"]["patience"])
    """
    findings = project({"configs/train.yaml": config, "train.py": source}).findings("HP108")
    assert [(f["path"], f["line"]) for f in findings] == [("configs/train.yaml", 5)]
