"""Jupyter notebooks: linted like Python files, their code cells joined, findings located in the cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hplint.extract.notebook import python_of, read_notebook
from tests.conftest import run_hplint

# A small PNG's worth of base64, repeated: what a plotted loss curve looks like in an output.
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def notebook(*cells: tuple[str, str], language: str = "python", indent: int | None = 1) -> str:
    """nbformat 4 JSON as Jupyter writes it: cell ids, metadata, and outputs on the code cells."""
    written = []
    for number, (kind, source) in enumerate(cells, start=1):
        cell: dict[str, object] = {"cell_type": kind, "id": f"cell-{number}", "metadata": {},
                                   "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell["execution_count"] = number
            cell["outputs"] = [
                {"name": "stdout", "output_type": "stream", "text": ["epoch 1 loss 2.31\n", "epoch 2 loss 2.29\n"]},
                {"data": {"image/png": _PNG, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                 "metadata": {}, "output_type": "display_data"},
            ]
        written.append(cell)
    document = {
        "cells": written,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": language, "name": "python3"},
            "language_info": {"name": language, "version": "3.11.4", "file_extension": ".py"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=indent, ensure_ascii=False) + "\n"


def code(source: str) -> tuple[str, str]:
    return ("code", source)


def markdown(source: str) -> tuple[str, str]:
    return ("markdown", source)


IMPORTS = code(
    "%matplotlib inline\n"
    "!pip install -q torch torchvision\n"
    "import torch\n"
    "import torch.nn as nn\n"
    "import torch.nn.functional as F\n"
    "from torch.utils.data import DataLoader"
)
MODEL = code(
    "class Classifier(nn.Module):\n"
    "    def __init__(self, n_features=784, n_classes=10):\n"
    "        super().__init__()\n"
    "        self.hidden = nn.Linear(n_features, 256)\n"
    "        self.out = nn.Linear(256, n_classes)\n"
    "\n"
    "    def forward(self, x):\n"
    "        x = F.relu(self.hidden(x))\n"
    "        return F.softmax(self.out(x), dim=1)"
)
TRAINING = code(
    "%%time\n"
    "model = Classifier()\n"
    "criterion = nn.CrossEntropyLoss()\n"
    "optimizer = torch.optim.Adam(model.parameters(), lr=0.5)\n"
    "for epoch in range(5):\n"
    "    for images, labels in train_loader:\n"
    "        optimizer.zero_grad()\n"
    "        loss = criterion(model(images.view(-1, 784)), labels)\n"
    "        loss.backward()\n"
    "        optimizer.step()"
)
DATA = code(
    "train_set, val_set = torch.utils.data.random_split(dataset, [50000, 10000])\n"
    "train_loader = DataLoader(train_set, batch_size=32, shuffle=True)\n"
    "val_loader = DataLoader(val_set, batch_size=32)"
)
# Cells: 1 markdown, 2 imports, 3 markdown, 4 model, 5 data, 6 markdown, 7 training.
CLASSIFIER = (
    markdown("# MNIST classifier\nA two-layer network."), IMPORTS, markdown("## The model"), MODEL, DATA,
    markdown("## Training\nFive epochs of Adam."), TRAINING,
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def findings(folder: Path, *args: str) -> list[dict[str, object]]:
    run = run_hplint(*args, "--format", "json", "--no-cache", cwd=folder)
    assert run.exit_code in (0, 1), run.output + run.stderr
    return run.json()["diagnostics"]


def where(diagnostic: dict[str, object]) -> tuple[object, ...]:
    return diagnostic["code"], diagnostic["path"], diagnostic.get("cell"), diagnostic["line"], diagnostic["column"]


# ---------------------------------------------------------------- 1. read like Python


def test_a_notebook_named_on_the_command_line_is_linted(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    run = run_hplint("train.ipynb", "--no-cache", cwd=tmp_path)
    assert run.exit_code == 1, run.output + run.stderr
    assert "train.ipynb:cell 4:9:16: HP201 [error] softmax on the output of Classifier before CrossEntropyLoss " \
           "(train.ipynb:cell 7:8)" in run.output
    assert "train.ipynb:cell 7:4:53: HP104 [warning] Adam lr=0.5" in run.output
    assert "1 error, 1 warning in 1 file" in run.output.splitlines()


def test_notebooks_in_a_folder_are_found_and_checkpoints_are_not(tmp_path):
    write(tmp_path, "notebooks/train.ipynb", notebook(*CLASSIFIER))
    write(tmp_path, "notebooks/.ipynb_checkpoints/train-checkpoint.ipynb", notebook(*CLASSIFIER))
    found = findings(tmp_path, ".")
    assert {d["path"] for d in found} == {"notebooks/train.ipynb"}
    assert sorted(where(d) for d in found) == [
        ("HP104", "notebooks/train.ipynb", 7, 4, 53),
        ("HP201", "notebooks/train.ipynb", 4, 9, 16),
    ]


def test_a_model_in_one_cell_reaches_its_loss_in_a_later_cell(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    [softmax] = [d for d in findings(tmp_path, ".") if d["code"] == "HP201"]
    assert softmax["source"] == {"path": "train.ipynb", "cell": 7, "line": 8}


def test_magics_shell_escapes_and_help_do_not_break_the_parse(tmp_path):
    write(tmp_path, "explore.ipynb", notebook(
        code("%load_ext autoreload\n%autoreload 2\n!nvidia-smi\nimport torch\nimport torch.nn as nn"),
        code("files = !ls data/\n"
             "nn.Linear?\n"
             "?torch.optim.SGD\n"
             "for name in files:\n"
             "    !wc -l {name}\n"
             "model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))"),
        code("%%bash\nfor lr in 0.1 0.01; do\n  python train.py --lr $lr\ndone"),
        code("%%capture log\n"
             "optimizer = torch.optim.SGD(model.parameters(), lr=30.0, momentum=0.9)\n"
             "%time optimizer.step()"),
        code("!pip install \\\n    timm"),
    ))
    found = findings(tmp_path, ".")
    assert not [d for d in found if d["code"] in ("HP001", "HP002")]
    [lr] = [d for d in found if d["code"] == "HP103"]
    assert where(lr) == ("HP103", "explore.ipynb", 4, 2, 52)


def test_markdown_raw_cells_and_outputs_are_never_read(tmp_path):
    text = notebook(
        markdown("Do not do this:\n\n```python\noptimizer = torch.optim.Adam(model.parameters(), lr=5.0)\n```"),
        ("raw", "optimizer = torch.optim.SGD(model.parameters(), lr=100.0)"),
        code("import torch\nmodel = torch.nn.Linear(10, 2)\noptimizer = torch.optim.Adam(model.parameters(), lr=1e-3)"),
    )
    document = json.loads(text)
    document["cells"][2]["outputs"].append({
        "output_type": "execute_result", "execution_count": 3, "metadata": {},
        "data": {"text/plain": ["optimizer = torch.optim.Adam(model.parameters(), lr=5.0)"]},
    })
    write(tmp_path, "clean.ipynb", json.dumps(document, indent=1))
    run = run_hplint("clean.ipynb", "--no-cache", cwd=tmp_path)
    assert (run.exit_code, run.output.strip()) == (0, "no problems in 1 file")


def test_large_outputs_are_read_past_and_the_code_is_linted(tmp_path):
    document = json.loads(notebook(*CLASSIFIER))
    for cell in document["cells"]:
        if cell["cell_type"] == "code":  # a few megabytes of plots, as a notebook saved after a long run has
            cell["outputs"][1]["data"]["image/png"] = _PNG * 25_000
    write(tmp_path, "train.ipynb", json.dumps(document, indent=1))
    assert (tmp_path / "train.ipynb").stat().st_size > 8 << 20
    assert {d["code"] for d in findings(tmp_path, ".")} == {"HP201", "HP104"}


def test_a_notebook_too_large_to_read_is_named_not_passed_over(tmp_path, monkeypatch):
    import hplint.extract

    monkeypatch.setattr(hplint.extract, "MAX_NOTEBOOK_BYTES", 4096)
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    run = run_hplint("train.ipynb", "--no-cache", cwd=tmp_path)
    assert "train.ipynb: not analysed:" in run.stderr and "larger than" in run.stderr
    assert "1 not analysed" in run.output


def test_a_notebook_of_another_language_is_not_read_as_python(tmp_path):
    write(tmp_path, "analysis.ipynb", notebook(
        code("library(ggplot2)\ndf <- read.csv('losses.csv')\nggplot(df, aes(x=epoch, y=loss)) + geom_line()"),
        language="R",
    ))
    run = run_hplint("analysis.ipynb", "--no-cache", cwd=tmp_path)
    assert (run.exit_code, run.output.strip()) == (0, "no problems in 1 file")


def test_an_nbformat_3_notebook_is_read_from_its_worksheets(tmp_path):
    cells = [
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Training"]},
        {"cell_type": "code", "collapsed": False, "input": ["import torch\n", "rnn = torch.nn.RNN(32, 64)"],
         "language": "python", "metadata": {}, "outputs": []},
    ]
    document = {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0,
                "worksheets": [{"cells": cells, "metadata": {}}]}
    write(tmp_path, "old.ipynb", json.dumps(document, indent=1))
    assert [where(d) for d in findings(tmp_path, ".")] == [("HP206", "old.ipynb", 2, 2, 7)]


def test_a_cell_source_written_as_one_string_is_read(tmp_path):
    document = json.loads(notebook(code("placeholder")))
    document["cells"][0]["source"] = "import torch\n\nrnn = torch.nn.RNN(32, 64)\n"
    write(tmp_path, "one_string.ipynb", json.dumps(document))
    assert [where(d) for d in findings(tmp_path, ".")] == [("HP206", "one_string.ipynb", 1, 3, 7)]


@pytest.mark.parametrize(("cell", "expected"), [
    ("%matplotlib inline\nimport torch", "pass\nimport torch"),
    ("x = 1\n!pip install torch", "x = 1\npass"),
    ("files = !ls data/\nweights, biases = %sx cat w.txt", "files = get_ipython()\nweights, biases = get_ipython()"),
    ("model?\nmodel.forward??\n?nn.Linear", "pass\npass\npass"),
    ("for f in files:\n    !wc -l {f}", "for f in files:\n    pass"),
    ("%time trainer.fit(model)", "if 1: trainer.fit(model)"),
    ("%timeit -n 3 model(x)", "pass"),
    ("%time for x in loader: step(x)", "pass"),
    ("!pip install \\\n    torch\nimport torch", "pass\n\nimport torch"),
    ("%%time\nmodel = Net()\nfit(model)", "\nmodel = Net()\nfit(model)"),
    ("%%bash\nls -l\necho done", "\n\n"),
    ("%%writefile model.py\nimport torch\n", "\n\n"),
    ('doc = """\n!not a shell escape\n% not a magic\nwhy?\n"""', 'doc = """\n!not a shell escape\n% not a magic\nwhy?\n"""'),
    ("total = (a\n% b)", "total = (a\n% b)"),
    ("x = 1  # is this right?", "x = 1  # is this right?"),
    ("y = x \\\n% 3", "y = x \\\n% 3"),
    ("pip install -q timm", "pass"),  # automagic: a magic's name without `%`, in a cell of one line
    ("ls ./embeddings/\n", "pass\n"),
    ("pip install timm\nimport timm", "pip install timm\nimport timm"),  # IPython runs it only alone: an error
    ("config = OmegaConf.create(\n    {'lr': 0.1}\n)", "config = OmegaConf.create(\n    {'lr': 0.1}\n)"),
    ("run = train(model)", "run = train(model)"),
])
def test_ipython_syntax_is_replaced_on_its_own_lines(cell, expected):
    assert python_of(cell) == expected
    assert python_of(cell).count("\n") == cell.count("\n")


def test_a_cell_indented_as_a_whole_is_read_as_ipython_dedents_it(tmp_path):
    write(tmp_path, "pasted.ipynb", notebook(
        code("import torch"),
        code("    # pasted from a function body\n    rnn = torch.nn.RNN(32, 64)\n    out, h = rnn(x)"),
    ))
    assert [where(d) for d in findings(tmp_path, ".")] == [("HP206", "pasted.ipynb", 2, 2, 11)]


def test_cells_are_numbered_among_all_cells_and_join_in_order():
    read = read_notebook(notebook(*CLASSIFIER))
    assert [(cell.number, cell.offset, cell.lines) for cell in read.cells] == [(2, 0, 6), (4, 6, 9), (5, 15, 3), (7, 18, 10)]
    assert read.code.splitlines()[6] == "class Classifier(nn.Module):"


# ---------------------------------------------------------------- 2. located in the cells


def test_json_gives_the_cell_and_the_line_within_it(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    [softmax] = [d for d in findings(tmp_path, ".") if d["code"] == "HP201"]
    assert {key: softmax[key] for key in ("path", "cell", "line", "column", "end_line", "end_column")} == {
        "path": "train.ipynb", "cell": 4, "line": 9, "column": 16, "end_line": 9, "end_column": 45,
    }
    assert list(softmax)[:7] == ["code", "name", "severity", "message", "path", "cell", "line"]


def test_a_python_file_has_no_cell_in_json(tmp_path):
    write(tmp_path, "train.py", "import torch\n\nrnn = torch.nn.RNN(32, 64)\n")
    [rnn] = findings(tmp_path, ".")
    assert "cell" not in rnn and rnn["line"] == 3


def test_show_source_shows_the_line_of_the_cell(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    run = run_hplint("train.ipynb", "--no-cache", "--show-source", cwd=tmp_path)
    lines = run.output.splitlines()
    at = lines.index(next(line for line in lines if "HP104" in line))
    assert lines[at + 1] == "    4 | optimizer = torch.optim.Adam(model.parameters(), lr=0.5)"
    assert lines[at + 2].index("^") == len("    4 | optimizer = torch.optim.Adam(model.parameters(), lr=")


def test_github_annotations_give_the_line_within_the_cell_and_name_the_cell(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    run = run_hplint("train.ipynb", "--no-cache", "--format", "github", cwd=tmp_path)
    assert "::error file=train.ipynb,line=9,col=16,endLine=9,endColumn=45,title=HP201 (cell 4)::HP201 softmax" in run.output


def test_sarif_regions_are_lines_of_the_cell_and_name_it(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    from tests.test_sarif import validate

    run = run_hplint("train.ipynb", "--no-cache", "--format", "sarif", cwd=tmp_path)
    validate(run.json())
    results = run.json()["runs"][0]["results"]
    [softmax] = [result for result in results if result["ruleId"] == "HP201"]
    [location] = softmax["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "train.ipynb"
    assert location["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 16, "endLine": 9, "endColumn": 45}
    assert location["properties"] == {"cell": 4}
    assert location["message"]["text"] == "cell 4, line 9"
    [related] = softmax["relatedLocations"]
    assert related["physicalLocation"]["region"]["startLine"] == 8 and related["properties"] == {"cell": 7}
    assert "[train.ipynb:cell 7:8](1)" in softmax["message"]["text"]


def test_a_suppression_comment_in_a_cell_hides_the_finding_on_its_line(tmp_path):
    training = TRAINING[1].replace("lr=0.5)", "lr=0.5)  # hplint: ignore[HP104]")
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER[:-1], code(training)))
    run = run_hplint("train.ipynb", "--no-cache", "--statistics", cwd=tmp_path)
    assert "HP104" not in run.output.split("\n1 suppressed")[0]
    assert "1 suppressed by comments" in run.output
    assert "HP201" in run.output


def test_show_facts_and_show_runs_name_the_cells(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    facts = run_hplint("train.ipynb", "--no-cache", "--show-facts", cwd=tmp_path).output
    assert "train.ipynb:cell 7:4  lr" in facts
    assert "train.ipynb:cell 4:1  Classifier" in facts
    runs = run_hplint(".", "--no-cache", "--show-runs", cwd=tmp_path).output
    assert "run train.ipynb" in runs


def test_locations_survive_the_cache(tmp_path):
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER))
    cold = run_hplint(".", "--format", "json", cwd=tmp_path)
    (tmp_path / "train.ipynb").touch()  # read again: its facts come from the cache, not its findings
    warm = run_hplint(".", "--format", "json", cwd=tmp_path)
    again = run_hplint(".", "--format", "json", cwd=tmp_path)  # the run record: nothing read at all
    assert cold.json() == warm.json() == again.json()
    assert {d.get("cell") for d in cold.json()["diagnostics"]} == {4, 7}


# ---------------------------------------------------------------- 3. notebooks that cannot be read


def test_a_notebook_that_is_not_json_is_hp002_and_the_run_goes_on(tmp_path):
    text = notebook(*CLASSIFIER)
    write(tmp_path, "broken.ipynb", text[:text.index('"source"', 800)])  # cut off mid-save
    write(tmp_path, "model.py", "import torch.nn as nn\n\nrnn = nn.RNN(32, 64)\n")
    found = findings(tmp_path, ".")
    [broken] = [d for d in found if d["path"] == "broken.ipynb"]
    assert broken["code"] == "HP002" and "cell" not in broken
    assert broken["message"].startswith("cannot read the notebook: not valid JSON: ")
    assert [d["code"] for d in found if d["path"] == "model.py"] == ["HP206"]


def test_json_that_is_not_a_notebook_is_hp002(tmp_path):
    write(tmp_path, "results.ipynb", json.dumps([{"epoch": 1, "loss": 2.3}]))
    [error] = findings(tmp_path, ".")
    assert (error["code"], error["line"], error["message"]) == (
        "HP002", 1, "cannot read the notebook: not a Jupyter notebook: the JSON is not an object (line 1, column 1)",
    )


def test_a_cell_that_does_not_parse_is_hp001_at_the_cell_and_the_others_are_linted(tmp_path):
    broken = code("optimizer = torch.optim.SGD(model.parameters(),\n                            lr=0.01\nscheduler = None")
    write(tmp_path, "train.ipynb", notebook(*CLASSIFIER, broken))
    run = run_hplint("train.ipynb", "--no-cache", cwd=tmp_path)
    assert run.exit_code == 1
    assert "train.ipynb:cell 8:1:28: HP001 [error] cannot parse Python: '(' was never closed (cell 8, line 1, column 28)" \
        in run.output
    assert "train.ipynb:cell 4:9:16: HP201" in run.output  # the cells that parse are still read


def test_a_cell_is_parsed_on_its_own_as_the_kernel_runs_it(tmp_path):
    # Joined, these two cells would parse as one statement; Jupyter runs them apart, and the first fails.
    write(tmp_path, "train.ipynb", notebook(
        code("import torch\nmodel = torch.nn.Sequential(\n    torch.nn.Linear(10, 2),"),
        code(")\nrnn = torch.nn.RNN(32, 64)"),
    ))
    assert sorted(where(d) for d in findings(tmp_path, ".")) == [
        ("HP001", "train.ipynb", 1, 2, 28), ("HP001", "train.ipynb", 2, 1, 1),
    ]


# ---------------------------------------------------------------- 4. runs


MODEL_FILE = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.body(x).softmax(dim=1)
"""


