"""Whatever values a repository holds, extraction, the cache and every rule take them; a failure inside
hplint on one file or one rule is reported and the rest is still linted (SPEC §5b, §8).
"""

from __future__ import annotations

import itertools
import json

import pytest

from hplint.checks import all_rules

# Every kind of literal Python has, each where a hyperparameter could be read from it.
LITERALS = [
    "0.1", "3", "-2", "1_000", "0x1F", "0o17", "0b101", "1e-3", "1.5e300", "float('nan')", "float('inf')",
    "1j", "2 + 3j", "True", "None", "...", "'adam'", '"""doc"""', "r'raw'", "'a' 'b'", "b'MAGIC'", "b'A' b'B'",
    "rb'x'", "f'{LR}'", "f'lr={LR:.3f}'", "9" * 120, "10 ** 400", "(1, 2)", "[1, 'a', None]", "{'lr': 0.1}",
    "{1: 2}", "{(1, 2): 'x'}", "{1, 2}", "lambda x: x", "[i for i in range(3)]", "(LR := 0.1)", "-(1e-3)",
    "2 ** 1000", "7 // 0", "1 / 0", "'é' * 3", "u'unicode'",
]

CONFIG_DOCUMENTS = {
    "yaml": ["5", '"1.2.3"', "null", "", "- 1\n- 2", "kind: Service\n---\n", "---\n...\n", "[1, [2, [3]]]",
             "lr: " + "9" * 5000, "lr: .inf", "lr: .nan", "optim: {lr: 1e-3}\nbatch_size: 64\n", "? [a, b]\n: 1\n",
             "1: 2\n3: 4\n", "!!binary aGVsbG8=", "lr: !!python/object:os.system echo\n"],
    "json": ["5", '"1.2.3"', "null", "[]", "[1, 2]", '{"lr": ' + "9" * 5000 + "}", '{"lr": NaN}', '{"": 1}',
             '{"optimizer": {"lr": 0.001}, "train_batch_size": 64}'],
    "toml": ["", "a = 1", "lr = " + "9" * 5000, "[optim]\nlr = 1e-3\n[data]\nbatch_size = 64\n",
             "x = 1979-05-27T07:32:00Z\nlr = 0.1\nbatch_size = 8\n"],
}


def _python_project() -> dict[str, str]:
    lines = ["import torch", "from torch.utils.data import DataLoader", "LR = 0.1"]
    for index, literal in enumerate(LITERALS):
        lines.append(f"VALUE_{index} = {literal}")
        lines.append(f"optimizer_{index} = torch.optim.SGD(params, lr=VALUE_{index})")
        lines.append(f"loader_{index} = DataLoader(data, batch_size=VALUE_{index})")
        lines.append(f"torch.nn.Conv2d(3, 8, kernel_size={literal})")
    lines += ["for x, y in loader_0:", "    optimizer_0.zero_grad()", "    model(x).sum().backward()", "    optimizer_0.step()"]
    return {"train.py": "\n".join(lines) + "\n"}


def _config_project() -> dict[str, str]:
    files = {}
    for language, documents in CONFIG_DOCUMENTS.items():
        for index, document in enumerate(documents):
            files[f"configs/{language}_{index}.{language}"] = document
    loads = "\n".join(
        f'cfg_{index} = yaml.safe_load(open("{path}"))\nDataLoader(data, batch_size=cfg_{index}["data"]["batch_size"])'
        for index, path in enumerate(files)
    )
    files["load.py"] = f"import yaml\nfrom torch.utils.data import DataLoader\n{loads}\nloss.backward()\n"
    return files


@pytest.mark.parametrize("make", [_python_project, _config_project], ids=["python-literals", "config-documents"])
def test_every_literal_and_document_shape_through_the_cache_and_every_rule(project, make):
    linted = project(make())
    selected = ",".join(rule.code for rule in all_rules())
    for attempt in ("cold", "warm"):  # the second run decodes every fact from the cache
        run = linted.run(".", "--format", "json", "--select", selected)
        assert run.exit_code in (0, 1), (attempt, run.stderr)
        assert run.stderr == "", attempt
        json.loads(run.output)


def test_a_config_loader_that_loads_its_own_includes_terminates(project):
    linted = project({
        "configs/base.yaml": "includes: configs/extra.yaml\noptim:\n  lr: 5.0\ndata:\n  batch_size: 64\n",
        "configs/extra.yaml": "includes: configs/base.yaml\noptim:\n  momentum: 0.9\n",
        "train.py": """
            import torch
            import yaml


            def load(path):
                cfg = yaml.safe_load(open(path))
                if "includes" in cfg:
                    cfg.update(load(cfg["includes"]))
                return cfg


            def helper(path):
                return other(path)


            def other(path):
                return helper(path)


            cfg = load("configs/base.yaml")
            odd = helper(cfg["includes"])
            optimizer = torch.optim.SGD(model.parameters(), lr=cfg["optim"]["lr"])
            optimizer.step()
        """,
    })
    run = linted.run(".", "--format", "json")
    assert run.exit_code == 1 and run.stderr == ""
    assert [(f["code"], f["path"]) for f in run.json()["diagnostics"]] == [
        ("HP103", "configs/base.yaml"), ("HP101", "configs/base.yaml"), ("HP301", "train.py"),
    ]


class _Broken:
    """Shaped like a rule (not a subclass: that would register it for every other test)."""

    code = "HP999"
    name = "broken-for-the-test"
    options: dict[str, object] = {}
    per_run = False

    def check(self, project, options):
        raise IndexError("tuple index out of range")


def test_a_rule_that_fails_is_named_and_the_other_findings_are_still_reported(project, monkeypatch):
    from hplint import config as config_module

    monkeypatch.setattr(config_module.LintConfig, "enabled_rules", lambda self: [*all_rules(), _Broken])
    linted = project({"model.py": "import torch.nn as nn\n\nrnn = nn.RNN(32, 64)\n"})
    run = linted.run(".", "--no-cache")
    assert run.exit_code == 2
    assert "model.py:3:7: HP206 [warning]" in run.output
    assert "hplint: internal error: rule HP999 (broken-for-the-test) failed on the project: IndexError" in run.stderr


def test_a_file_whose_extraction_fails_is_named_and_the_others_are_still_linted(project, monkeypatch):
    from hplint.extract import configs

    def failing(path, language, text):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(configs, "extract_config", failing)
    linted = project({
        "model.py": "import torch.nn as nn\n\nrnn = nn.RNN(32, 64)\n",
        "configs/train.yaml": "optim:\n  lr: 5.0\nbatch_size: 8\n",
    })
    for _ in itertools.repeat(None, 2):  # and nothing wrong is remembered by the cache
        run = linted.run(".")
        assert run.exit_code == 2
        assert "model.py:3:7: HP206 [warning]" in run.output
        assert "hplint: internal error: extracting configs/train.yaml failed: RecursionError" in run.stderr
