"""Suppression comments in Python, YAML, TOML and shell: the forms read, HP003, HP004, ignore-file."""

from __future__ import annotations

import textwrap

import pytest

from hplint.extract.comments import comment_line, find_suppressions


def _line(text: str, fragment: str) -> int:
    """The line of `fragment` in a project file as the `project` fixture writes it."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if fragment in line)


def _forms(text: str, language: str = "python") -> list[tuple]:
    return [(s.codes, s.everything, s.scope, s.form, s.text) for s in find_suppressions(text, language)]


@pytest.mark.parametrize("line, expected", [
    ("x = 1  # hplint: ignore[HP101]", (("HP101",), False, "line", "brackets", "# hplint: ignore[HP101]")),
    ("x = 1  # hplint: ignore[HP101, hp2]", (("HP101", "HP2"), False, "line", "brackets", "# hplint: ignore[HP101, hp2]")),
    ("x = 1  # hplint:ignore[HP101 HP103]", (("HP101", "HP103"), False, "line", "brackets", "# hplint:ignore[HP101 HP103]")),
    ("x = 1  # hplint: ignore", ((), True, "line", "bare", "# hplint: ignore")),
    ("x = 1  # hplint: ignore  kept for the ablation", ((), True, "line", "bare", "# hplint: ignore")),
    ("x = 1  # hplint: ignore[HP101] batch chosen for 8 GPUs", (("HP101",), False, "line", "brackets", "# hplint: ignore[HP101]")),
    ("x = 1  # noqa: HP101", (("HP101",), False, "line", "noqa", "# noqa: HP101")),
    ("x = 1  # noqa:HP101,E501", (("HP101", "E501"), False, "line", "noqa", "# noqa:HP101,E501")),
    ("x = 1  # noqa", ((), True, "line", "noqa", "# noqa")),
    ("# hplint: ignore-file[HP101]", (("HP101",), False, "file", "brackets", "# hplint: ignore-file[HP101]")),
    ("# hplint: ignore-file", ((), True, "file", "bare", "# hplint: ignore-file")),
    # Malformed: recorded as written, with what they name.
    ("x = 1  # hplint: ignore HP206", (("HP206",), False, "line", "no-brackets", "# hplint: ignore HP206")),
    ("x = 1  # hplint: ignore: HP206, HP103", (("HP206", "HP103"), False, "line", "no-brackets", "# hplint: ignore: HP206, HP103")),
    ("x = 1  # hplint: ignore(HP206) legacy", (("HP206",), False, "line", "no-brackets", "# hplint: ignore(HP206)")),
    ("x = 1  # hplint: ignore [HP206]", (("HP206",), False, "line", "spaced", "# hplint: ignore [HP206]")),
    ("x = 1  # hplint: ignore[HP206", (("HP206",), False, "line", "unclosed", "# hplint: ignore[HP206")),
    ("x = 1  # hplint: ignore[]", ((), False, "line", "empty", "# hplint: ignore[]")),
    ("x = 1  # hplint ignore[HP206]", (("HP206",), False, "line", "no-colon", "# hplint ignore[HP206]")),
    ("x = 1  # hplint ignore", ((), True, "line", "no-colon", "# hplint ignore")),
    ("x = 1  # hplint: disable=HP206", (("HP206",), False, "line", "unknown-directive", "# hplint: disable=HP206")),
    ("x = 1  # hplint: ignore[HP2O6]", (("HP2O6",), False, "line", "brackets", "# hplint: ignore[HP2O6]")),
])
def test_comment_forms(line, expected):
    assert _forms(line + "\n") == [expected]


def test_what_is_not_a_suppression():
    python = 'note = "# hplint: ignore"\nhelp_text = """\n# noqa: HP101\n"""\nx = 1  # hplint reads this file\n'
    assert find_suppressions(python) == ()
    yaml = 'name: "run # hplint: ignore"\nurl: http://host/#noqa\n'
    assert find_suppressions(yaml, "yaml") == ()


