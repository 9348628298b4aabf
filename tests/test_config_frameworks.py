"""Config trees read as their frameworks compose them, with the frameworks themselves as the oracle.

Each test writes a realistic multi-file layout, lets hplint compose it, and compares every composed
value with what Hydra's compose API, MMEngine's Config.fromfile, fvcore's CfgNode or jsonargparse
compute on the same tree (test dependencies only: hplint never imports them).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from conftest import write_project
from hplint.extract import extract_file
from hplint.facts import Const, LaunchArgument, LaunchCommand, Location
from hplint.project import Project
from hplint.project.compose import Composer


def test_the_framework_oracles_are_installed():
    for module in ("hydra", "omegaconf", "mmengine.config", "fvcore.common.config", "jsonargparse"):
        assert importlib.util.find_spec(module.split(".")[0]) is not None, f"{module}: install the test extra (README)"


def project_of(root: Path) -> Project:
    files = sorted(path for path in root.rglob("*") if path.is_file() and ".hplint_cache" not in path.parts)
    return Project(extract_file(path, path.relative_to(root).as_posix()) for path in files)


def composed(root: Path, config: str, overrides: tuple[str, ...] = ()) -> dict[str, object]:
    """hplint's composed config, as dotted key -> value, with a launch line's overrides."""
    project = project_of(root)
    launch = None
    if overrides:
        where = Location("run.sh", 1, 1, 1, 1)
        arguments = tuple(
            LaunchArgument(item.partition("=")[0], Const(item.partition("=")[2] or None, where), "") for item in overrides
        )
        launch = LaunchCommand("train.py", False, "", arguments, (), None, where)
    composer = Composer(project.index, project.configs, project.resolve, launch)
    return {".".join(keys): value.value for keys, value in composer.compose(config).leaves.items()}


def leaves(data: object, prefix: tuple[str, ...] = ()) -> dict[str, object]:
    """A framework's config as dotted key -> scalar (lists by position, as hplint keys them)."""
    if isinstance(data, dict):
        return {key: value for name, inner in data.items() for key, value in leaves(inner, prefix + (str(name),)).items()}
    if isinstance(data, (list, tuple)):
        return {key: value for index, inner in enumerate(data) for key, value in leaves(inner, prefix + (str(index),)).items()}
    return {".".join(prefix): data}


def same(mine: dict[str, object], theirs: dict[str, object]) -> list[str]:
    """The keys whose values differ, numbers compared as numbers."""
    differ = []
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key, "<missing>"), theirs.get(key, "<missing>")
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        if not (a == b or numbers and math.isclose(a, b)):  # type: ignore[arg-type]
            differ.append(f"{key}: hplint {a!r}, framework {b!r}")
    return differ


# ---------------------------------------------------------------- Hydra

HYDRA_TREE = {
    "conf/config.yaml": """
        defaults:
          - _self_
          - data: mnist
          - model: cnn
          - trainer: default
          - experiment: null

        seed: 42
        task_name: train
    """,
    "conf/data/mnist.yaml": """
        _target_: project.data.MNISTDataModule
        data_dir: ${paths.data_dir}
        batch_size: 128
        num_workers: 4
    """,
    "conf/data/big.yaml": "batch_size: 1024\n",
    "conf/model/cnn.yaml": """
        _target_: project.models.CNN
        optimizer:
          _target_: torch.optim.Adam
          _partial_: true
          lr: 0.001
          weight_decay: 0.0
        channels: [32, 64]
    """,
    "conf/trainer/default.yaml": """
        _target_: lightning.pytorch.Trainer
        max_epochs: 10
        accumulate_grad_batches: 1
        devices: 1
    """,
    "conf/trainer/gpu.yaml": "defaults:\n  - default\n\naccelerator: gpu\ndevices: 2\n",
    "conf/experiment/fast.yaml": """
        # @package _global_
        defaults:
          - override /data: big
          - override /trainer: gpu

        seed: 7
        trainer:
          max_epochs: 3
        model:
          optimizer:
            lr: 0.01
    """,
    "conf/paths/default.yaml": "data_dir: data/\n",
    "train.py": """
        import hydra
        from hydra.utils import instantiate


        @hydra.main(config_path="conf", config_name="config", version_base=None)
        def main(cfg):
            datamodule = instantiate(cfg.data)
            model = instantiate(cfg.model)
            trainer = instantiate(cfg.trainer)
            trainer.fit(model, datamodule=datamodule)


        if __name__ == "__main__":
            main()
    """,
    "scripts/fast.sh": "cd ..\npython train.py experiment=fast trainer.devices=4 +trainer.num_nodes=2\n",
}


