"""Nothing in a repository can crash, hang, exhaust or fool hplint (SPEC §8, issue 14).

Every input is generated here, small enough to run in a second or two; each test is bounded in
time (subprocesses have timeouts, lint runs have their own limits).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hplint.discover import IgnoreRules

ROOT = Path(__file__).resolve().parent.parent
# `hplint check` in a subprocess whose config extraction never ends (it marks that it started).
SLOW_CHECK = """
import pathlib, sys, time
import hplint.extract.configs as configs

def slow(path, language, text):
    pathlib.Path("started-" + path.replace("/", "-")).touch()
    time.sleep(600)

configs.extract_config = slow
sys.argv = ["hplint", *sys.argv[1:]]
from hplint.cli import run
run()
"""


def _ignored(lines: list[str], path: str, is_dir: bool = False) -> bool:
    rules = IgnoreRules()
    rules.add(lines)
    return rules.ignored(path, is_dir)


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("*.pyc", "pkg/sub/module.pyc", True),
    ("/data", "data", True),
    ("/data", "pkg/data", False),
    ("data", "pkg/data", True),
    ("docs/build", "docs/build", True),
    ("docs/build", "pkg/docs/build", False),
    ("**/logs", "a/b/logs", True),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("docs/**", "docs/api/index.py", True),
    ("docs/**", "docs", False),
    ("exp*/*.yaml", "experiments/run.yaml", True),
    ("[a-c]x.py", "bx.py", True),
    ("[!a-c]x.py", "bx.py", False),
    ("[]a]", "]", True),
    ("\\#notes", "#notes", True),
    ("*a*b*c", "xaybzc", True),
    ("*a*b*c", "xaybz", False),
    # What a repository may write that once raised or backtracked for minutes:
    ("[]", "x.py", False),
    ("[z-a]", "z", False),
    ("[z-a]x", "zx", False),
    ("**/" * 9 + "x.py", "a/b/x.py", True),
])
def test_gitignore_patterns(pattern, path, expected):
    assert _ignored([pattern], path) is expected


def test_hostile_gitignore_patterns_match_in_linear_time():
    hostile = [
        "**/" * 40 + "x", "*a" * 300 + "b", "a/" + "**/a/" * 30 + "b", "[" * 5000, "*" * 100_000,
        "*a*a*a*a*a*a*a*a*a*a*a*b", "/" + "a*/" * 200 + "b",
    ]
    paths = ["a/" * 1000 + "c", "a" * 250, ("a/" * 1000)[:-1], "a" * 250 + "/" + "a" * 250]
    rules = IgnoreRules()
    started = time.monotonic()
    rules.add(hostile)
    for path in paths:
        rules.ignored(path, is_dir=False)
        rules.ignored(path, is_dir=True)
    assert time.monotonic() - started < 2.0


def test_a_hostile_gitignore_neither_errors_nor_hides_the_other_files(project):
    linted = project({
        ".gitignore": "[]\n[z-a]\n" + "**/" * 9 + "cache\n*a*a*a*a*a*a*a*a*a*b\nlegacy/\n",
        "train.py": "import torch\n\noptimizer = torch.optim.SGD(model.parameters(), lr=5.0)\n",
        "legacy/old.py": "import torch\n\noptimizer = torch.optim.SGD(model.parameters(), lr=5.0)\n",
        "a" * 60 + "c.py": "import torch\n\noptimizer = torch.optim.SGD(model.parameters(), lr=5.0)\n",
    })
    run = linted.run(".", "--format", "json", "--no-cache")
    assert run.exit_code == 1, run.stderr
    assert sorted({d["path"] for d in run.json()["diagnostics"]}) == ["a" * 60 + "c.py", "train.py"]


@pytest.mark.parametrize("words", [
    "'w'x " * 30_000,  # words whose text (quotes removed) is not written as such in the line
    "word " * 30_000,
    "a" * 400_000 + " ",  # one long word
])
def test_a_long_shell_line_is_read_in_linear_time(words):
    from hplint.extract.launch import extract_launch

    line = f"python train.py {words}--lr '0.5'\n"
    started = time.monotonic()
    [launch] = extract_launch("run.sh", line)
    assert time.monotonic() - started < 5.0
    lr = launch.arguments[-1]
    assert (lr.name, lr.value.value, lr.value.location.column) == ("--lr", 0.5, len(line) - 4)


def test_shell_words_are_those_of_shlex():
    import shlex

    from hplint.extract.shell_words import split_words

    for line in ["a 'b c' \"d\\\"e\" f\\ g", "x&&y || z;w", "p '' q # comment", "a#b c", "--k=\"v w\"", "u 'x"]:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            expected = list(lexer)
        except ValueError:
            with pytest.raises(ValueError):
                split_words(line)
            continue
        assert [word for word, _, _ in split_words(line)] == expected


def test_file_names_cannot_forge_lines_or_reach_the_terminal_raw(project):
    name = "train\nforged.py:1:1: HP000 [error] forged \x1b[2J\u202e.py"
    linted = project({name: "import torch\n\noptimizer = torch.optim.SGD(model.parameters(), lr=5.0)\n"})
    for output_format in ("text", "github"):
        run = linted.run(".", "--no-cache", "--format", output_format)
        assert run.exit_code == 1
        assert "\x1b" not in run.output and "\u202e" not in run.output
        assert not any(line.startswith("forged.py") for line in run.output.splitlines())
    text = linted.run(".", "--no-cache").output.splitlines()
    assert text == [
        "train\\nforged.py:1:1: HP000 [error] forged \\x1b[2J\\u202e.py:3:52: HP103 [warning] SGD lr=5.0 is above 1.0: "
        "updates overshoot and the loss diverges; try log-spaced values from 0.1 down",
        "1 warning in 1 file",
    ]
    data = linted.run(".", "--no-cache", "--format", "json").json()
    assert data["diagnostics"][0]["path"] == name  # JSON keeps the real name, escaped by JSON's own rules


def _start_slow_check(folder: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_CHECK, "check", ".", "--no-cache", *args], cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not list(folder.glob("started-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the slow extraction never started"
        time.sleep(0.05)
    return process


def test_ctrl_c_stops_a_run_within_a_second_and_exits_130(tmp_path):
    (tmp_path / "train.yaml").write_text("lr: 0.1\n")
    process = _start_slow_check(tmp_path)
    try:
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, errors = process.communicate(timeout=30)
        elapsed = time.monotonic() - started
    finally:
        process.kill()
    assert process.returncode == 130, errors
    assert elapsed < 1.0
    assert errors.strip().splitlines()[-1] == "hplint: interrupted"