def test_position_and_own_line():
    first, second = find_suppressions("lr = 3.0  # tuned  # hplint: ignore[HP103]\n    # hplint: ignore-file[HP101]\n")
    assert (first.line, first.column, first.end_column, first.own_line) == (1, 20, 43, False)
    assert (second.line, second.column, second.own_line, second.scope) == (2, 5, True, "file")


def test_a_comment_covers_the_lines_that_cannot_hold_one():
    python = (
        'parser.add_argument("--lr", default=5.0, help="""peak learning\n'
        'rate of the schedule""")  # hplint: ignore[HP103]\n'
        "total = base + \\\n"
        "    extra  # noqa: HP101\n"
    )
    first, second = find_suppressions(python)
    assert (first.covers_from, first.line, second.covers_from, second.line) == (1, 2, 3, 4)
    assert comment_line(python, "python") == {1: 2, 3: 4}
    shell = "torchrun --nproc_per_node 8 train.py \\\n  --lr 5.0 \\\n  --batch_size 64  # hplint: ignore[HP103]\n"
    (launch,) = find_suppressions(shell, "shell")
    assert (launch.covers_from, launch.line) == (1, 3)
    assert comment_line(shell, "shell") == {1: 3, 2: 3}


MODEL = """
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
    findings = project({"model.py": MODEL}).findings("HP206")
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


CLASSIFIER = """
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split

BATCH_SIZE = 256


class TextClassifier(nn.Module):
    def __init__(self, vocab: int, classes: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.rnn = nn.RNN(64, 128, batch_first=True)  # hplint: ignore HP206
        self.head = nn.Linear(128, classes)

    def forward(self, tokens):
        output, _ = self.rnn(self.embed(tokens))
        return self.head(output[:, -1])


model = TextClassifier(20000, 4)
train_set, val_set = random_split(dataset, [0.9, 0.1])
loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)
val_loader = DataLoader(val_set, batch_size=64)
optimizer = torch.optim.SGD(model.parameters(), lr=3.0, momentum=0.9)  # hplint ignore[HP206]
for epoch in range(5):
    for tokens, labels in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(tokens), labels).backward()
        optimizer.step()
"""


def test_malformed_suppression_hides_only_what_it_names(project):
    found = [(d["code"], d["line"], d["message"]) for d in project({"train.py": CLASSIFIER}).diagnostics()]
    # `# hplint ignore[HP206]` on the optimizer's line names HP206, so the lr's HP103 stays.
    rnn, optimizer = _line(CLASSIFIER, "nn.RNN("), _line(CLASSIFIER, "SGD(")
    assert [(code, line) for code, line, _ in found] == [
        ("HP101", _line(CLASSIFIER, "BATCH_SIZE = ")), ("HP003", rnn), ("HP103", optimizer), ("HP003", optimizer),
    ]
    assert found[1][2] == (
        "`# hplint: ignore HP206` names its codes without brackets: it suppresses HP206 only; write `# hplint: ignore[HP206]`"
    )
    assert found[3][2] == (
        "`# hplint ignore[HP206]` has no colon after `hplint`: it suppresses HP206 only; write `# hplint: ignore[HP206]`"
    )


UNKNOWN = """
import torch.nn as nn