def test_a_notebook_importing_a_module_beside_it_is_joined_like_a_script(tmp_path):
    write(tmp_path, "model.py", MODEL_FILE)
    write(tmp_path, "train.ipynb", notebook(
        code("import torch\nfrom model import Net"),
        markdown("Train it."),
        code("net = Net()\nloss_fn = torch.nn.CrossEntropyLoss()\nfor x, y in loader:\n    loss = loss_fn(net(x), y)"),
    ))
    [softmax] = [d for d in findings(tmp_path, ".") if d["code"] == "HP201"]
    assert (softmax["path"], softmax["line"], softmax["source"]) == ("model.py", 10, {"path": "train.ipynb", "cell": 3, "line": 4})
    runs = run_hplint(".", "--no-cache", "--show-runs", "--format", "json", cwd=tmp_path).json()["runs"]
    assert [(run["entry"], run["files"]) for run in runs] == [("train.ipynb", ["model.py", "train.ipynb"])]


def test_a_staged_notebook_fails_for_the_model_module_it_trains(tmp_path):
    write(tmp_path, "model.py", MODEL_FILE)
    write(tmp_path, "train.ipynb", notebook(
        code("import torch\nfrom model import Net\nnet = Net()\nloss = torch.nn.CrossEntropyLoss()(net(x), y)"),
    ))
    (tmp_path / ".git").mkdir()
    run = run_hplint("train.ipynb", "--no-cache", cwd=tmp_path)
    assert "model.py:10:16: HP201 [error] softmax on the output of Net before CrossEntropyLoss (train.ipynb:cell 1:4)" \
        in run.output


