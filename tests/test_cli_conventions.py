"""The conventions a ruff user expects: the command line over the config, extend-*, ALL, --exclude,
--per-file-ignores, --output-format, --show-source, colour, standard input, where the cache lives."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run_hplint, write_project
from hplint.cli import main

MODEL = """\
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.rnn = nn.RNN(64, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 17)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out)
"""

TRAIN = """\
import torch
from torch.utils.data import DataLoader

from model import Tagger

model = Tagger(20000, 128)
optimizer = torch.optim.SGD(model.parameters(), lr=3.0)
loss_fn = torch.nn.CrossEntropyLoss()
loader = DataLoader(train_set, batch_size=100, shuffle=True)
val_loader = DataLoader(val_set, batch_size=100)

for epoch in range(3):
    model.train()
    for tokens, tags in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(tokens).flatten(0, 1), tags.flatten())
        loss.backward()
        optimizer.step()
"""


def codes(run) -> list[str]:
    return sorted(run.codes)


@pytest.fixture
def tagger(tmp_path: Path) -> Path:
    return write_project(tmp_path, {"model.py": MODEL, "train.py": TRAIN})


def test_command_line_select_wins_over_the_config_ignore(tagger: Path) -> None:
    (tagger / "pyproject.toml").write_text('[tool.hplint]\nignore = ["HP206"]\n')
    assert "HP206" not in codes(run_hplint(".", "--format", "json", cwd=tagger))
    assert codes(run_hplint(".", "--format", "json", "--select", "HP206", cwd=tagger)) == ["HP206"]
    assert "HP206" in codes(run_hplint(".", "--format", "json", "--extend-select", "HP206", cwd=tagger))


def test_command_line_select_starts_afresh_and_extend_select_adds(tagger: Path) -> None:
    (tagger / "pyproject.toml").write_text('[tool.hplint]\nselect = ["HP2"]\n')
    assert codes(run_hplint(".", "--format", "json", cwd=tagger)) == ["HP206"]
    assert codes(run_hplint(".", "--format", "json", "--select", "HP103", cwd=tagger)) == ["HP103"]
    assert codes(run_hplint(".", "--format", "json", "--extend-select", "HP103", cwd=tagger)) == ["HP103", "HP206"]


def test_config_extend_select_extend_ignore_and_all(tagger: Path) -> None:
    (tagger / "hplint.toml").write_text('extend-select = ["HP102"]\nextend-ignore = ["HP206"]\n')
    assert codes(run_hplint(".", "--format", "json", cwd=tagger)) == ["HP101", "HP102", "HP103"]
    (tagger / "hplint.toml").write_text('select = ["ALL"]\nignore = ["HP1"]\n')
    assert codes(run_hplint(".", "--format", "json", cwd=tagger)) == ["HP206"]
    # ALL reaches the rules that are off by default (HP102: a batch of 100).
    assert codes(run_hplint(".", "--format", "json", "--select", "ALL", cwd=tagger)) == ["HP101", "HP102", "HP103", "HP206"]


def test_the_more_specific_prefix_wins_within_one_source(tagger: Path) -> None:
    assert codes(run_hplint(".", "--format", "json", "--select", "HP2", "--ignore", "HP206", cwd=tagger)) == []
    assert codes(run_hplint(".", "--format", "json", "--select", "HP206", "--ignore", "HP2", cwd=tagger)) == ["HP206"]


def test_exclude_and_extend_exclude_on_the_command_line(tmp_path: Path) -> None:
    write_project(tmp_path, {
        "hplint.toml": 'exclude = ["legacy/"]\n',
        "legacy/model.py": MODEL,
        "experiments/model.py": MODEL,
        "model.py": MODEL,
    })
    paths = lambda *args: sorted(d["path"] for d in run_hplint(".", "--format", "json", *args, cwd=tmp_path).json()["diagnostics"])  # noqa: E731
    assert paths() == ["experiments/model.py", "model.py"]
    assert paths("--extend-exclude", "experiments/") == ["model.py"]
    assert paths("--exclude", "experiments/") == ["legacy/model.py", "model.py"]


def test_per_file_ignores_on_the_command_line(tmp_path: Path) -> None:
    write_project(tmp_path, {
        "hplint.toml": '[per-file-ignores]\n"legacy/*" = ["HP206"]\n',
        "legacy/model.py": MODEL,
        "experiments/model.py": MODEL,
    })
    paths = lambda *args: sorted(d["path"] for d in run_hplint(".", "--format", "json", *args, cwd=tmp_path).json()["diagnostics"])  # noqa: E731
    assert paths() == ["experiments/model.py"]
    assert paths("--extend-per-file-ignores", "experiments/*:HP2") == []
    assert paths("--per-file-ignores", "experiments/*:HP206") == ["legacy/model.py"]
    bad = run_hplint(".", "--per-file-ignores", "HP206", cwd=tmp_path)
    assert bad.exit_code == 2 and "expected PATTERN:CODES" in bad.stderr
    unknown = run_hplint(".", "--per-file-ignores", "x/*:HP999", cwd=tmp_path)
    assert unknown.exit_code == 2 and "unknown rule code 'HP999'" in unknown.stderr


def test_output_format_is_an_alias_and_full_shows_the_source(tagger: Path) -> None:
    json_run = run_hplint(".", "--output-format", "json", "--select", "HP103", cwd=tagger)
    assert json_run.codes == ["HP103"]
    full = run_hplint(".", "--output-format", "full", "--select", "HP103", cwd=tagger).output.splitlines()
    shown = run_hplint(".", "--show-source", "--select", "HP103", cwd=tagger).output.splitlines()
    assert full == shown
    assert full[:3] == [
        "train.py:7:52: HP103 [warning] " + full[0].split("HP103 [warning] ", 1)[1],
        "    7 | optimizer = torch.optim.SGD(model.parameters(), lr=3.0)",
        "      | " + " " * 51 + "^^^",
    ]
    concise = run_hplint(".", "--output-format", "concise", "--select", "HP103", cwd=tagger).output.splitlines()
    assert concise == [full[0], full[-1]]


def test_colour_only_when_asked_or_on_a_terminal_without_no_color(tagger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = run_hplint(".", "--select", "HP103", cwd=tagger).output
    assert "\x1b[" not in plain  # not a terminal
    coloured = run_hplint(".", "--select", "HP103", "--color", "always", cwd=tagger).output
    assert "\x1b[33m\x1b[1mHP103 [warning]\x1b[0m" in coloured
    monkeypatch.setattr("hplint.cli._terminal", lambda: True)
    assert "\x1b[" in run_hplint(".", "--select", "HP103", cwd=tagger).output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run_hplint(".", "--select", "HP103", cwd=tagger).output
    assert "\x1b[" in run_hplint(".", "--select", "HP103", "--color", "always", cwd=tagger).output
    # JSON is never coloured.
    assert "\x1b[" not in run_hplint(".", "--format", "json", "--color", "always", cwd=tagger).output


def test_standard_input_is_linted_as_the_named_file_with_its_project(tagger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tagger)
    unsaved = TRAIN.replace("lr=3.0", "lr=0.1")
    runner = CliRunner()
    result = runner.invoke(main, ["-", "--stdin-filename", "train.py", "--format", "json"], input=unsaved)
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["code"], d["path"]) for d in diagnostics] == [("HP101", "train.py")]  # not the lr=3.0 on disk
    on_disk = runner.invoke(main, ["train.py", "--format", "json"])
    assert sorted(d["code"] for d in json.loads(on_disk.stdout)["diagnostics"]) == ["HP101", "HP103"]
    assert (tagger / "train.py").read_text() == TRAIN
    alone = runner.invoke(main, ["--stdin-filename", "new_script.py", "--show-source"], input="import torch\nopt = torch.optim.Adam(params, lr=0.5)\n")
    assert alone.exit_code == 1
    assert "new_script.py:2:" in alone.stdout and "    2 | opt = torch.optim.Adam(params, lr=0.5)" in alone.stdout
    mixed = runner.invoke(main, ["-", "model.py"], input="")
    assert mixed.exit_code == 2 and "standard input" in mixed.stderr


def test_the_cache_lives_at_the_project_root_never_in_a_linted_folder_outside_it(tmp_path: Path) -> None:
    installed = write_project(tmp_path / "site-packages" / "vendor", {"model.py": MODEL})
    work = tmp_path / "work"
    work.mkdir()
    run_hplint(str(installed), cwd=work)
    assert not (installed / ".hplint_cache").exists()
    assert (work / ".hplint_cache" / ".gitignore").is_file()
    project = write_project(tmp_path / "project", {"pyproject.toml": "[tool.hplint]\n", "src/model.py": MODEL})
    run_hplint(str(project / "src"), cwd=work)
    assert (project / ".hplint_cache").is_dir() and not (project / "src" / ".hplint_cache").exists()


def test_explicit_pyproject_without_an_hplint_table_means_the_defaults(tagger: Path) -> None:
    (tagger / "other").mkdir()
    (tagger / "other" / "pyproject.toml").write_text('[project]\nname = "tagger"\nversion = "1.0"\n')
    run = run_hplint(".", "--config", "other/pyproject.toml", "--format", "json", cwd=tagger)
    assert run.exit_code == 1 and codes(run) == ["HP101", "HP103", "HP206"]
    (tagger / "other" / "pyproject.toml").write_text('[tool]\nhplint = 3\n')
    bad = run_hplint(".", "--config", "other/pyproject.toml", cwd=tagger)
    assert bad.exit_code == 2 and "[tool.hplint]: expected a table" in bad.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminal")
def test_no_colour_codes_reach_a_pipe_by_default(tagger: Path) -> None:
    import subprocess

    run = subprocess.run([sys.executable, "-m", "hplint", ".", "--select", "HP103"], cwd=tagger, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "\x1b[" not in run.stdout


def test_progress_is_told_every_file_and_ends_at_the_total(tagger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hplint.config import load_config
    from hplint.lint import RunOptions, lint

    monkeypatch.chdir(tagger)
    seen: list[tuple[int, int]] = []
    lint([Path(".")], load_config([Path(".")]), RunOptions(jobs=1, progress=lambda done, total: seen.append((done, total))))
    assert seen[-1] == (2, 2) and [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_the_progress_line_waits_is_rewritten_in_place_and_cleared() -> None:
    import io

    from hplint.report.progress import ProgressLine

    quick = io.StringIO()
    line = ProgressLine(quick, delay=60.0)
    line(1, 2)
    line.clear()
    assert quick.getvalue() == ""  # a run shorter than the delay prints nothing
    slow = io.StringIO()
    line = ProgressLine(slow, delay=0.0, interval=0.0)
    line(1, 4000)
    line(4000, 4000)
    line.clear()
    assert slow.getvalue() == "\r\x1b[Khplint: 1/4000 files\r\x1b[Khplint: 4000/4000 files\r\x1b[K"


def test_no_progress_line_when_stderr_is_not_a_terminal(tagger: Path) -> None:
    import subprocess

    run = subprocess.run([sys.executable, "-m", "hplint", ".", "--no-cache"], cwd=tagger, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and run.stderr == ""
