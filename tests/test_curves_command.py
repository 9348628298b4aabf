"""`hplint curves` as a command: the formats of `check`, exit codes, rule selection and options,
`--project` naming the setting to change, and `--plot`."""

from __future__ import annotations

import json
import sys

import pytest

import curves_logs as shapes
from conftest import run_hplint, write_project
from curves_logs import line_of
from hplint.curves.command import PLOT_HINT


@pytest.fixture
def diverged(tmp_path):
    """A Lightning run whose loss jumps to 2.0 at step 60, validated after every epoch."""
    validation = [1.0 - 0.05 * epoch for epoch in range(10)]
    return shapes.write_lightning_csv(tmp_path / "metrics.csv", shapes.run(shapes.diverging_train(), validation))


@pytest.fixture
def overfit(tmp_path):
    return shapes.write_keras_csv(
        tmp_path / "history.csv", shapes.epochs(shapes.falling_train_per_epoch(), shapes.overfitting_validation())
    )


def test_text_output_and_exit_code(tmp_path, diverged):
    run = run_hplint("curves", "metrics.csv", cwd=tmp_path)
    assert run.exit_code == 1
    first, summary = run.output.splitlines()
    line = line_of(diverged, "6,60,")
    assert first.startswith(f"metrics.csv:{line}:1: HP801 [error] training loss climbs from epoch 6 (step 60)")
    assert first.endswith("; the learning rate is too high: lower it (try a tenth) or warm it up")
    assert summary == "1 error in 1 file"
    assert run.stderr.startswith('read metrics.csv (CSV, by step): training loss from "train_loss_step" (100 values)')


def test_quiet_prints_findings_only(tmp_path, diverged):
    run = run_hplint("curves", "metrics.csv", "--quiet", cwd=tmp_path)
    assert len(run.output.splitlines()) == 1 and run.stderr == ""


def test_info_findings_do_not_fail_and_exit_zero_passes_the_rest(tmp_path, overfit):
    assert run_hplint("curves", "history.csv", "--select", "HP805", cwd=tmp_path).exit_code == 0
    assert run_hplint("curves", "history.csv", cwd=tmp_path).exit_code == 1
    assert run_hplint("curves", "history.csv", "--exit-zero", cwd=tmp_path).exit_code == 0


def test_json_is_the_format_of_check(tmp_path, overfit):
    run = run_hplint("curves", "history.csv", "--format", "json", cwd=tmp_path)
    payload = run.json()
    assert payload["version"] == 1
    assert payload["summary"]["files"] == 1 and payload["summary"]["warning"] == 1 and payload["summary"]["info"] == 1
    overfitting = next(d for d in payload["diagnostics"] if d["code"] == "HP804")
    assert overfitting == {
        "code": "HP804", "name": "overfitting", "severity": "warning", "message": overfitting["message"],
        "path": "history.csv", "line": line_of(overfit, "13,"), "column": 1, "end_line": line_of(overfit, "13,"),
        "end_column": 1, "source": None, "fix": None,
    }
    assert run.stderr == ""  # the list of logs read goes with text output only


def test_sarif_and_github(tmp_path, overfit):
    sarif = json.loads(run_hplint("curves", "history.csv", "--format", "sarif", cwd=tmp_path).output)
    (results, rules) = sarif["runs"][0]["results"], sarif["runs"][0]["tool"]["driver"]["rules"]
    assert {result["ruleId"] for result in results} == {"HP804", "HP805"}
    assert {"HP801", "HP806"} <= {rule["id"] for rule in rules}
    github = run_hplint("curves", "history.csv", "--format", "github", cwd=tmp_path).output.splitlines()
    assert github[0].startswith(f"::warning file=history.csv,line={line_of(overfit, '13,')},col=1,")
    assert github[1].startswith("::notice file=history.csv,")