def test_two_notebooks_in_one_folder_do_not_share_facts(tmp_path):
    # The first trains with no held-out data; the second's split and its eval-mode model are its own.
    write(tmp_path, "train.ipynb", notebook(
        IMPORTS, MODEL,
        code("model = Classifier()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
             "for x, y in DataLoader(dataset, batch_size=32):\n    optimizer.zero_grad()\n"
             "    loss = F.nll_loss(torch.log(model(x)), y)\n    loss.backward()\n    optimizer.step()"),
    ))
    write(tmp_path, "evaluate.ipynb", notebook(
        code("import torch\nfrom torch.utils.data import random_split\nACCUMULATE = 64"),
        code("train_set, val_set = random_split(dataset, [0.9, 0.1])\nmodel.eval()"),
    ))
    found = findings(tmp_path, ".")
    assert [where(d) for d in found if d["code"] == "HP301"] == [("HP301", "train.ipynb", 3, 7, 5)]
    runs = run_hplint(".", "--no-cache", "--show-runs", "--format", "json", cwd=tmp_path).json()["runs"]
    assert sorted((run["entry"], run["files"]) for run in runs) == [
        ("evaluate.ipynb", ["evaluate.ipynb"]), ("train.ipynb", ["train.ipynb"]),
    ]


# ---------------------------------------------------------------- 6. writing a notebook back


