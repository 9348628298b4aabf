"""The fact cache (warm runs parse nothing) and project context when only some files are named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hplint.lint
from conftest import run_hplint, write_project
from hplint.config import CommandLine, Selection, load_config
from hplint.lint import RunOptions, lint

TRAIN = """
import torch
from torch import nn
from data import loaders

model = nn.Linear(32, 4)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
train_loader, val_loader = loaders()
for x, y in train_loader:
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
"""

DATA = """
from torch.utils.data import DataLoader, random_split


def loaders():
    train_set, val_set = random_split(dataset, [900, 100])
    return DataLoader(train_set, batch_size=512, shuffle=True), DataLoader(val_set, batch_size=64)
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return write_project(tmp_path, {"train.py": TRAIN, "data.py": DATA, "model.py": "import torch.nn as nn\nrnn = nn.RNN(4, 4)\n"})


def test_named_file_sees_its_project_and_reports_only_itself(repo):
    run = run_hplint("train.py", "--format", "json", cwd=repo)
    assert run.json()["diagnostics"] == []  # validation lives in data.py: no HP301
    data = run_hplint("data.py", "--format", "json", cwd=repo)
    assert [(d["code"], d["path"]) for d in data.json()["diagnostics"]] == [("HP101", "data.py")]
    assert run_hplint("train.py", "model.py", "--format", "json", cwd=repo).codes == ["HP206"]


def test_cache_folder_and_its_gitignore(repo):
    run_hplint(".", cwd=repo)
    cache = repo / ".hplint_cache"
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(_fact_entries(cache)) == 3
    assert len(list((cache / "runs").glob("*.json"))) == 1  # the findings of this set of files
    (cache / ".gitignore").unlink()
    for entry in cache.rglob("*.json"):
        entry.unlink()
    run_hplint(".", "--no-cache", cwd=repo)
    assert not list(cache.rglob("*.json"))


def _fact_entries(cache: Path) -> list[Path]:
    return sorted(entry for entry in cache.rglob("*.json") if entry.parent.name != "runs")


def _counting(monkeypatch) -> list[str]:
    extracted: list[str] = []
    original = hplint.lint.extract_source

    def counting(path, language, data):
        extracted.append(path)
        return original(path, language, data)

    monkeypatch.setattr(hplint.lint, "extract_source", counting)
    return extracted


def test_warm_run_extracts_only_what_changed(repo, monkeypatch):
    monkeypatch.chdir(repo)
    options = RunOptions(jobs=1, cache_folder=repo / ".hplint_cache")
    config = load_config([Path(".")])
    first = lint([Path(".")], config, options)
    extracted = _counting(monkeypatch)
    second = lint([Path(".")], config, options)
    assert extracted == [] and second.diagnostics == first.diagnostics
    (repo / "model.py").write_text("import torch.nn as nn\nrnn = nn.LSTM(4, 4)\n")
    third = lint([Path(".")], config, options)
    assert extracted == ["model.py"]
    assert [d.code for d in third.diagnostics] == ["HP101"]
    # The new version of model.py replaced the old one's entry: one entry per file.
    assert len(_fact_entries(repo / ".hplint_cache")) == 3


def test_corrupt_or_foreign_cache_entries_are_rebuilt(repo, monkeypatch):
    monkeypatch.chdir(repo)
    options = RunOptions(jobs=1, cache_folder=repo / ".hplint_cache")
    config = load_config([Path(".")])
    expected = lint([Path(".")], config, options).diagnostics
    entries = _fact_entries(repo / ".hplint_cache")
    entries[0].write_text('["FileFacts", "train.py", ')
    entries[1].write_text(json.dumps(["NotAFact"]))
    entries[2].write_bytes(b"\xff\x00")
    [run_entry] = (repo / ".hplint_cache" / "runs").glob("*.json")
    run_entry.write_text('{"files": "a digest", "diagnostics": [], "suppressions": {}}')
    extracted = _counting(monkeypatch)
    assert lint([Path(".")], config, options).diagnostics == expected
    assert len(extracted) == 3


