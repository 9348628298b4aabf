"""HP001/HP002 and inputs that must never crash or hang hplint (SPEC §8)."""

from __future__ import annotations

import time

import pytest

from conftest import run_hplint


def test_python_syntax_error_has_line_and_column(project):
    linted = project({"train.py": "import torch\n\nmodel = torch.nn.Linear(10, 2\nprint(model)\n"})
    [finding] = linted.diagnostics()
    assert (finding["code"], finding["severity"], finding["line"], finding["column"]) == ("HP001", "error", 3, 24)
    assert finding["message"] == "cannot parse Python: '(' was never closed (line 3, column 24)"


@pytest.mark.parametrize("name, content, line, column", [
    ("configs/train.yaml", "optim:\n  lr: 0.1\n batch_size: 32\n", 3, 2),
    ("configs/train.yaml", "optim: [sgd, adam\ntrainer:\n  max_epochs: 3\n", 2, 8),
    ("conf/model.toml", "[optim]\nlr = \n", 2, 6),
    ("train_config.json", '{"lr": 0.1,\n "batch_size": }\n', 2, 16),
    ("train_config.json", '{"lr": 0.1, "batch_size": 32}\n"epochs": 3\n', 2, 1),  # extra data, not JSON Lines
])
def test_config_parse_error_has_line_and_column(project, name, content, line, column):
    [finding] = project({name: content}).diagnostics()
    assert (finding["code"], finding["path"], finding["line"], finding["column"]) == ("HP002", name, line, column)


@pytest.mark.parametrize("name, content", [
    ("charts/app/templates/deployment.yaml", "spec:\n  replicas: {{ .Values.replicas }}\n  - bad\n"),
    ("configs/train.yaml", "trainer:\n  max_epochs: {{ epochs }}\n  - x\n"),
    ("docs/notes.yaml", "a: [1, 2\n"),
    ("package.json", "{,}"),
    # JSON Lines under a .json name: records of a dataset, even ones that hold hyperparameter words
    ("data/train.json", '{"text": "great film", "lr": 0.1, "epochs": 3}\n{"text": "dull", "lr": 0.2, "epochs": 4}\n'),
])
def test_unparsable_files_that_are_not_training_configs_stay_silent(project, name, content):
    assert project({name: content}).diagnostics() == []


def test_broken_config_loaded_by_the_code_is_reported_wherever_it_lives(project):
    linted = project({
        "settings/experiment.yaml": "optim: [sgd\n",
        "train.py": "import yaml\ncfg = yaml.safe_load(open('settings/experiment.yaml'))\n",
    })
    assert [(d["code"], d["path"], d["line"]) for d in linted.diagnostics()] == [
        ("HP002", "settings/experiment.yaml", 2),
    ]


def test_yaml_tags_are_data_never_objects(project, tmp_path):
    marker = tmp_path / "pwned"
    linted = project({"configs/train.yaml": f"""
        optim: !!python/object/apply:os.system ["touch {marker}"]
        lr: !!python/name:os.system
        batch_size: 16
        epochs: 3
    """})
    assert linted.diagnostics() == []
    assert not marker.exists()


def test_yaml_alias_bomb_is_bounded(project):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    ) + "lr: 0.1\nbatch_size: 16\n"
    started = time.monotonic()
    linted = project({"configs/train.yaml": bomb})
    assert linted.diagnostics() == []
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("content", [
    b"\xff\xfe\x00binary\x00\x01\x02 torch",
    b"import torch\nx = '\xe9\xff'\n",
    b"# -*- coding: latin-1 -*-\nimport torch\nname = '\xe9'\n",
    b"",
    b"\n\n\n",
])
def test_odd_python_bytes_give_a_finding_or_nothing_but_never_a_crash(tmp_path, content):
    (tmp_path / "model.py").write_bytes(content)
    run = run_hplint(str(tmp_path), "--format", "json")
    assert run.exit_code in (0, 1)
    assert {d["code"] for d in run.json()["diagnostics"]} <= {"HP001"}


def test_deeply_nested_expression(project):
    depth = 5000
    linted = project({"train.py": "import torch\nx = " + "(" * depth + "1" + ")" * depth + "\n"})
    assert {d["code"] for d in linted.diagnostics()} <= {"HP001"}


def test_undecodable_yaml_config(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "train.yaml").write_bytes(b"lr: \xff\xfe\n")
    run = run_hplint(str(tmp_path), "--format", "json")
    [finding] = run.json()["diagnostics"]
    assert finding["code"] == "HP002" and "not valid UTF-8" in finding["message"]


def test_unreadable_file(tmp_path):
    import os

    target = tmp_path / "train.py"
    target.write_text("import torch\n")
    target.chmod(0)
    try:
        if os.access(target, os.R_OK):
            pytest.skip("running as a user who can read anything")
        run = run_hplint(str(tmp_path), "--format", "json")
        assert run.json()["diagnostics"][0]["code"] == "HP001"
    finally:
        target.chmod(0o644)