encoder = nn.RNN(32, 32)  # hplint: ignore[HP2O6]
decoder = nn.RNN(32, 32)  # hplint: ignore[HP206, HP999]
cell = nn.RNNCell(8, 8)  # hplint: ignore[]
gate = nn.RNNCell(8, 8)  # hplint: disable=HP206
head = nn.Linear(32, 4)  # noqa: HP9999
"""


def test_unknown_codes_and_directives(project):
    found = [(d["code"], d["line"], d["message"]) for d in project({"model.py": UNKNOWN}).diagnostics()]
    assert [(code, line) for code, line, _ in found] == [
        ("HP206", 3), ("HP003", 3), ("HP003", 4), ("HP206", 5), ("HP003", 5), ("HP206", 6), ("HP003", 6), ("HP003", 7),
    ]
    messages = {line: message for code, line, message in found if code == "HP003"}
    assert messages[3] == (
        "`HP2O6` (did you mean HP206?) in `# hplint: ignore[HP2O6]` is not an hplint rule code (see `hplint rules`) "
        "and suppresses nothing; name a rule, or remove it"
    )
    assert messages[4] == (
        "`HP999` in `# hplint: ignore[HP206, HP999]` is not an hplint rule code (see `hplint rules`) and suppresses "
        "nothing; write `# hplint: ignore[HP206]`"
    )
    assert messages[5] == (
        "`# hplint: ignore[]` names no code and suppresses nothing; name the codes (`# hplint: ignore[HP101]`) or remove it"
    )
    assert messages[6].startswith("`# hplint: disable=HP206` is not an hplint directive")
    assert messages[6].endswith("it suppresses nothing; write `# hplint: ignore[HP206]`")
    assert messages[7].startswith("`HP9999` in `# noqa: HP9999` is not an hplint rule code")


QUIET = """
import os
import torch.nn as nn

rnn = nn.RNN(8, 8)  # hplint: ignore[HP2]
cell = nn.RNNCell(8, 8)  # hplint: ignore[HP]  the baseline cell
path = os.path.join("a", "b")  # noqa: E501
flag = True  # noqa
name = "x"  # type: ignore[assignment]  # pylint: disable=invalid-name
note = "# hplint: ignore[HP999]"
# hplint reads this module for the model only
"""


def test_valid_and_foreign_comments_are_not_reported(project):
    assert project({"model.py": QUIET}).diagnostics() == []


UNUSED = """
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split