def nbformat_text(document: dict[str, object]) -> str:
    """What Jupyter (nbformat) writes: sorted keys, one space of indentation, non-ASCII as is, a final newline."""
    return json.dumps(document, sort_keys=True, indent=1, separators=(",", ": "), ensure_ascii=False) + "\n"


def with_source(document: dict[str, object], number: int, source: str) -> dict[str, object]:
    edited = json.loads(json.dumps(document))
    edited["cells"][number - 1]["source"] = source.splitlines(keepends=True)
    return edited


def test_only_the_changed_cells_source_is_rewritten_as_jupyter_writes_it():
    from hplint.edit.notebook import with_sources

    document = json.loads(notebook(*CLASSIFIER))
    document["cells"][1]["outputs"][0]["text"] = ["Collecting torch — 750 MB\n", "Successfully installed torch-2.3.0\n"]
    text = nbformat_text(document)
    model = MODEL[1].replace("return F.softmax(self.out(x), dim=1)", "return self.out(x)")
    rewritten = with_sources(text, {4: model})
    assert rewritten == nbformat_text(with_source(document, 4, model))
    changed = [line for line in rewritten.splitlines() if line not in text.splitlines()]
    assert changed == ['    "        return self.out(x)"']


def test_the_layout_of_other_writers_is_kept():
    from hplint.edit.notebook import with_sources

    document = json.loads(notebook(*CLASSIFIER))
    document["cells"][0]["source"] = "# Réseau de classification\n"
    training = TRAINING[1].replace("lr=0.5", "lr=1e-3")
    for dump in (
        lambda d: json.dumps(d, indent=2, ensure_ascii=True),  # VS Code's keys in its own order, escaped
        lambda d: json.dumps(d),  # on one line
        lambda d: json.dumps(d, indent=1, ensure_ascii=False).replace("\n", "\r\n") + "\r\n",  # saved on Windows
    ):
        assert with_sources(dump(document), {7: training}) == dump(with_source(document, 7, training))