@pytest.mark.parametrize("overrides", [
    (),
    ("data=big",),
    ("experiment=fast",),
    ("experiment=fast", "trainer.devices=4", "+trainer.num_nodes=2"),
    ("trainer=gpu", "model.optimizer.lr=0.05", "~model.channels"),
])
def test_hydra_defaults_groups_and_launch_overrides_compose_as_hydra_does(tmp_path, overrides):
    hydra = pytest.importorskip("hydra")
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    write_project(tmp_path, HYDRA_TREE)
    with initialize_config_dir(str(tmp_path / "conf"), version_base=None):
        cfg = compose("config", overrides=list(overrides))
    theirs = leaves(OmegaConf.to_container(cfg, resolve=False))
    assert hydra is not None
    assert same(composed(tmp_path, "conf/config.yaml", overrides), theirs) == []


def test_hydra_findings_follow_the_launch_line_that_chose_the_group_files(project):
    linted = project(HYDRA_TREE)
    batches = {(f["path"], f["line"]): f["message"] for f in linted.findings("HP101")}
    # The bare run composes data: mnist (128 × the default trainer's 1 device); the launch line chose data=big
    # through the experiment's override, and multiplies it by its own devices and nodes.
    assert batches[("conf/data/mnist.yaml", 3)].startswith(
        "batch_size=128 (key data.batch_size via defaults data: mnist): 128 samples per optimizer step"
    )
    assert "1024 per device × 4 devices (scripts/fast.sh:2) × 2 nodes (scripts/fast.sh:2) = 8192 samples" in batches[
        ("conf/data/big.yaml", 1)
    ]
    assert len(batches) == 2
    # The experiment's lr 0.01 is exactly 10× Adam's default: thresholds are strict.
    assert linted.findings("HP104") == [] and linted.findings("HP103") == []


def test_hydra_group_file_that_sets_one_key_is_read_when_chosen(project):
    files = dict(HYDRA_TREE, **{"scripts/fast.sh": "cd ..\npython train.py data=big\n"})
    batches = {(f["path"], f["line"]): f["message"] for f in project(files).findings("HP101")}
    assert batches[("conf/data/big.yaml", 1)].startswith(
        "batch_size=1024 (key data.batch_size via defaults data: big): 1024 samples per optimizer step"
    )


# ---------------------------------------------------------------- detectron2 yacs _BASE_

YACS_TREE = {
    "configs/Base-RCNN.yaml": """
        MODEL:
          META_ARCHITECTURE: "GeneralizedRCNN"
          RESNETS:
            DEPTH: 50
        SOLVER:
          IMS_PER_BATCH: 16
          BASE_LR: 0.02
          STEPS: (60000, 80000)
          MAX_ITER: 90000
        INPUT:
          MIN_SIZE_TRAIN: (640, 672, 704)
    """,
    "configs/COCO/faster_rcnn_R_50_1x.yaml": """
        _BASE_: "../Base-RCNN.yaml"
        MODEL:
          WEIGHTS: "R-50.pkl"
        SOLVER:
          STEPS: [210000, 250000]
          MAX_ITER: 270000
    """,
    "configs/COCO/faster_rcnn_R_101_3x_bs64.yaml": """
        _BASE_: "faster_rcnn_R_50_1x.yaml"
        MODEL:
          RESNETS:
            DEPTH: 101
        SOLVER:
          IMS_PER_BATCH: 64
          BASE_LR: 0.08
    """,
}