train_set, val_set = random_split(dataset, [0.9, 0.1])
loader = DataLoader(train_set, batch_size=32, shuffle=True)  # hplint: ignore[HP101]
val_loader = DataLoader(val_set, batch_size=64)  # hplint: ignore
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=3.0)  # hplint: ignore[HP101, HP103]
rnn = nn.RNN(16, 16)  # noqa: HP206, HP101
lstm = nn.LSTM(16, 16)  # noqa: HP206
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
"""


def test_unused_suppressions(project):
    found = [(d["code"], d["line"], d["message"]) for d in project({"train.py": UNUSED}).diagnostics()]
    assert found == [
        ("HP004", 6, "`# hplint: ignore[HP101]`: no HP101 finding on this line; remove it"),
        ("HP004", 7, "`# hplint: ignore` suppresses nothing on this line; remove it"),
        ("HP004", 9, (
            "HP101 in `# hplint: ignore[HP101, HP103]` suppresses nothing on this line; keep `# hplint: ignore[HP103]`"
        )),
        ("HP004", 10, "HP101 in `# noqa: HP206, HP101` suppresses nothing on this line; keep `# noqa: HP206`"),
        ("HP004", 11, "`# noqa: HP206`: no HP206 finding on this line; remove it"),
    ]


def test_unused_is_judged_only_for_rules_that_ran(project):
    linted = project({
        "train.py": UNUSED,
        "configs/train.yaml": "data:\n  batch_size: 32  # hplint: ignore[HP102]\n",
        "pyproject.toml": '[tool.hplint]\nper-file-ignores = { "train.py" = ["HP101"] }\n',
    })
    # HP102 is off by default: its comment is idle, not unused. HP101 is off for train.py.
    assert [(d["line"], d["message"]) for d in linted.diagnostics() if d["code"] == "HP004"] == [
        (7, "`# hplint: ignore` suppresses nothing on this line; remove it"),
        (11, "`# noqa: HP206`: no HP206 finding on this line; remove it"),
    ]
    # Selected by name, HP102 runs, and its comment is judged.
    assert [(d["path"], d["line"]) for d in linted.diagnostics("--select", "HP1,HP004") if d["code"] == "HP004"] == [
        ("configs/train.yaml", 2), ("train.py", 7),
    ]
    assert [d["code"] for d in linted.diagnostics("--ignore", "HP004")] == []


def test_unused_in_a_subset_of_files_judges_only_those(project):
    linted = project({
        "train.py": UNUSED,
        "model.py": "import torch.nn as nn\n\nrnn = nn.RNN(8, 8)  # hplint: ignore[HP206]\nhead = nn.Linear(8, 2)  # hplint: ignore[HP206]\n",
    })
    run = linted.run("model.py", "--format", "json")
    assert [(d["path"], d["line"], d["code"]) for d in run.json()["diagnostics"]] == [("model.py", 4, "HP004")]


def test_a_file_that_does_not_parse_is_not_judged(project):
    broken = "import torch.nn as nn\n\nrnn = nn.RNN(8, 8  # hplint: ignore[HP206]\n"
    assert project({"model.py": broken}).codes() == ["HP001"]


def test_hp004_is_hidden_only_by_naming_it(project):
    linted = project({"model.py": (
        "import torch.nn as nn\n\n"
        "head = nn.Linear(8, 2)  # hplint: ignore[HP206]  # hplint: ignore[HP004]\n"
        "proj = nn.Linear(8, 2)  # hplint: ignore[HP206, HP004]\n"
        "norm = nn.LayerNorm(8)  # hplint: ignore[HP0]\n"
    )})
    assert [(d["code"], d["line"]) for d in linted.diagnostics()] == [("HP004", 5)]


def test_statistics_lists_unused_suppressions(project):
    run = project({"train.py": UNUSED}).run(".", "--statistics")
    assert "train.py:6: unused suppression (hplint[HP101])" in run.output
    assert "train.py:7: unused suppression (hplint)" in run.output


def test_cached_run_judges_the_same(project):
    linted = project({"train.py": UNUSED})
    cold = linted.run(".", "--format", "json").json()["diagnostics"]
    warm = linted.run(".", "--format", "json").json()["diagnostics"]
    assert cold == warm and len(cold) == 5


RNN_MODULE = """
# hplint: ignore-file[HP206]
# Baselines for the ablation table: plain RNNs on purpose.
import torch.nn as nn

encoder = nn.RNN(32, 32)
decoder = nn.RNNCell(32, 32)
rate = nn.Dropout(0.9)
"""

SWEEP_YAML = """
# hplint: ignore-file[HP101, HP103]
optimizer:
  lr: 4.0
data:
  batch_size: 4096
model:
  dropout: 0.9