def test_a_source_written_as_one_string_stays_one_string_and_an_empty_one_becomes_lines():
    from hplint.edit.notebook import with_sources

    document = json.loads(notebook(code("import torch"), code("")))
    document["cells"][0]["source"] = "import torch\nrnn = torch.nn.RNN(32, 64)"
    text = nbformat_text(document)
    rewritten = with_sources(text, {1: "import torch\nrnn = torch.nn.LSTM(32, 64)", 2: "rnn.flatten_parameters()\n"})
    expected = json.loads(text)
    expected["cells"][0]["source"] = "import torch\nrnn = torch.nn.LSTM(32, 64)"
    expected["cells"][1]["source"] = ["rnn.flatten_parameters()\n"]
    assert rewritten == nbformat_text(expected)


def test_outputs_and_metadata_keep_their_bytes():
    from hplint.edit.notebook import with_sources

    text = (
        '{"cells": [{"cell_type": "code", "execution_count": 1, "id": "a1", "metadata": {"scrolled": true},'
        ' "outputs": [{"data": {"text/plain": ["0.30000000000000004", "1E-5 \\/ 2"]}, "execution_count": 1,'
        ' "metadata": {}, "output_type": "execute_result"}], "source": ["lr = 1E-5\\n", "lr"]}],'
        ' "metadata": {"lr": 1.50E+2}, "nbformat": 4, "nbformat_minor": 5}'
    )
    rewritten = with_sources(text, {1: "lr = 3e-4\nlr"})
    assert rewritten == text.replace('["lr = 1E-5\\n", "lr"]', '["lr = 3e-4\\n", "lr"]')