def test_a_base_chain_three_deep_merges_as_yacs_merges(tmp_path):
    fvcore = pytest.importorskip("fvcore.common.config")
    write_project(tmp_path, YACS_TREE)
    for config in ("configs/COCO/faster_rcnn_R_50_1x.yaml", "configs/COCO/faster_rcnn_R_101_3x_bs64.yaml"):
        theirs = leaves(fvcore.CfgNode.load_yaml_with_base(str(tmp_path / config)))
        mine = composed(tmp_path, config)
        # yacs keeps `(60000, 80000)` as the string YAML reads; hplint too
        assert same(mine, theirs) == [], config


def test_a_child_that_sets_only_the_schedule_keeps_the_bases_batch_and_lr(project):
    linted = project(YACS_TREE)
    # The 1x child sets only MAX_ITER and STEPS: its batch (16) and lr (0.02) come from the base and pass;
    # the bs64 grandchild's 64 is the global batch, once, at its own key.
    findings = linted.findings("HP101")
    assert [(f["path"], f["line"]) for f in findings] == [("configs/COCO/faster_rcnn_R_101_3x_bs64.yaml", 6)]
    assert "is the global batch: 64 samples per optimizer step" in findings[0]["message"]
    facts = linted.run(".", "--show-facts", "--format", "json").json()["facts"]
    lrs = [fact for fact in facts if fact.get("type") == "Setting" and fact["hyperparameter"] == "lr"]
    assert {fact["value"]["value"] for fact in lrs} == {0.02, 0.08}


# ---------------------------------------------------------------- MMEngine _base_ and _delete_

MMENGINE_TREE = {
    "configs/_base_/models/resnet50.py": """
        model = dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ), style='pytorch'),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048,
                      loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, 5)))
    """,
    "configs/_base_/datasets/imagenet_bs32.py": """
        dataset_type = 'ImageNet'
        train_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='RandomResizedCrop', scale=224),
            dict(type='PackInputs'),
        ]
        train_dataloader = dict(
            batch_size=32,
            num_workers=5,
            dataset=dict(type=dataset_type, data_root='data/imagenet', split='train', pipeline=train_pipeline),
            sampler=dict(type='DefaultSampler', shuffle=True),
        )
        val_dataloader = dict(batch_size=32, num_workers=5, dataset=dict(type=dataset_type, split='val'))
        test_dataloader = val_dataloader
    """,
    "configs/_base_/schedules/imagenet_bs256.py": """
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))
        param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
        train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
        auto_scale_lr = dict(base_batch_size=256)
    """,
    "configs/resnet/resnet50_8xb32_in1k.py": """
        _base_ = [
            '../_base_/models/resnet50.py', '../_base_/datasets/imagenet_bs32.py',
            '../_base_/schedules/imagenet_bs256.py',
        ]
    """,
    "configs/resnet/resnet50_8xb256-coslr_in1k.py": """
        _base_ = ['./resnet50_8xb32_in1k.py']
        train_dataloader = dict(batch_size=256)
        optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.004, weight_decay=0.05))
        param_scheduler = [
            dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=5),
            dict(type='CosineAnnealingLR', T_max=95, by_epoch=True, begin=5, end=100),
        ]
    """,
}


def test_a_base_list_with_delete_merges_as_mmengine_merges(tmp_path):
    mmengine = pytest.importorskip("mmengine.config")
    write_project(tmp_path, MMENGINE_TREE)
    for config in ("configs/resnet/resnet50_8xb32_in1k.py", "configs/resnet/resnet50_8xb256-coslr_in1k.py"):
        theirs = leaves(mmengine.Config.fromfile(str(tmp_path / config)).to_dict())
        assert same(composed(tmp_path, config), theirs) == [], config


def test_mmengine_names_give_the_devices_and_delete_replaces_the_optimizer(project):
    linted = project(MMENGINE_TREE)
    messages = {(f["path"], f["line"]): f["message"] for f in linted.findings("HP101")}
    assert messages[("configs/_base_/datasets/imagenet_bs32.py", 8)].startswith(
        "batch_size=32 (key train_dataloader.batch_size via _base_ ../_base_/datasets/imagenet_bs32.py): 32 per device × 8 devices "
        "(from the config's name resnet50_8xb32_in1k) = 256 samples per optimizer step"
    )
    assert "256 per device × 8 devices (from the config's name resnet50_8xb256-coslr_in1k) = 2048" in messages[
        ("configs/resnet/resnet50_8xb256-coslr_in1k.py", 2)
    ]
    # AdamW's 0.004 (4× its default) and SGD's 0.1 are fine; MultiStepLR reaches 1e-3 only at epoch 90 of 100.
    assert linted.findings("HP104") == [] and linted.findings("HP103") == [] and linted.findings("HP106") == []


