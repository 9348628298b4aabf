"""How values are followed, one feature at a time, including what must stay unknown."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import write_project
from hplint.extract import extract_file
from hplint.project import Project


def project_of(root: Path, files: dict[str, str]) -> Project:
    write_project(root, files)
    extracted = [
        extract_file(path, path.relative_to(root).as_posix())
        for path in sorted(root.rglob("*")) if path.is_file()
    ]
    return Project(extracted)


def lr_values(root: Path, files: dict[str, str]) -> list[tuple[object, str, str]]:
    """(value, origin, chain) of every resolved optimizer lr in code."""
    return [
        (s.value.value, str(s.value.origin), " ← ".join(h.description for h in s.value.chain))
        for s in project_of(root, files).settings("lr") if not s.in_config
    ]


def script(lr: str, prelude: str = "") -> str:
    """A script that trains at module level (so it is a run) with `lr` written as given."""
    return textwrap.dedent(prelude).strip("\n") + f"\nimport torch\noptimizer = torch.optim.SGD(params, lr={lr})\noptimizer.step()\n"


@pytest.mark.parametrize("lr, expected", [
    ("0.1", 0.1), ("-0.01", -0.01), ("3e-4 * 4", 3e-4 * 4), ("2 ** -7", 2 ** -7), ("-(1e-3)", -1e-3),
    ("float('0.5')", 0.5), ("int(2.0)", 2),
])
def test_literals_and_arithmetic(tmp_path, lr, expected):
    [(value, _, _)] = lr_values(tmp_path, {"train.py": script(lr)})
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("import_line, call", [
    ("import torch.optim as optim", "optim.Adam"),
    ("from torch import optim", "optim.Adam"),
    ("from torch.optim import Adam as A", "A"),
    ("from torch.optim import *", "Adam"),
    ("import torch", "torch.optim.Adam"),
])
def test_import_styles(tmp_path, import_line, call):
    source = f"{import_line}\n\ndef make(params):\n    return {call}(params, lr=0.5)\n\noptimizer = make(params)\noptimizer.step()\n"
    assert [v for v, _, _ in lr_values(tmp_path, {"train.py": source})] == [0.5]


def test_imports_inside_functions(tmp_path):
    source = "def make(params):\n    from torch.optim import SGD\n    return SGD(params, lr=0.5)\n\noptimizer = make(params)\noptimizer.step()\n"
    assert [v for v, _, _ in lr_values(tmp_path, {"train.py": source})] == [0.5]


def test_module_constant_and_chain(tmp_path):
    [(value, origin, chain)] = lr_values(tmp_path, {"train.py": script("LR", "BASE = 0.01\nLR = BASE * 10")})
    assert value == pytest.approx(0.1) and origin == "train.py:2" and chain == "LR ← BASE"


def test_constant_imported_from_the_project(tmp_path):
    files = {"settings.py": "LR = 0.3\n", "train.py": script("LR", "from settings import LR")}
    [(value, origin, chain)] = lr_values(tmp_path, files)
    assert (value, origin, chain) == (0.3, "settings.py:1", "LR")


def test_module_attribute(tmp_path):
    files = {"hparams.py": "LR = 0.3\n", "train.py": script("hparams.LR", "import hparams")}
    assert [v for v, _, _ in lr_values(tmp_path, files)] == [0.3]


def test_argparse_default_through_args(tmp_path):
    prelude = """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--batch-size", type=int, default=64)
        parser.add_argument("--lr", type=float, default="0.05", help="learning rate")
        opt = parser.parse_args()
    """
    [(value, origin, chain)] = lr_values(tmp_path, {"train.py": script("opt.lr", prelude)})
    assert (value, origin, chain) == (0.05, "train.py:4", "opt.lr ← --lr default")


def test_argparse_through_vars_and_a_function_parameter(tmp_path):
    source = """
        import argparse
        import torch


        def parse_args():
            parser = argparse.ArgumentParser()
            parser.add_argument("--lr", type=float, default=0.2)
            return parser.parse_args()


        def train(args):
            config = vars(args)
            return torch.optim.SGD(params, lr=config["lr"])


        if __name__ == "__main__":
            train(parse_args())
    """
    [(value, origin, _)] = lr_values(tmp_path, {"train.py": source})
    assert (value, origin) == (0.2, "train.py:7")


def test_dict_literal_lookup(tmp_path):
    prelude = 'CONFIG = {"optim": {"name": "sgd", "lr": 0.02}, "batch_size": 32}'
    [(value, _, chain)] = lr_values(tmp_path, {"train.py": script('CONFIG["optim"]["lr"]', prelude)})
    assert value == 0.02 and chain == 'CONFIG["optim"]["lr"]'


KWARGS_SCRIPT = """
    import argparse

    import torch

    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=0.7)
        args = parser.parse_args()
        optim_kwargs = {"lr": args.lr, "momentum": 0.9}
        if torch.cuda.is_available():
            optim_kwargs.update({"nesterov": True})
        WRITE
        torch.optim.SGD(model.parameters(), **optim_kwargs).step()

    main()