def test_a_text_that_is_no_nbformat_4_notebook_is_refused():
    from hplint.edit.notebook import with_sources
    from hplint.extract.notebook import NotebookError

    with pytest.raises(NotebookError):
        with_sources('{"worksheets": []}', {1: "x = 1"})
    with pytest.raises(NotebookError):
        with_sources(notebook(code("x = 1")), {2: "x = 2"})
    with pytest.raises(NotebookError):
        with_sources('{"cells": [{"source": "x', {1: "x = 2"})


def test_the_diff_of_a_notebook_is_the_diff_of_its_changed_cells():
    from hplint.edit.notebook import cell_diffs, with_sources

    before = nbformat_text(json.loads(notebook(*CLASSIFIER)))
    model = MODEL[1].replace("return F.softmax(self.out(x), dim=1)", "return self.out(x)")
    after = with_sources(before, {4: model})
    assert cell_diffs("train.ipynb", before, after) == (
        "--- a/train.ipynb:cell 4\n"
        "+++ b/train.ipynb:cell 4\n"
        "@@ -6,4 +6,4 @@\n"
        " \n"
        "     def forward(self, x):\n"
        "         x = F.relu(self.hidden(x))\n"
        "-        return F.softmax(self.out(x), dim=1)\n"
        "+        return self.out(x)\n"
    )