# ---------------------------------------------------------------- detectron2 LazyConfig

LAZY_TREE = {
    "configs/common/optim.py": """
        import torch

        from detectron2.config import LazyCall as L
        from detectron2.solver.build import get_default_optimizer_params

        SGD = L(torch.optim.SGD)(
            params=L(get_default_optimizer_params)(weight_decay_norm=0.0),
            lr=0.02,
            momentum=0.9,
            weight_decay=1e-4,
        )
    """,
    "configs/common/train.py": "train = dict(output_dir='./output', max_iter=90000, eval_period=5000, checkpointer=dict(period=5000))\n",
    "configs/common/data.py": """
        from omegaconf import OmegaConf

        from detectron2.config import LazyCall as L
        from detectron2.data import build_detection_train_loader

        dataloader = OmegaConf.create()
        dataloader.train = L(build_detection_train_loader)(total_batch_size=16, num_workers=4)
    """,
    "configs/mask_rcnn_100ep.py": """
        from .common.data import dataloader
        from .common.optim import SGD as optimizer
        from .common.train import train

        dataloader.train.total_batch_size = 64
        train.max_iter = 184375
        optimizer.lr = 2.4
        optimizer.weight_decay = 4e-5
    """,
}


def test_a_lazyconfig_file_reads_the_objects_it_imports_and_changes(tmp_path, project):
    write_project(tmp_path, LAZY_TREE)
    mine = composed(tmp_path, "configs/mask_rcnn_100ep.py")
    assert mine["optimizer._target_"] == "torch.optim.SGD"
    assert (mine["optimizer.lr"], mine["optimizer.momentum"], mine["optimizer.weight_decay"]) == (2.4, 0.9, 4e-5)
    assert (mine["dataloader.train.total_batch_size"], mine["train.max_iter"]) == (64, 184375)
    linted = project(LAZY_TREE)
    [lr] = linted.findings("HP103")
    assert (lr["path"], lr["line"]) == ("configs/mask_rcnn_100ep.py", 7)
    [batch] = linted.findings("HP101")
    assert (batch["path"], batch["line"]) == ("configs/mask_rcnn_100ep.py", 5)
    assert "is the global batch: 64 samples" in batch["message"]


# ---------------------------------------------------------------- DeepSpeed

def test_deepspeed_micro_and_global_batch_reports_the_global_once(project):
    linted = project({
        "ds_config.json": """
            {
              "train_batch_size": 65536,
              "train_micro_batch_size_per_gpu": 64,
              "gradient_accumulation_steps": 128,
              "optimizer": {"type": "Adam", "params": {"lr": 0.0006, "weight_decay": 0.01}},
              "zero_optimization": {"stage": 1}
            }
        """,
    })
    [finding] = linted.findings("HP101")
    assert finding["line"] == 2
    assert finding["message"].startswith(
        "train_batch_size=65536 (key train_batch_size) is the global batch: 65536 samples per optimizer step"
    )


# ---------------------------------------------------------------- Hugging Face and accelerate

HF_SCRIPT = """
from dataclasses import dataclass, field

from transformers import AutoModelForSequenceClassification, HfArgumentParser, Trainer, TrainingArguments


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="bert-base-uncased")


def main():
    parser = HfArgumentParser((ModelArguments, TrainingArguments))
    model_args, training_args = parser.parse_args_into_dataclasses()
    model = AutoModelForSequenceClassification.from_pretrained(model_args.model_name_or_path)
    trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
    trainer.train()


if __name__ == "__main__":
    main()
"""


