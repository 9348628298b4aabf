"""Golden facts: realistic training projects in many styles, with what a careful reader concludes.

Each tests/facts_corpus/<case>/ holds the project and expected.json: the learning rates and batch
sizes that can be known (value, where written, where used), the consumers whose value cannot be
known, and which model outputs reach which loss.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hplint.extract import extract_file
from hplint.project import Project

CORPUS = Path(__file__).parent / "facts_corpus"
CASES = sorted(path for path in CORPUS.iterdir() if (path / "expected.json").is_file())
HYPERPARAMETERS = ("lr", "batch_size", "eval_batch_size")


def _project(case: Path) -> Project:
    files = sorted(path for path in case.rglob("*") if path.is_file() and path.name != "expected.json")
    return Project(extract_file(path, path.relative_to(case).as_posix()) for path in files)


def _round(value: object) -> object:
    return round(value, 12) if isinstance(value, float) else value


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_golden_facts(case):
    expected = json.loads((case / "expected.json").read_text())
    project = _project(case)
    settings = [
        setting for name in HYPERPARAMETERS for setting in project.settings(name) if not setting.in_config
    ]
    found = sorted(
        (s.hyperparameter, _round(s.value.value), str(s.value.origin), f"{s.use.path}:{s.use.line}")
        for s in settings
    )
    wanted = sorted(
        (item["hyperparameter"], _round(item["value"]), item["origin"], item["use"]) for item in expected["settings"]
    )
    assert found == wanted
    resolved_uses = {(hyperparameter, use) for hyperparameter, _, _, use in found}
    for item in expected["unresolved"]:
        assert (item["hyperparameter"], item["use"]) not in resolved_uses
    losses = sorted(
        (pair.model.name, pair.loss.loss.rpartition(".")[2], f"{pair.loss.location.path}:{pair.loss.location.line}")
        for pair in project.model_losses()
    )
    assert losses == sorted((item["model"], item["loss"], item["at"]) for item in expected["model_losses"])
