"""Nothing in a repository can crash, hang, exhaust or fool hplint (SPEC §8, issue 14).

Every input is generated here, small enough to run in a second or two; each test is bounded in
time (subprocesses have timeouts, lint runs have their own limits).
"""

from __future__ import annotations

import time

import pytest

from hplint.discover import IgnoreRules


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
