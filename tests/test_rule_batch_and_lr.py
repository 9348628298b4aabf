"""HP101 large-batch and HP103 lr-out-of-range: values in code and in training configs."""

from __future__ import annotations

import pytest

LOOP = """
import torch
from torch import nn, optim
from torch.utils.data import DataLoader

{constants}

def train(model, train_set, val_set):
    train_loader = DataLoader(train_set, batch_size={batch}, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=1024)
    optimizer = optim.SGD(model.parameters(), lr={lr}, momentum=0.9)
    criterion = nn.MSELoss()
    for epoch in range(10):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    train(build_model(), load_split("train"), load_split("val"))
"""


def loop(batch: str = "32", lr: str = "0.1", constants: str = "") -> str:
    return LOOP.format(batch=batch, lr=lr, constants=constants)


# ---------------------------------------------------------------- HP101


def test_literal_batch_size_fires_at_the_literal(project):
    linted = project({"train.py": loop(batch="256")})
    [finding] = linted.findings("HP101")
    assert (finding["line"], finding["column"]) == (8, 53)
    assert finding["message"] == (
        "DataLoader batch_size=256: 256 samples per optimizer step, above 32: small batches often generalise "
        "better (Masters & Luschi); to keep it large, scale the lr with the batch and warm up (Goyal et al.)"
    )
    assert finding["severity"] == "info"
    assert finding["source"] is None


def test_module_constant_fires_at_the_constant_and_names_the_use(project):
    linted = project({"train.py": loop(batch="BATCH_SIZE", constants="BATCH_SIZE = 2 ** 7")})
    [finding] = linted.findings("HP101")
    assert finding["line"] == 5
    assert "DataLoader batch_size=128 via BATCH_SIZE (used at train.py:8)" in finding["message"]
    assert finding["source"] == {"path": "train.py", "line": 8}


def test_constant_imported_from_another_module(project):
    linted = project({
        "settings.py": "BATCH_SIZE = 512\n",
        "train.py": loop(batch="BATCH_SIZE", constants="from settings import BATCH_SIZE"),
    })
    [finding] = linted.findings("HP101")
    assert finding["path"] == "settings.py" and finding["line"] == 1


def test_local_variable_keeps_its_chain(project):
    linted = project({"train.py": loop(batch="bs", constants="").replace(
        "    train_loader =", "    bs = 64\n    train_loader ="
    )})
    [finding] = linted.findings("HP101")
    assert finding["line"] == 8 and "via bs (used at train.py:9)" in finding["message"]


@pytest.mark.parametrize("batch", ["32", "16", "int(os.environ['BS'])", "args.batch_size", "len(data) // 10"])
def test_small_or_unknown_batch_sizes_stay_silent(project, batch):
    assert project({"train.py": loop(batch=batch)}).findings("HP101") == []


def test_branch_assigned_constant_is_unknown(project):
    constants = "BATCH_SIZE = 16\nif torch.cuda.is_available():\n    BATCH_SIZE = 512"
    assert project({"train.py": loop(batch="BATCH_SIZE", constants=constants)}).findings("HP101") == []


def test_evaluation_loaders_do_not_count(project):
    # val_loader above has batch_size=1024; nothing fires for it.
    assert project({"train.py": loop()}).findings("HP101") == []


def test_lightning_val_dataloader_does_not_count(project):
    linted = project({"lit.py": """
        import lightning.pytorch as pl
        from torch.utils.data import DataLoader


        class Data(pl.LightningDataModule):
            def train_dataloader(self):
                return DataLoader(self.train_set, batch_size=64)

            def val_dataloader(self):
                return DataLoader(self.val_set, batch_size=512)


        trainer = pl.Trainer(max_epochs=5)
        trainer.fit(model, datamodule=Data())
    """})
    [finding] = linted.findings("HP101")
    assert finding["line"] == 7


def test_inference_script_without_training_stays_silent(project):
    linted = project({"predict.py": """
        import torch
        from torch.utils.data import DataLoader

        loader = DataLoader(images, batch_size=256)
        with torch.no_grad():
            for batch in loader:
                print(model(batch).argmax(1))
    """})
    assert linted.findings("HP101") == []


TRAIN_YAML = """
optimizer:
  name: sgd
  lr: {lr}
  momentum: 0.9
data:
  batch_size: {batch}
  num_workers: 4
test:
  batch_size: 1000
trainer:
  max_epochs: 90
"""


def test_yaml_training_config_batch_size_fires_at_the_key(project):
    linted = project({"configs/train.yaml": TRAIN_YAML.format(lr="0.1", batch="256")})
    [finding] = linted.findings("HP101")
    assert (finding["path"], finding["line"], finding["column"]) == ("configs/train.yaml", 6, 3)
    assert finding["message"].startswith("batch_size=256 (key data.batch_size)")


def test_yaml_that_is_not_a_training_config_stays_silent(project):
    linted = project({"deploy/service.yaml": """
        service:
          name: embedder
          batch_size: 512
          replicas: 3
    """})
    assert linted.diagnostics() == []