# ---------------------------------------------------------------- 6. --fix on notebooks


FIXED_MODEL = MODEL[1].replace("return F.softmax(self.out(x), dim=1)", "return self.out(x)")
TRAIN_WITHOUT_ZERO_GRAD = (
    "%%time\n"
    "!nvidia-smi\n"
    "model = Classifier()\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)\n"
    "for epoch in range(5):\n"
    "    for images, labels in train_loader:\n"
    "        loss = F.cross_entropy(model(images.view(-1, 784)), labels)\n"
    "        loss.backward()\n"
    "        optimizer.step()"
)
EVALUATE = (
    "model.eval()\n"
    "correct = 0\n"
    "for images, labels in val_loader:\n"
    "    correct += (model(images.view(-1, 784)).argmax(1) == labels).sum().item()\n"
    "model.train()"
)


def test_fix_rewrites_only_the_changed_lines_of_the_cell(tmp_path):
    document = json.loads(notebook(*CLASSIFIER))
    write(tmp_path, "train.ipynb", nbformat_text(document))
    run = run_hplint("train.ipynb", "--no-cache", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert (tmp_path / "train.ipynb").read_text(encoding="utf-8") == nbformat_text(with_source(document, 4, FIXED_MODEL))
    assert "HP201" not in run.output and "train.ipynb:cell 7:4:53: HP104" in run.output
    assert "fixed 1 finding" in run.output
    again = run_hplint("train.ipynb", "--no-cache", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert "fixed 0 findings" in again.output  # nothing left to fix: --fix is idempotent
    assert (tmp_path / "train.ipynb").read_text(encoding="utf-8") == nbformat_text(with_source(document, 4, FIXED_MODEL))


def test_fix_in_a_cell_with_magics_keeps_them_and_shifts_nothing_else(tmp_path):
    cells = (IMPORTS, code(FIXED_MODEL), DATA, code(TRAIN_WITHOUT_ZERO_GRAD), code(EVALUATE))
    document = json.loads(notebook(*cells))
    write(tmp_path, "train.ipynb", nbformat_text(document))
    run = run_hplint("train.ipynb", "--no-cache", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert run.exit_code == 0, run.output + run.stderr
    training = TRAIN_WITHOUT_ZERO_GRAD.replace(
        "labels in train_loader:\n", "labels in train_loader:\n        optimizer.zero_grad()\n",
    )
    evaluation = EVALUATE.replace(
        "for images, labels in val_loader:\n    correct",
        "with torch.no_grad():\n    for images, labels in val_loader:\n        correct",
    )
    expected = with_source(with_source(document, 4, training), 5, evaluation)
    assert (tmp_path / "train.ipynb").read_text(encoding="utf-8") == nbformat_text(expected)


def test_a_fix_that_would_move_a_magic_is_not_made(tmp_path):
    evaluate = EVALUATE.replace("in val_loader:\n", "in val_loader:\n    !echo batch\n")
    text = nbformat_text(json.loads(notebook(IMPORTS, code(FIXED_MODEL), DATA, code(evaluate))))
    write(tmp_path, "evaluate.ipynb", text)
    run = run_hplint("evaluate.ipynb", "--no-cache", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert (tmp_path / "evaluate.ipynb").read_text(encoding="utf-8") == text
    assert "evaluate.ipynb:cell 4:3:1: HP305" in run.output


def test_diff_shows_the_changed_cells_and_writes_nothing(tmp_path):
    text = nbformat_text(json.loads(notebook(*CLASSIFIER)))
    write(tmp_path, "train.ipynb", text)
    run = run_hplint("train.ipynb", "--no-cache", "--diff", "--unsafe-fixes", cwd=tmp_path)
    assert run.exit_code == 1
    assert run.output == (
        "--- a/train.ipynb:cell 4\n"
        "+++ b/train.ipynb:cell 4\n"
        "@@ -6,4 +6,4 @@\n"
        " \n"
        "     def forward(self, x):\n"
        "         x = F.relu(self.hidden(x))\n"
        "-        return F.softmax(self.out(x), dim=1)\n"
        "+        return self.out(x)\n"
    )
    assert (tmp_path / "train.ipynb").read_text(encoding="utf-8") == text


def test_a_notebook_with_a_cell_that_does_not_parse_is_not_fixed(tmp_path):
    text = nbformat_text(json.loads(notebook(*CLASSIFIER, code("criterion = # TODO: the loss"))))
    write(tmp_path, "exercise.ipynb", text)
    run = run_hplint("exercise.ipynb", "--no-cache", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert "HP001" in run.output and "HP201" in run.output
    assert (tmp_path / "exercise.ipynb").read_text(encoding="utf-8") == text


# ---------------------------------------------------------------- fuzzing


CELL_PIECES = [
    "import torch\n", "%matplotlib inline\n", "!pip install torch\n", "files = !ls\n", "model?\n", "%%time\n",
    "%%bash\n", "    ", "(", ")", "'''", '"', "\\\n", "# hplint: ignore[HP101]\n", "lr = 0.1\n", "for x in y:\n",
    "opt = torch.optim.Adam(m.parameters(), lr=lr)\n", "%time fit(model)\n", "x = 1 % 2\n", "\r\n", "é", "\t",
]


def test_any_cells_give_facts_or_a_parse_error_never_an_exception():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from hplint.extract import NotAnalysed
    from hplint.extract.notebook import extract_notebook

    cells = st.lists(st.tuples(st.sampled_from(["code", "code", "markdown", "raw"]),
                               st.lists(st.sampled_from(CELL_PIECES), max_size=12).map("".join)), max_size=6)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(cells)
    def check(written):
        for cell in written:
            if cell[0] == "code":
                assert python_of(cell[1]).count("\n") == cell[1].replace("\r\n", "\n").count("\n")
        try:
            facts = extract_notebook("fuzz.ipynb", notebook(*written).encode())
        except NotAnalysed:
            return
        for fact in facts.facts:
            location = getattr(fact, "location", None)
            if location is not None:
                assert location.cell > 0 and location.shown_line >= 1

    check()


def test_writing_back_any_sources_changes_just_them():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hplint.edit.notebook import with_sources

    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.text(max_size=40), min_size=1, max_size=4), st.text(max_size=60),
           st.sampled_from([None, 1, 2]), st.booleans())
    def check(sources, new, indent, ascii_only):
        document = json.loads(notebook(*(code(source) for source in sources)))
        text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
        rewritten = with_sources(text, {1: new})
        expected = json.loads(text)
        expected["cells"][0]["source"] = new.splitlines(keepends=True)
        assert json.loads(rewritten) == expected
        assert rewritten[rewritten.index('"outputs"'):] == text[text.index('"outputs"'):]  # what follows, byte for byte

    check()


def test_a_model_named_where_it_is_written_is_named_by_its_cell(tmp_path):
    write(tmp_path, "mlp.ipynb", notebook(
        code("import torch\nfrom torch import nn"),
        markdown("A narrow MLP."),
        code("# 784 inputs squeezed into 16 units\nnet = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))"),
    ))
    [narrow] = [d for d in findings(tmp_path, ".") if d["code"] == "HP204"]
    assert narrow["message"].startswith("the first hidden layer of nn.Sequential@cell 3:2:7, Linear(784, 16)")


def test_an_unused_suppression_in_a_cell_is_named_by_its_cell(tmp_path):
    write(tmp_path, "train.ipynb", notebook(
        code("import torch"),
        markdown("The model."),
        code('doc = """a model\nwith no batch"""  # hplint: ignore[HP101]\nrnn = torch.nn.LSTM(32, 64)'),
    ))
    run = run_hplint("train.ipynb", "--no-cache", "--statistics", cwd=tmp_path)
    assert "train.ipynb:cell 3:2:19: HP004 [info] `# hplint: ignore[HP101]`: no HP101 finding on lines 1-2" in run.output
    assert "train.ipynb:cell 3:2: unused suppression (hplint[HP101])" in run.output
    summary = run_hplint("train.ipynb", "--no-cache", "--format", "json", cwd=tmp_path).json()["summary"]
    assert summary["unused_suppressions"] == [{"path": "train.ipynb", "cell": 3, "line": 2}]
