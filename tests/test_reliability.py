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
        (
            "train\\nforged.py:1:1: HP000 [error] forged \\x1b[2J\\u202e.py:3:52: HP103 [warning] SGD lr=5.0 is above 1.0: "
            "updates overshoot and the loss diverges; try log-spaced values from 0.1 down"
        ),
        "1 warning in 1 file",
    ]
    data = linted.run(".", "--no-cache", "--format", "json").json()
    assert data["diagnostics"][0]["path"] == name  # JSON keeps the real name, escaped by JSON's own rules
    for listing in ("--show-facts", "--show-runs"):
        shown = linted.run(".", "--no-cache", listing).output
        assert "train\\nforged.py" in shown, listing
        assert "\x1b" not in shown and "\u202e" not in shown, listing
        assert not any(line.startswith("forged.py") for line in shown.splitlines()), listing


def _start_slow_check(folder: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_CHECK, "check", ".", "--no-cache", *args], cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As from a terminal: a test run started in the background inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - it only resets a signal
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


# ---------------------------------------------------------------- what is read, and how much

TRAIN = "import torch\n\noptimizer = torch.optim.SGD(model.parameters(), lr=5.0)\n"  # HP103 at 3:52


def _findings(run) -> list[tuple[str, str]]:
    return sorted((d["code"], d["path"]) for d in run.json()["diagnostics"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_fifos_devices_and_links_out_of_the_project_are_never_opened(project, tmp_path):
    linted = project({"train.py": TRAIN, "inside/real.yaml": "optimizer:\n  lr: 5.0\n"})
    os.mkfifo(tmp_path / "configs.yaml")
    os.symlink("/dev/zero", tmp_path / "data.yaml")
    os.symlink("/dev/urandom", tmp_path / "noise.json")
    outside = tmp_path.parent / f"{tmp_path.name}-secret.yaml"
    outside.write_text("password: hunter2\n")
    os.symlink(outside, tmp_path / "secret.yaml")
    os.symlink(tmp_path / "inside" / "real.yaml", tmp_path / "linked.yaml")
    started = time.monotonic()
    run = linted.run(".", "--format", "json", "--no-cache")
    assert time.monotonic() - started < 20
    assert run.exit_code == 1
    assert _findings(run) == [("HP103", "train.py")]
    assert run.stderr.splitlines() == [
        "hplint: warning: configs.yaml: not read: a FIFO",
        "hplint: warning: data.yaml: not read: a link to outside the project",
        "hplint: warning: noise.json: not read: a link to outside the project",
        "hplint: warning: secret.yaml: not read: a link to outside the project",
    ]
    assert {note["path"] for note in run.json()["summary"]["not_analysed"]} == {
        "configs.yaml", "data.yaml", "noise.json", "secret.yaml",
    }


def test_a_file_is_read_through_a_size_cap_checked_first(tmp_path, monkeypatch):
    from hplint.extract import TooLarge, read_regular_file, read_source

    assert read_regular_file("/dev/zero", 100) == "not a regular file (a character device)"
    grown = tmp_path / "grown.yaml"
    grown.write_bytes(b"x" * 5000)
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, **kw: os.stat_result((*real_stat(path, **kw)[:6], 10, *real_stat(path, **kw)[7:])))
    assert read_regular_file(grown, 1000) == TooLarge(1001, 1000)  # it grew after the check: no more than the cap is read
    monkeypatch.undo()
    huge = tmp_path / "huge.py"
    with open(huge, "wb") as stream:
        stream.truncate(4 << 30)  # sparse: 4 GiB of size, nothing on disk
    assert read_source(huge) == TooLarge(4 << 30, 512 << 10)


def test_huge_files_are_not_read_and_a_python_one_is_named(project, tmp_path):
    import resource

    linted = project({"train.py": TRAIN})
    for name in ("huge.py", "huge.json", "huge.yaml"):
        with open(tmp_path / name, "wb") as stream:
            stream.truncate(2 << 30)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = linted.run(".", "--format", "json", "--no-cache")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # kB: nothing was read
    assert run.exit_code == 1 and _findings(run) == [("HP103", "train.py")]
    assert run.stderr == "hplint: warning: huge.py: not analysed: 2048.0 MiB, larger than the 0.5 MiB hplint parses\n"


MEASURED = """
import atexit, resource, sys
atexit.register(lambda: print("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))
sys.argv = ["hplint", "check", ".", "--format", "json"]
from hplint.cli import run
run()
"""


def _peak_kb(folder: Path) -> int:
    result = subprocess.run([sys.executable, "-c", MEASURED], cwd=folder, capture_output=True, text=True, timeout=300, check=False,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode in (0, 1), result.stderr
    return int(result.stderr.split("peak")[-1])


def test_memory_follows_the_largest_file_not_their_sum(tmp_path):
    small, large = tmp_path / "small", tmp_path / "large"
    for folder, lines in ((small, 1), (large, 10_000)):
        folder.mkdir()
        for index in range(40):  # scripts of comments: read and hashed whole, with no facts to keep
            (folder / f"run_{index}.sh").write_text(("# " + "x" * 98 + "\n") * lines)
    grown = _peak_kb(large) - _peak_kb(small)
    assert grown < 12_000  # holding the 40 MB of files at once would add more than three times that


def test_utf16_and_utf32_python_files_are_reported(project):
    text = TRAIN
    linted = project({})
    for encoding in ("utf-16", "utf-32", "utf-16-le"):
        (linted.root / f"{encoding}.py").write_bytes(text.encode(encoding))
    run = linted.run(".", "--format", "json", "--no-cache")
    messages = {d["path"]: d["message"] for d in run.json()["diagnostics"]}
    assert messages == {
        "utf-16.py": "cannot parse Python: UTF-16 text; hplint reads Python source as UTF-8 (line 1, column 1)",
        "utf-32.py": "cannot parse Python: UTF-32 text; hplint reads Python source as UTF-8 (line 1, column 1)",
        "utf-16-le.py": "cannot parse Python: UTF-16 text; hplint reads Python source as UTF-8 (line 1, column 1)",
    }


def test_an_unreadable_folder_is_reported(project, monkeypatch):
    linted = project({"train.py": TRAIN, "private/model.py": TRAIN})
    scandir = os.scandir

    def refusing(path="."):
        if os.fspath(path).endswith("private"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    run = linted.run(".", "--no-cache")
    assert run.exit_code == 1
    assert run.output.splitlines()[-1] == "1 warning in 1 file; 1 not analysed (see stderr)"
    assert run.stderr == "hplint: warning: private: folder not read (Permission denied)\n"


# ---------------------------------------------------------------- deep, long and new syntax

def _python_project(body: bytes) -> dict[str, str]:
    return {"train.py": TRAIN, "deep.py": (b"import torch\n" + body + b"\nopt = torch.optim.SGD(p, lr=5.0)\n").decode()}


@pytest.mark.parametrize("body", [
    b"if a:\n    pass\n" + b"elif a:\n    pass\n" * 700,
    b"x = " + b" + ".join(b"a" for _ in range(700)),
    b"x = (" + b"\n".join(b"'a'" for _ in range(700)) + b")",
    b"x = (" + b"\n".join(b"'a'" for _ in range(3000)) + b")",
    b"y = " + b" ".join(b"'a'" for _ in range(3000)),
    b"lr = " + b" + ".join(b"0.0" for _ in range(700)),
    b"type Vector = list[float]\nx = [" + b"1, " * 1000 + b"]",  # PEP 695 (3.12) beside a long line
], ids=["700-elif", "700-term-sum", "700-strings", "3000-strings", "3000-strings-one-line", "700-term-lr", "pep695"])
def test_deep_constructs_keep_their_findings(project, body):
    run = project(_python_project(body)).run(".", "--format", "json", "--no-cache")
    assert run.exit_code == 1 and run.stderr == ""
    assert _findings(run) == [("HP103", "deep.py"), ("HP103", "train.py")]


@pytest.mark.parametrize(("body", "reason"), [
    (b"f = " + b"lambda: \\\n" * 3500 + b"0", "nested too deeply for Python's own parser"),  # segfaulted LibCST
    (b"x = a" + b" \\\n + a" * 20_000, "syntax nested more than 1000 levels deep"),  # ran past two minutes
    (b"x = (" + b"\n".join(b"'a'" for _ in range(6000)) + b")", "LibCST cannot parse it (line 6002), though Python"),
    (b"x = (a" + b"\n.b" * 1500 + b")", "syntax nested more than 1000 levels deep"),
])
def test_what_cannot_be_analysed_is_named_never_passed_over(project, body, reason):
    files = _python_project(body)
    files.update({f"pkg/model_{index}.py": TRAIN for index in range(16)})  # enough files for the workers
    started = time.monotonic()
    run = project(files).run(".", "--format", "json", "--no-cache")
    assert time.monotonic() - started < 60
    assert run.exit_code == 1
    assert len(run.json()["diagnostics"]) == 17 and ("HP103", "train.py") in _findings(run)
    assert run.stderr.startswith(f"hplint: warning: deep.py: not analysed: {reason}")
    assert run.output  # the JSON summary names it too
    assert [note["path"] for note in run.json()["summary"]["not_analysed"]] == ["deep.py"]


# ---------------------------------------------------------------- a parser that crashes, hangs or exhausts

def _lint(**options):
    from hplint.config import load_config
    from hplint.lint import RunOptions, lint

    return lint([Path(".")], load_config([Path(".")]), RunOptions(jobs=2, **options))


def test_a_parser_crash_costs_one_file_not_the_run(project, monkeypatch):
    import ctypes

    from hplint.extract import configs

    def crashing(path, language, text):
        if "crash" in path:
            ctypes.string_at(0)  # a segmentation fault, in the worker that parses this file
        return extract_config(path, language, text)

    extract_config = configs.extract_config
    monkeypatch.setattr(configs, "extract_config", crashing)
    # Larger than what is parsed in-process, so the file goes to a worker even in a small project.
    linted = project({"train.py": TRAIN, "crash.yaml": "optimizer:\n  lr: 5.0\n" + "# padding\n" * 8000})
    run = linted.run(".", "--format", "json")
    assert run.exit_code == 2
    assert _findings(run) == [("HP103", "train.py")]
    assert run.stderr.strip().splitlines()[-1] == "hplint: internal error: extracting crash.yaml failed: its worker crashed (SIGSEGV)"
    again = linted.run(".", "--format", "json")  # nothing was remembered of it: tried again, reported again
    assert again.exit_code == 2 and "crash.yaml" in again.stderr


def test_a_file_that_parses_too_long_is_stopped_and_named(project, tmp_path, monkeypatch):
    files = {f"pkg/model_{index}.py": TRAIN for index in range(3)}
    files["slow.py"] = "import torch\n\nvalues = [" + "1, " * 150_000 + "]\n"  # LibCST: seconds
    project(files)
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    result = _lint(time_limit_per_file=0.5)
    assert time.monotonic() - started < 20
    assert [d.location.path for d in result.diagnostics] == [f"pkg/model_{index}.py" for index in range(3)]
    assert result.failures == ["extracting slow.py failed: its worker ran past the time limit of 0.5 s"]


def test_a_file_that_exhausts_memory_is_stopped_and_named(project, tmp_path, monkeypatch):
    from hplint.extract import configs

    def hungry(path, language, text):
        return [bytearray(16 << 30)]

    monkeypatch.setattr(configs, "extract_config", hungry)
    files = {f"pkg/model_{index}.py": TRAIN for index in range(16)}
    files["configs/big.yaml"] = "lr: 0.1\n"
    project(files)
    monkeypatch.chdir(tmp_path)
    result = _lint(memory_limit_per_worker=1 << 30)
    assert len(result.diagnostics) == 16
    assert result.failures == ["extracting configs/big.yaml failed: its worker ran out of memory"]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() and "State:\tZ" not in _status(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "State:\tZ"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
@pytest.mark.parametrize("ending", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_parallel_run_ends_with_its_workers(tmp_path, ending):
    for index in range(20):
        (tmp_path / f"config_{index}.yaml").write_text("lr: 0.1\n")
    process = _start_slow_check(tmp_path, "--jobs", "2")
    workers = _children(process.pid)
    assert len(workers) == 2
    process.send_signal(ending)
    started = time.monotonic()
    try:
        process.communicate(timeout=30)
    finally:
        process.kill()
    if ending == signal.SIGINT:
        assert process.returncode == 130 and time.monotonic() - started < 1.0
    assert _gone(workers, 5.0), "a worker outlived the run"


# ---------------------------------------------------------------- a cache that came with the repository

def test_a_cache_shipped_with_the_repository_cannot_change_the_results(project, tmp_path):
    from hplint.cache import FactCache
    from hplint.config import load_config
    from hplint.diagnostics import Findings
    from hplint.facts import FileFacts, dumps_file
    from hplint.lint import _check_settings

    linted = project({"train.py": TRAIN, "finetune.py": TRAIN})
    expected = linted.run(".", "--format", "json", "--no-cache").json()["diagnostics"]
    assert len(expected) == 2
    # The attacker runs hplint with a key of their own, then rewrites the records to "no problems",
    # signed with that key, and commits .hplint_cache/ (sizes, times and content keys all right).
    attacker_home = tmp_path.parent / f"{tmp_path.name}-attacker"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(attacker_home))
        assert linted.run(".", "--format", "json").exit_code == 1
    cache = FactCache(tmp_path / ".hplint_cache", key_folder=attacker_home / "hplint")
    settings = _check_settings(load_config([tmp_path]))
    for entry in (tmp_path / ".hplint_cache" / "runs").glob("*.json"):
        entry.unlink()
    record = cache.load_run(settings, ["finetune.py", "train.py"])
    assert record is None  # records are per run; rebuild the forged one from the files' signatures
    files = {}
    for path in ("finetune.py", "train.py"):
        status = (tmp_path / path).stat()
        files[path] = (status.st_size, status.st_mtime_ns, status.st_ino, status.st_ctime_ns,
                       cache.key(path, (tmp_path / path).read_bytes()))
    cache.store_run(settings, files, Findings([], {}))
    assert cache.load_run(settings, list(files)) is not None  # valid for the attacker's key
    for path, recorded in files.items():  # and facts of nothing for each file
        cache.store(recorded[4], dumps_file(FileFacts(path, "python", (), ())))
        assert cache.load(recorded[4], path).facts.facts == ()
    run = linted.run(".", "--format", "json")
    assert run.exit_code == 1 and run.json()["diagnostics"] == expected  # ignored and rebuilt
    assert linted.run(".", "--format", "json").json()["diagnostics"] == expected  # and what was rebuilt is right


def test_a_same_size_edit_with_the_old_time_restored_is_seen(project, tmp_path):
    linted = project({"train.py": TRAIN})
    train = tmp_path / "train.py"
    an_hour_ago = time.time() - 3600
    os.utime(train, (an_hour_ago, an_hour_ago))
    assert [d["code"] for d in linted.run(".", "--format", "json").json()["diagnostics"]] == ["HP103"]
    before = train.stat()
    train.write_text(TRAIN.replace("lr=5.0", "lr=0.1"))  # same size
    os.utime(train, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert train.stat().st_size == before.st_size and train.stat().st_mtime_ns == before.st_mtime_ns
    assert linted.run(".", "--format", "json").json()["diagnostics"] == []


def test_a_cache_folder_that_is_a_link_is_not_written_through(project, tmp_path):
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    linted = project({"train.py": TRAIN})
    os.symlink(elsewhere, tmp_path / ".hplint_cache")
    for _ in range(2):
        assert linted.run(".", "--format", "json").exit_code == 1
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(("content", "reason"), [
    ("[tool.hplint]\nx = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("[tool.hplint]\nselect = ['HP1']\n" + "# padding\n" * 120_000, "larger than 1 MiB"),
])
def test_a_hostile_pyproject_is_a_clear_error(project, content, reason):
    run = project({"pyproject.toml": content, "train.py": TRAIN}).run(".")
    assert run.exit_code == 2
    assert run.stderr.strip().endswith(f"pyproject.toml: cannot read the configuration: {reason}")
