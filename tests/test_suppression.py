"""Suppression comments in Python, YAML and TOML."""

from __future__ import annotations

import pytest

from hplint.facts import Suppression
from hplint.suppression import find_suppressions


@pytest.mark.parametrize("line, expected", [
    ("x = 1  # hplint: ignore[HP101]", Suppression(1, ("HP101",), "hplint")),
    ("x = 1  # hplint: ignore[HP101, hp2]", Suppression(1, ("HP101", "HP2"), "hplint")),
    ("x = 1  # hplint: ignore", Suppression(1, (), "hplint")),
    ("x = 1  # noqa: HP101", Suppression(1, ("HP101",), "noqa")),
    ("x = 1  # noqa:HP101,E501", Suppression(1, ("HP101", "E501"), "noqa")),
    ("x = 1  # noqa", Suppression(1, (), "noqa")),
    ("batch_size: 256  # hplint: ignore[HP101]", Suppression(1, ("HP101",), "hplint")),
])
def test_comment_forms(line, expected):
    assert find_suppressions(line) == (expected,)


def test_no_comment_no_suppression():
    assert find_suppressions("x = '#'\ny = 2\n") == ()


PY = """
import torch.nn as nn

a = nn.RNN(8, 8)  # hplint: ignore[HP206]
b = nn.RNN(8, 8)  # hplint: ignore
c = nn.RNN(8, 8)  # noqa: HP206
d = nn.RNN(8, 8)  # noqa: HP2
e = nn.RNN(8, 8)  # hplint: ignore[HP101]
f = nn.RNN(8, 8)  # noqa: E501
g = nn.RNN(8, 8)
"""


def test_python_suppressions(project):
    findings = project({"model.py": PY}).findings("HP206")
    assert [f["line"] for f in findings] == [7, 8, 9]


YAML = """
optim:
  lr: 5.0  # hplint: ignore[HP103]
data:
  batch_size: 512  # noqa: HP101
trainer:
  max_epochs: 10
"""

TOML = """
[optim]
lr = 5.0  # hplint: ignore
[data]
batch_size = 512
"""


def test_yaml_and_toml_suppressions(project):
    linted = project({"configs/train.yaml": YAML, "configs/train.toml": TOML})
    assert [(d["code"], d["path"], d["line"]) for d in linted.diagnostics()] == [
        ("HP101", "configs/train.toml", 4),
    ]