def test_batch_of_exactly_max_is_fine_and_max_is_an_option(project):
    linted = project({
        "configs/train.yaml": TRAIN_YAML.format(lr="0.1", batch="64"),
        "pyproject.toml": "[tool.hplint.rules.HP101]\nmax = 64\n",
    })
    assert linted.findings("HP101") == []


def test_training_arguments_batch_size(project):
    linted = project({"train_hf.py": """
        from transformers import Trainer, TrainingArguments

        args = TrainingArguments(
            output_dir="out",
            per_device_train_batch_size=128,
            per_device_eval_batch_size=256,
            learning_rate=5e-5,
        )
        Trainer(model=model, args=args, train_dataset=train, eval_dataset=val).train()
    """})
    [finding] = linted.findings("HP101")
    assert finding["line"] == 5


# ---------------------------------------------------------------- HP103


def test_lr_above_max_fires(project):
    linted = project({"train.py": loop(lr="3.0")})
    [finding] = linted.findings("HP103")
    assert finding["severity"] == "warning" and finding["line"] == 10
    assert finding["message"].startswith("SGD lr=3.0 is above 1.0")


@pytest.mark.parametrize("lr", ["0", "-0.01", "0.0"])
def test_lr_not_positive_is_an_error(project, lr):
    [finding] = project({"train.py": loop(lr=lr)}).findings("HP103")
    assert finding["severity"] == "error"


def test_lr_below_min_fires(project):
    [finding] = project({"train.py": loop(lr="1e-8")}).findings("HP103")
    assert "below 1e-06" in finding["message"]


@pytest.mark.parametrize("lr", ["0.1", "1.0", "1e-6", "3e-4 * 4", "args.lr", "get_lr()"])
def test_lr_in_range_or_unknown_stays_silent(project, lr):
    assert project({"train.py": loop(lr=lr)}).findings("HP103") == []


def test_positional_lr(project):
    linted = project({"train.py": loop().replace("lr=0.1, momentum=0.9", "10, 0.9")})
    [finding] = linted.findings("HP103")
    assert finding["message"].startswith("SGD lr=10 is above 1.0")


def test_yaml_lr_written_as_pyyaml_string_is_a_number(project):
    # PyYAML reads 3e2 (no dot) as a string; under a hyperparameter key it is a number.
    linted = project({"configs/train.yaml": TRAIN_YAML.format(lr="3e2", batch="32")})
    [finding] = linted.findings("HP103")
    assert finding["line"] == 3 and finding["message"].startswith("lr=300.0 (key optimizer.lr)")


def test_toml_and_json_training_configs(project):
    linted = project({
        "configs/train.toml": "[optim]\nlr = 5.0\nweight_decay = 0.01\n[data]\nbatch_size = 16\n",
        "configs/ds_config.json": '{\n  "train_micro_batch_size_per_gpu": 64,\n  "optimizer": {"params": {"lr": 0.001}},\n  "gradient_accumulation_steps": 1\n}\n',
    })
    found = {(d["code"], d["path"], d["line"]) for d in linted.diagnostics()}
    assert found == {("HP103", "configs/train.toml", 2), ("HP101", "configs/ds_config.json", 2)}


def test_options_thresholds(project):
    linted = project({
        "train.py": loop(lr="3.0"),
        "hplint.toml": "[rules.HP103]\nmax = 5.0\n",
    })
    assert linted.findings("HP103") == []


# ---------------------------------------------------------------- values from other places


def test_argparse_default_is_reported_at_the_default_with_its_chain(project):
    linted = project({"train.py": """
        import argparse

        import torch
        from torch.utils.data import DataLoader

        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=5.0)
        args = parser.parse_args()
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
        for x, y in DataLoader(data, batch_size=16):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    """})
    [finding] = linted.findings("HP103")
    assert (finding["line"], finding["column"]) == (7, 49)
    assert finding["message"].startswith("SGD lr=5.0 via args.lr ← --lr default (used at train.py:9) is above 1.0")
    assert finding["source"] == {"path": "train.py", "line": 9}


def test_config_value_read_by_code_is_reported_once_at_the_key_naming_the_use(project):
    linted = project({
        "configs/train.yaml": "data:\n  batch_size: 512\n",
        "train.py": """
            import yaml
            from torch.utils.data import DataLoader

            cfg = yaml.safe_load(open("configs/train.yaml"))
            loader = DataLoader(dataset, batch_size=cfg["data"]["batch_size"], shuffle=True)
            for x, y in loader:
                criterion(model(x), y).backward()
                optimizer.step()
        """,
    })
    [finding] = linted.findings("HP101")
    assert (finding["path"], finding["line"]) == ("configs/train.yaml", 2)
    assert finding["message"].startswith(
        'DataLoader batch_size=512 via cfg["data"]["batch_size"] (used at train.py:5)'
    )


def test_config_value_read_only_by_an_evaluation_loader_is_not_a_training_batch(project):
    linted = project({
        "configs/train.yaml": "optim:\n  lr: 0.1\nbatch_size: 512\n",
        "train.py": """
            import yaml
            from torch.utils.data import DataLoader

            cfg = yaml.safe_load(open("configs/train.yaml"))
            val_loader = DataLoader(val_set, batch_size=cfg["batch_size"])
            loss.backward()
        """,
    })
    assert linted.findings("HP101") == []