"""

SWEEP_TOML = """
# hplint: ignore-file
[optim]
lr = 4.0
[data]
batch_size = 4096
"""

LAUNCH = """
#!/usr/bin/env bash
# hplint: ignore-file[HP103]
python train.py --lr 8.0 --batch_size 256
"""

TRAIN_ARGS = """
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, random_split

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--batch_size", type=int, default=32)
args = parser.parse_args()
model = nn.Linear(8, 2)
train_set, val_set = random_split(dataset, [0.9, 0.1])
loader = DataLoader(train_set, batch_size=args.batch_size)
val_loader = DataLoader(val_set, batch_size=32)
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
for x, y in loader:
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
"""


def test_ignore_file_in_each_language(project):
    linted = project({
        "models/baselines.py": RNN_MODULE, "configs/sweep.yaml": SWEEP_YAML, "configs/sweep.toml": SWEEP_TOML,
        "run.sh": LAUNCH, "train.py": TRAIN_ARGS,
    })
    assert [(d["path"], d["line"], d["code"]) for d in linted.diagnostics()] == [
        ("configs/sweep.yaml", 7, "HP210"),
        ("models/baselines.py", 7, "HP210"),
        ("run.sh", 3, "HP101"),
    ]


def test_ignore_file_after_code_is_reported_and_hides_nothing(project):
    linted = project({"model.py": "import torch.nn as nn\n\nrnn = nn.RNN(8, 8)  # hplint: ignore-file[HP206]\n"})
    assert [(d["code"], d["message"]) for d in linted.diagnostics()] == [
        ("HP206", linted.findings("HP206")[0]["message"]),
        ("HP003", "`# hplint: ignore-file[HP206]` follows code on its line, so it suppresses nothing; put it on a line of its own"),
    ]


def test_unused_ignore_file(project):
    linted = project({"model.py": "# hplint: ignore-file[HP206]\nimport torch.nn as nn\n\nlstm = nn.LSTM(8, 8)\n"})
    assert [(d["code"], d["line"], d["message"]) for d in linted.diagnostics()] == [
        ("HP004", 1, "`# hplint: ignore-file[HP206]`: no HP206 finding in this file; remove it"),
    ]


def test_per_file_ignores_and_select_apply_to_hp003(project):
    files = {"model.py": "import torch.nn as nn\n\nrnn = nn.RNN(8, 8)  # hplint: ignore HP206\n"}
    linted = project(files)
    assert linted.codes() == ["HP003"]
    assert linted.codes("--ignore", "HP003") == []
    assert linted.codes("--select", "HP2") == []
    assert linted.codes("--per-file-ignores", "model.py:HP003") == []


@pytest.mark.parametrize("comment, rewrite", [
    ("# hplint: ignore HP206", "# hplint: ignore[HP206]"),
    ("# hplint: ignore [HP206, HP103]", "# hplint: ignore[HP103, HP206]"),
    ("# hplint ignore[HP206]", "# hplint: ignore[HP206]"),
    ("# hplint ignore", "# hplint: ignore"),
    ("# hplint: ignore[HP206", "# hplint: ignore[HP206]"),
    ("# hplint: ignore[HP206, HP2O6]", "# hplint: ignore[HP206]"),
    ("# noqa: HP206, HP999", "# noqa: HP206"),
    ("# hplint: ignore[]", ""),
    ("# hplint: ignore[HP2O6]", None),
    ("# hplint: ignore HP2O6", None),
    ("# hplint: disable=HP206", None),
])
def test_the_rewrite_a_fix_of_hp003_makes(comment, rewrite):
    from hplint.checks import all_rules
    from hplint.checks.suppressions import invalid_rewrite

    (found,) = find_suppressions(f"rnn = nn.RNN(8, 8)  {comment}\n")
    assert invalid_rewrite(found, tuple(rule.code for rule in all_rules())) == rewrite


def test_the_rewrite_a_fix_of_hp004_makes():
    from hplint.checks.suppressions import unused_rewrite
    from hplint.suppression import Unused

    partial, bare, noqa = find_suppressions(
        "a = 1  # hplint: ignore[HP101, HP103]\nb = 2  # hplint: ignore\nc = 3  # noqa: HP206, HP101\n"
    )
    assert unused_rewrite(Unused("t.py", partial, ("HP101",))) == "# hplint: ignore[HP103]"
    assert unused_rewrite(Unused("t.py", partial, ("HP101", "HP103"))) == ""
    assert unused_rewrite(Unused("t.py", bare, ())) == ""
    assert unused_rewrite(Unused("t.py", noqa, ("HP101",))) == "# noqa: HP206"


def test_unused_comment_after_a_multi_line_string_names_its_lines(project):
    linted = project({"train.py": 'import torch\n\nNOTE = """lr 0.01 is\nthe default"""  # hplint: ignore[HP103]\n'})
    assert [(d["line"], d["message"]) for d in linted.diagnostics()] == [
        (4, "`# hplint: ignore[HP103]`: no HP103 finding on lines 3-4; remove it"),
    ]