def test_an_hf_launch_script_with_an_accelerate_config(project):
    linted = project({
        "run_glue.py": HF_SCRIPT,
        "configs/accelerate/multi_gpu.yaml": """
            compute_environment: LOCAL_MACHINE
            distributed_type: MULTI_GPU
            mixed_precision: bf16
            num_machines: 1
            num_processes: 8
        """,
        "scripts/finetune.sh": """
            #!/usr/bin/env bash
            LR=5e-2
            BS=16
            accelerate launch --config_file configs/accelerate/multi_gpu.yaml run_glue.py \\
                --learning_rate $LR \\
                --per_device_train_batch_size ${BS} \\
                --gradient_accumulation_steps ${ACCUM:-4} \\
                --num_train_epochs 3
        """,
    })
    [batch] = linted.findings("HP101")
    assert (batch["path"], batch["line"]) == ("scripts/finetune.sh", 3)
    assert batch["message"].startswith(
        "TrainingArguments batch_size=16 via --per_device_train_batch_size ← $BS (used at scripts/finetune.sh:4): "
        "16 per device × 4 accumulation steps (scripts/finetune.sh:7) × 8 devices (configs/accelerate/multi_gpu.yaml:5) "
        "= 512 samples per optimizer step"
    )
    [lr] = linted.findings("HP104")
    assert (lr["path"], lr["line"]) == ("scripts/finetune.sh", 2)
    assert lr["message"].startswith("TrainingArguments lr=0.05 via --learning_rate ← $LR")


# ---------------------------------------------------------------- nanoGPT's configurator

NANO_TRAIN = """
import os

import torch

from model import GPT

out_dir = "out"
gradient_accumulation_steps = 5 * 8
batch_size = 12
block_size = 1024
learning_rate = 6e-4
max_iters = 600000
exec(open("configurator.py").read())

ddp = int(os.environ.get("RANK", -1)) != -1
if ddp:
    gradient_accumulation_steps //= int(os.environ["WORLD_SIZE"])
model = GPT()
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
for it in range(max_iters):
    for micro_step in range(gradient_accumulation_steps):
        loss = model(*get_batch("train"))
        loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
"""


def test_a_configurator_script_is_overridden_by_the_config_on_its_launch_line(project):
    linted = project({
        "train.py": NANO_TRAIN,
        "model.py": "from torch import nn\n\n\nclass GPT(nn.Module):\n    pass\n",
        "configurator.py": "import sys\nfor arg in sys.argv[1:]:\n    exec(open(arg).read())\n",
        "config/finetune_shakespeare.py": "batch_size = 64\nlearning_rate = 3e-2\nmax_iters = 20\n",
        "finetune.sh": "torchrun --standalone --nproc_per_node=2 train.py config/finetune_shakespeare.py --batch_size=96\n",
    })
    [lr] = linted.findings("HP104")
    assert (lr["path"], lr["line"]) == ("config/finetune_shakespeare.py", 2)
    batches = {(f["path"], f["line"]): f["message"] for f in linted.findings("HP101")}
    # The launch line's --batch_size=96 wins over the config's 64; the accumulation the script divides is unknown.
    assert "96 per device × 2 devices (finetune.sh:1) × unknown accumulation steps (train.py:17) ≥ 192" in batches[
        ("finetune.sh", 1)
    ]


# ---------------------------------------------------------------- Noam / inverse square root

NOAM = """
model:
  d_model: 512
  optim:
    name: adam
    lr: {lr}
    betas: [0.9, 0.98]
    sched:
      name: NoamAnnealing
      d_model: ${{model.d_model}}
      warmup_steps: {warmup}
trainer:
  max_epochs: 100
  devices: 8
"""


@pytest.mark.parametrize(("lr", "warmup", "fires"), [("5.0", "10000", False), ("5.0", "${oc.env:WARMUP}", False), ("900.0", "4000", True)])
def test_a_noam_lr_is_a_multiplier_and_its_peak_is_judged(project, lr, warmup, fires):
    linted = project({"conf/asr.yaml": NOAM.format(lr=lr, warmup=warmup)})
    findings = linted.findings("HP104") + linted.findings("HP103")
    assert bool(findings) == fires
    if fires:
        assert "peak of the schedule: lr / sqrt(d_model 512 × warmup 4000)" in findings[0]["message"]


# ---------------------------------------------------------------- files that are not training configs

