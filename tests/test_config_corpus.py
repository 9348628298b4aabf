"""Golden config facts: training configs in the shapes frameworks write, launch scripts, and the
YAML/TOML/JSON of a repository that is not a training config (it must produce nothing).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_hplint
from hplint.extract import extract_file
from hplint.project import Project

CORPUS = Path(__file__).parent / "config_corpus"
CASES = sorted(path for path in CORPUS.iterdir() if (path / "expected.json").is_file())
HYPERPARAMETERS = ("lr", "batch_size", "global_batch_size", "eval_batch_size", "epochs", "grad_accum")
RULES = {"HP101", "HP103", "HP002"}
_EFFECTIVE = re.compile(r"= (\d+) samples per optimizer step")


def _project(case: Path) -> Project:
    files = sorted(path for path in case.rglob("*") if path.is_file() and path.name != "expected.json")
    return Project(extract_file(path, path.relative_to(case).as_posix()) for path in files)


def _round(value: object) -> object:
    return round(value, 12) if isinstance(value, float) else value


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_training_config_detection(case):
    expected = json.loads((case / "expected.json").read_text())
    project = _project(case)
    for path in expected["training_configs"]:
        assert project.is_training_config(path) or path not in project.files or _unparsable(project, path), path
    for path in expected["not_training_configs"]:
        assert not project.is_training_config(path), path


def _unparsable(project: Project, path: str) -> bool:
    return any(error.location.path == path for error in project.parse_errors())


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_golden_settings(case):
    expected = json.loads((case / "expected.json").read_text())
    project = _project(case)
    found = []  # a value expected twice (a key two configs inherit, say) must be found twice
    for name in HYPERPARAMETERS:
        for setting in project.settings(name):
            launched = project.files[setting.value.origin.path].language == "shell"
            if setting.in_config or launched:
                use = f"{setting.use.path}:{setting.use.line}" if launched else None
                found.append((name, _round(setting.value.value), str(setting.value.origin), use))
    wanted = [
        (item["hyperparameter"], _round(item["value"]), item["origin"], item.get("use"))
        for item in expected["settings"]
    ]
    assert sorted(found, key=str) == sorted(wanted, key=str)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_golden_findings(case):
    expected = json.loads((case / "expected.json").read_text())
    run = run_hplint(".", "--format", "json", "--select", ",".join(sorted(RULES)), cwd=case)
    found = [
        (d["code"], d["path"], d["line"], int(match.group(1)) if (match := _EFFECTIVE.search(d["message"])) else None)
        for d in run.json()["diagnostics"]
    ]
    wanted = [(item["code"], item["path"], item["line"], item.get("effective")) for item in expected["findings"]]
    assert sorted(found, key=str) == sorted(wanted, key=str)