def test_an_unchanged_project_is_neither_extracted_nor_checked(repo, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / "data.py").write_text(DATA.replace("batch_size=512, ", "batch_size=512,  # hplint: ignore[HP101]\n"))
    options = RunOptions(jobs=1, cache_folder=repo / ".hplint_cache")
    config = load_config([Path(".")])
    first = lint([Path(".")], config, options)
    checked: list[int] = []
    original = hplint.lint.check_project
    monkeypatch.setattr(hplint.lint, "check_project", lambda *args: checked.append(1) or original(*args))
    extracted = _counting(monkeypatch)
    again = lint([Path(".")], config, options)
    assert (again.diagnostics, again.suppressed) == (first.diagnostics, 1)
    assert again.files == ["data.py", "model.py", "train.py"]
    # One named file of the same project: the same snapshot, its findings only.
    model_only = lint([Path("model.py")], config, options)
    assert [(d.code, d.location.path) for d in model_only.diagnostics] == [("HP206", "model.py")]
    assert extracted == [] and checked == []
    # Other settings, or a changed file, are checked afresh.
    lint([Path(".")], load_config([Path(".")], command_line=CommandLine(Selection(ignore=("HP206",)))), options)
    assert checked == [1] and extracted == []
    (repo / "model.py").write_text("import torch.nn as nn\nrnn = nn.LSTM(4, 4)\n")
    assert lint([Path("model.py")], config, options).diagnostics == []
    assert checked == [1, 1] and extracted == ["model.py"]


def test_files_unchanged_in_size_and_time_are_not_even_read(repo, monkeypatch):
    monkeypatch.chdir(repo)
    an_hour_ago = time.time() - 3600
    for path in repo.glob("*.py"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    options = RunOptions(jobs=1, cache_folder=repo / ".hplint_cache")
    config = load_config([Path(".")])
    first = lint([Path(".")], config, options)
    read: list[str] = []
    original = hplint.lint.read_source
    monkeypatch.setattr(hplint.lint, "read_source", lambda path: read.append(path.name) or original(path))
    assert lint([Path(".")], config, options).diagnostics == first.diagnostics and read == []
    os.utime(repo / "data.py")  # touched, same content: read once, then trusted again
    assert lint([Path(".")], config, options).diagnostics == first.diagnostics and read == ["data.py"]
    os.utime(repo / "data.py", (an_hour_ago, an_hour_ago + 1))
    lint([Path(".")], config, options)
    assert read == ["data.py", "data.py"]
    lint([Path(".")], config, options)
    assert read == ["data.py", "data.py"]
    # Just written: read again until it settles.
    (repo / "model.py").write_text("import torch.nn as nn\nrnn = nn.LSTM(4, 4)\n")
    assert [d.code for d in lint([Path(".")], config, options).diagnostics] == ["HP101"]
    assert [d.code for d in lint([Path(".")], config, options).diagnostics] == ["HP101"]
    assert read.count("model.py") == 2


def test_parallel_extraction_gives_the_same_result(tmp_path, monkeypatch):
    files = {f"pkg/model_{index}.py": f"import torch.nn as nn\nlayer = nn.RNN({index + 1}, 8)\n" for index in range(20)}
    write_project(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    config = load_config([Path(".")])
    serial = lint([Path(".")], config, RunOptions(jobs=1)).diagnostics
    parallel = lint([Path(".")], config, RunOptions(jobs=2)).diagnostics
    assert len(serial) == 20 and parallel == serial


def test_two_runs_at_once_share_the_cache(tmp_path):
    files = {f"pkg/model_{index}.py": f"import torch.nn as nn\nlayer = nn.RNN({index + 1}, 8)\n" for index in range(24)}
    write_project(tmp_path, {**files, "train.py": TRAIN, "data.py": DATA})
    command = [sys.executable, "-m", "hplint", "check", "--format", "json", "--jobs", "2", "."]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [1, 1]
    assert outputs[0] == outputs[1] and len(json.loads(outputs[0])["diagnostics"]) == 25
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.stdout == outputs[0]
    assert len(_fact_entries(tmp_path / ".hplint_cache")) == 26


def test_a_run_from_the_cache_imports_no_parser_fact_model_or_rule(repo):
    (repo / "configs").mkdir()
    (repo / "configs" / "train.yaml").write_text("lr: 0.1\nbatch_size: 16\n")
    run_hplint(".", cwd=repo)
    code = (
        "import sys\n"
        "from hplint.cli import main\n"
        "try:\n"
        "    main(['train.py', 'configs/train.yaml'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(name for name in ('libcst', 'yaml', 'hplint.facts', 'hplint.checks') if name in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr


def test_files_without_any_training_vocabulary_are_not_parsed(tmp_path, monkeypatch):
    write_project(tmp_path, {"utils/strings.py": "def slug(text):\n    return text.lower().replace(' ', '-')\n"})
    import hplint.extract.python as python_extractor

    def fail(*args):
        raise AssertionError("parsed a file that cannot hold hyperparameters")

    monkeypatch.setattr(python_extractor, "extract_python", fail)
    assert run_hplint(str(tmp_path), "--no-cache").exit_code == 0