def test_select_ignore_and_patience(tmp_path, overfit):
    assert run_hplint("curves", "history.csv", "--select", "HP804", "--format", "json", cwd=tmp_path).codes == ["HP804"]
    assert run_hplint("curves", "history.csv", "--ignore", "HP804", "--format", "json", cwd=tmp_path).codes == ["HP805"]
    patient = run_hplint("curves", "history.csv", "--select", "HP805", "--patience", "5", "--format", "json",
                         cwd=tmp_path)
    assert "patience 5 would have stopped at epoch 17" in patient.json()["diagnostics"][0]["message"]
    run = run_hplint("curves", "history.csv", "--select", "HP1", cwd=tmp_path)
    assert run.exit_code == 2 and "--select matches no curves rule" in run.stderr


def test_options_from_the_configuration(tmp_path, overfit):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.hplint]\nfail-on = 'error'\n\n[tool.hplint.rules.HP805]\npatience = 10\n", encoding="utf-8"
    )
    run = run_hplint("curves", "history.csv", "--format", "json", cwd=tmp_path)
    assert run.exit_code == 0  # a warning does not reach fail-on = error
    assert "patience 10 would have stopped at epoch 22" in next(
        d["message"] for d in run.json()["diagnostics"] if d["code"] == "HP805"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.hplint.rules.HP805]\nwait = 10\n", encoding="utf-8")
    run = run_hplint("curves", "history.csv", cwd=tmp_path)
    assert run.exit_code == 2 and "unknown option 'wait' for HP805" in run.stderr


# ---------------------------------------------------------------- --project


TRAIN_PY = """
import torch
import yaml
from torch import nn

config = yaml.safe_load(open("configs/train.yaml"))
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(config["dropout"]), nn.Linear(64, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9)
criterion = nn.CrossEntropyLoss()

for epoch in range(config["epochs"]):
    for x, y in []:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
"""

TRAIN_YAML = """
epochs: 10
lr: 0.8
dropout: 0.1
"""


def test_project_names_the_learning_rate_and_where_it_is_written(tmp_path, diverged):
    write_project(tmp_path / "project", {"train.py": TRAIN_PY, "configs/train.yaml": TRAIN_YAML})
    run = run_hplint("curves", "metrics.csv", "--project", "project", "--select", "HP801", "--format", "json",
                     cwd=tmp_path)
    (diverges,) = run.json()["diagnostics"]
    assert diverges["path"] == "metrics.csv"
    assert diverges["source"] == {"path": "project/configs/train.yaml", "line": 2}
    assert "; lr=0.8 is set at project/configs/train.yaml:2 (" in diverges["message"]


def test_project_names_dropout_for_overfitting(tmp_path, overfit):
    write_project(tmp_path / "project", {"train.py": TRAIN_PY, "configs/train.yaml": TRAIN_YAML})
    run = run_hplint("curves", "history.csv", "--project", "project", "--select", "HP804", "--format", "json",
                     cwd=tmp_path)
    (overfitting,) = run.json()["diagnostics"]
    assert overfitting["source"] == {"path": "project/configs/train.yaml", "line": 3}
    assert "dropout=0.1 is set at project/configs/train.yaml:3" in overfitting["message"]


def test_project_without_the_setting_leaves_the_message_alone(tmp_path, diverged):
    write_project(tmp_path / "project", {"README.md": "no code here\n"})
    plain = run_hplint("curves", "metrics.csv", "--format", "json", cwd=tmp_path).json()["diagnostics"]
    with_project = run_hplint("curves", "metrics.csv", "--project", "project", "--format", "json", cwd=tmp_path)
    assert with_project.json()["diagnostics"] == plain


# ---------------------------------------------------------------- --plot


def test_plot_draws_the_curves(tmp_path, diverged, overfit):
    pytest.importorskip("matplotlib")
    run = run_hplint("curves", ".", "--plot", "curves.png", cwd=tmp_path)
    assert run.exit_code == 1
    assert "--plot: wrote curves.png" in run.stderr
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path, diverged, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    run = run_hplint("curves", "metrics.csv", "--plot", "curves.png", cwd=tmp_path)
    assert run.exit_code == 2
    assert PLOT_HINT in run.stderr and run.output == ""
    assert not (tmp_path / "curves.png").exists()