"""


@pytest.mark.parametrize("write, expected", [
    ("pass", [0.7]),  # pytorch/examples' `train_kwargs = {'batch_size': ...}` then `.update(cuda_kwargs)`
    ('optim_kwargs["momentum"] = 0.0', [0.7]),
    ('optim_kwargs["lr"] = 0.01', []),  # written again: the literal no longer tells
    ('optim_kwargs.update(load_overrides())', []),
    ('optim_kwargs.pop("lr")', []),
])
def test_keywords_unpacked_from_a_dict_literal(tmp_path, write, expected):
    source = textwrap.dedent(KWARGS_SCRIPT).replace("WRITE", write)
    assert [value for value, _, _ in lr_values(tmp_path, {"train.py": source})] == expected


@pytest.mark.parametrize("prelude, lookup", [
    ('import yaml\ncfg = yaml.safe_load(open("configs/train.yaml"))', 'cfg["optim"]["lr"]'),
    ('import yaml\nwith open("configs/train.yaml") as f:\n    cfg = yaml.safe_load(f)', 'cfg["optim"]["lr"]'),
    ('from omegaconf import OmegaConf\ncfg = OmegaConf.load("configs/train.yaml")', "cfg.optim.lr"),
    ('import json\ncfg = json.load(open("configs/train.json"))', 'cfg["optim"]["lr"]'),
    ('import yaml\ncfg = yaml.safe_load(open("configs/train.yaml"))', 'cfg["optim"].get("lr", 9.0)'),
])
def test_config_files_loaded_by_the_code(tmp_path, prelude, lookup):
    files = {
        "configs/train.yaml": "optim:\n  name: sgd\n  lr: 1e-2\n",
        "configs/train.json": '{"optim": {"lr": 0.01}}\n',
        "train.py": script(lookup, prelude),
    }
    [(value, origin, _)] = lr_values(tmp_path, files)
    assert value == 0.01 and origin.startswith("configs/train.")


def test_hydra_main(tmp_path):
    source = """
        import hydra
        import torch


        @hydra.main(config_path="conf", config_name="config", version_base=None)
        def main(cfg):
            torch.optim.Adam(params, lr=cfg.optim.lr)
    """
    files = {"conf/config.yaml": "optim:\n  lr: 0.004\n", "train.py": source}
    assert lr_values(tmp_path, files) == [(0.004, "conf/config.yaml:2", "cfg.optim.lr")]


def test_keyword_default_of_a_builder_with_a_visible_call(tmp_path):
    source = """
        import torch


        def make_optimizer(model, lr=0.05):
            return torch.optim.SGD(model.parameters(), lr=lr)


        optimizer = make_optimizer(net)
        optimizer.step()
    """
    assert lr_values(tmp_path, {"train.py": source}) == [(0.05, "train.py:4", "lr")]
    passed = source.replace("make_optimizer(net)", "make_optimizer(net, lr=0.5)")
    assert lr_values(tmp_path, {"train.py": passed}) == [(0.5, "train.py:8", "lr")]


@pytest.mark.parametrize("lr, prelude", [
    ('int(os.environ["LR"])', "import os"),
    ('os.environ.get("LR", 0.1)', "import os"),
    ("get_lr()", "from schedules import get_lr"),
    ("lr", "for lr in [0.1, 0.01]:\n    pass"),
    ("lr", "lr = 0.1\nif finetune:\n    lr = 0.01"),
    ("LR", "LR = 0.1\nLR = 0.2"),
    ("args.lr", "args = load_args()"),
    ('cfg["lr"]', 'import yaml\ncfg = yaml.safe_load(open("missing.yaml"))'),
])
def test_what_no_reader_could_know_stays_unknown(tmp_path, lr, prelude):
    assert lr_values(tmp_path, {"train.py": script(lr, prelude)}) == []


def test_parameter_without_a_visible_call_is_unknown(tmp_path):
    source = "import torch\n\ndef train(model, lr):\n    torch.optim.SGD(model.parameters(), lr=lr).step()\n\ntrain(net, get_lr())\n"
    assert lr_values(tmp_path, {"train.py": source}) == []


def test_builder_called_with_different_values_is_unknown(tmp_path):
    source = """
        import torch


        def make(model, lr=0.1):
            return torch.optim.SGD(model.parameters(), lr=lr)


        a = make(m1, lr=0.5)
        b = make(m2)
        a.step()
    """
    assert lr_values(tmp_path, {"train.py": source}) == []