def test_files_of_other_tools_stay_silent(project):
    linted = project({
        ".gitlab-ci.yml": "variables:\n  LR: 0.5\n  BATCH_SIZE: 4096\n  EPOCHS: 1000\ntrain:\n  script: python train.py\n",
        "deploy/configmap.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trainer\n"
            "data:\n  learning_rate: '10.0'\n  batch_size: '8192'\n"
        ),
        "charts/trainer/Chart.yaml": "apiVersion: v2\nname: trainer\nversion: 0.1.0\n",
        "charts/trainer/values.yaml": "training:\n  lr: 5.0\n  batch_size: 4096\n  epochs: 500\n",
        "web/tsconfig.json": '{\n  // comments are fine in tsconfig\n  "compilerOptions": {"target": "es2020"}\n}\n',
        "scripts/ds_template.json": (
            '{\n  "train_micro_batch_size_per_gpu": BATCH_SIZE_PER_GPU,\n'
            '  "gradient_accumulation_steps": GRAD_ACC,\n  "optimizer": {"params": {"lr": LR}}\n}\n'
        ),
        # a tokenizer's vocabulary: words mapped to ids, whatever the words are
        "data/gpt2-vocab.json": '{"lr": 14050, "epochs": 41376, "batch_size": 50001, "dropout": 12019}\n',
    })
    assert linted.diagnostics() == []


# ---------------------------------------------------------------- Lightning CLI

LIGHTNING_CLI = {
    "main.py": """
        from lightning.pytorch.cli import LightningCLI

        from project.model import LitClassifier
        from project.data import ImageDataModule


        def cli_main():
            LightningCLI(LitClassifier, ImageDataModule)


        if __name__ == "__main__":
            cli_main()
    """,
    "configs/base.yaml": """
        seed_everything: 42
        trainer:
          max_epochs: 30
          accumulate_grad_batches: 2
          devices: 4
        model:
          class_path: project.model.LitClassifier
          init_args:
            lr: 0.001
            hidden: 256
        data:
          class_path: project.data.ImageDataModule
          init_args:
            batch_size: 32
            num_workers: 8
        optimizer:
          class_path: torch.optim.AdamW
          init_args:
            lr: 0.001
    """,
    "configs/long.yaml": """
        trainer:
          max_epochs: 300
          devices: 8
        data:
          init_args:
            batch_size: 64
    """,
    "train.sh": "python main.py fit --config configs/base.yaml --config configs/long.yaml\n",
}


def test_lightning_cli_configs_apply_in_order_as_jsonargparse_merges_them(tmp_path, project):
    jsonargparse = pytest.importorskip("jsonargparse")
    write_project(tmp_path, LIGHTNING_CLI)
    parser = jsonargparse.ArgumentParser()
    parser.add_argument("--config", action="config")
    for section in ("trainer", "model", "data", "optimizer"):
        parser.add_argument(f"--{section}", type=dict)
    parser.add_argument("--seed_everything", type=int)
    parsed = parser.parse_args(["--config", str(tmp_path / "configs/base.yaml"), "--config", str(tmp_path / "configs/long.yaml")])
    theirs = leaves({key: value for key, value in vars(parsed).items() if key != "config" and value is not None})
    project_ = project_of(tmp_path)
    [run] = [run for run in project_.runs if run.spec.launch is not None]
    mine = {".".join(keys): value.value for keys, value in run.config_leaves()}
    # jsonargparse replaces a whole dict given again on a later --config (no schema to merge by); LightningCLI's
    # typed sections merge key by key, as hplint does, so only the keys both have are compared.
    shared = set(mine) & set(theirs)
    assert {"trainer.max_epochs", "trainer.devices", "data.init_args.batch_size"} <= shared
    assert same({key: mine[key] for key in shared}, {key: theirs[key] for key in shared}) == []
    batches = {(f["path"], f["line"]): f["message"] for f in project(LIGHTNING_CLI).findings("HP101")}
    assert "64 per device × 2 accumulation steps (configs/base.yaml:4) × 8 devices (configs/long.yaml:3) = 1024" in (
        batches[("configs/long.yaml", 6)]
    )
