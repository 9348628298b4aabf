"""--fix, --unsafe-fixes and --diff.

tests/fix_cases/<case>/before/ is a small project; after/ holds the files as `--fix --unsafe-fixes`
must leave them (a file not in after/ must not change). A case without after/ is one where the rule
fires but no single edit is right: it offers no fix and nothing is written. The codes a case must
offer fixes for are in its name (hp304_hp305_same_loop: HP304 and HP305).
"""

from __future__ import annotations

import difflib
import re
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_hplint

from hplint.cli import main
from hplint.diagnostics import SAFE, UNSAFE, Diagnostic, Fix, Severity, comment_fix
from hplint.edit import atomic
from hplint.edit.apply import apply_fixes
from hplint.location import Location
from hplint.report.fixes import fixes_line

CASES = Path(__file__).parent / "fix_cases"
SAFE_FIXES = {"HP003", "HP004"}  # suppression comments rewritten to hide what they hid, or removed when they hid nothing
FIXED = sorted(case.name for case in CASES.iterdir() if (case / "after").is_dir())
UNFIXED = sorted(case.name for case in CASES.iterdir() if not (case / "after").is_dir())


def _codes(case: str) -> set[str]:
    return {code.upper() for code in re.findall(r"hp\d{3}", case)}


def _project(case: str, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(CASES / case / "before", root)
    return root


def _texts(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*")) if path.is_file() and ".hplint_cache" not in path.parts
    }


def _expected(case: str) -> dict[str, str]:
    return {**_texts(CASES / case / "before"), **_texts(CASES / case / "after")}


def _diagnostics(root: Path, *args: str) -> list[dict]:
    run = run_hplint(".", "--format", "json", *args, cwd=root)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()["diagnostics"]


def test_every_case_is_named_for_its_rules():
    assert len(FIXED) >= 12 and len(UNFIXED) >= 8
    assert all(_codes(case) for case in FIXED + UNFIXED)


@pytest.mark.parametrize("case", FIXED)
def test_fix_makes_exactly_the_expected_edit(case, tmp_path):
    root = _project(case, tmp_path)
    offered = [d for d in _diagnostics(root) if d["fix"] is not None]
    assert {d["code"] for d in offered} == _codes(case)
    assert all(d["fix"]["applicability"] == (SAFE if d["code"] in SAFE_FIXES else UNSAFE) for d in offered)

    run = run_hplint("--fix", "--unsafe-fixes", ".", cwd=root)  # with the cache: the fixed file is read afresh
    assert run.exit_code in (0, 1), run.stderr
    assert _texts(root) == _expected(case)
    assert f"fixed {len(offered)} finding" in run.output
    assert not _codes(case) & {d["code"] for d in _diagnostics(root)}


@pytest.mark.parametrize("case", FIXED)
def test_a_second_fix_changes_nothing(case, tmp_path):
    root = _project(case, tmp_path)
    run_hplint("--fix", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    fixed = _texts(root)
    again = run_hplint("--fix", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert _texts(root) == fixed
    assert "fixed 0 findings" in again.output
    diff = run_hplint("--diff", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert (diff.exit_code, diff.output) == (0, "")


@pytest.mark.parametrize("case", FIXED)
def test_diff_prints_the_edit_and_writes_nothing(case, tmp_path):
    root = _project(case, tmp_path)
    before = _texts(root)
    times = {path: path.stat().st_mtime_ns for path in root.rglob("*.py")}
    run = run_hplint("--diff", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert run.exit_code == 1
    assert _texts(root) == before
    assert {path: path.stat().st_mtime_ns for path in root.rglob("*.py")} == times
    after = _expected(case)
    expected = "".join(
        "".join(difflib.unified_diff(
            before[name].splitlines(keepends=True), after[name].splitlines(keepends=True), f"a/{name}", f"b/{name}",
        ))
        for name in sorted(before) if before[name] != after[name]
    )
    assert run.output == expected
    assert run.output.startswith("--- a/") and "\n+++ b/" in run.output and "\n@@ -" in run.output
    assert re.search(r"would fix \d+ findings? in \d+ files?", run.stderr)


@pytest.mark.parametrize("case", UNFIXED)
def test_no_fix_where_no_single_edit_is_right(case, tmp_path):
    root = _project(case, tmp_path)
    before = _texts(root)
    found = [d for d in _diagnostics(root, "--no-cache") if d["code"] in _codes(case)]
    assert found and all(d["fix"] is None for d in found)
    run = run_hplint("--fix", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert run.exit_code in (0, 1), run.stderr  # HP305 is info: it fails nothing
    assert _texts(root) == before
    assert "fixed 0 findings" in run.output


def test_fix_without_unsafe_fixes_leaves_unsafe_fixes_alone(tmp_path):
    root = _project("hp201_functional_softmax", tmp_path)
    before = _texts(root)
    run = run_hplint("--fix", "--no-cache", ".", cwd=root)
    assert run.exit_code == 1
    assert _texts(root) == before
    assert run.output.splitlines()[-1] == "fixed 0 findings; 1 more fixable with --fix --unsafe-fixes"
    diff = run_hplint("--diff", "--no-cache", ".", cwd=root)
    assert (diff.exit_code, diff.output, diff.stderr.strip()) == (0, "", "nothing to fix")


def test_fix_alone_makes_the_safe_fixes_and_counts_the_unsafe_ones(tmp_path):
    root = _project("hp201_functional_softmax", tmp_path)
    script = root / "train.py"
    script.write_text(script.read_text().replace("import torch\n", "import torch  # hplint: ignore[HP101]\n", 1))
    run = run_hplint("--fix", "--no-cache", ".", cwd=root)
    assert run.exit_code == 1
    assert _texts(root) == _texts(CASES / "hp201_functional_softmax" / "before")  # the suppression went, the softmax stayed
    assert run.output.splitlines()[-1] == "fixed 1 finding; 1 more fixable with --fix --unsafe-fixes"


def test_the_summary_says_what_is_fixable(tmp_path):
    root = _project("hp304_hp305_same_loop", tmp_path)
    plain = run_hplint("--no-cache", ".", cwd=root)
    assert plain.output.splitlines()[-1] == "2 fixable with --fix --unsafe-fixes"
    counted = run_hplint("--unsafe-fixes", "--no-cache", ".", cwd=root)  # counts them; writes nothing
    assert counted.output.splitlines()[-1] == "2 fixable with --fix"
    assert _texts(root) == _texts(CASES / "hp304_hp305_same_loop" / "before")
    quiet = run_hplint("--no-cache", "-q", ".", cwd=root)
    assert "fixable" not in quiet.output


def test_fixes_line_wording():
    place = Location("train.py", 3, 1, 3, 9)
    safe = Diagnostic("HP004", "unused-suppression", Severity.INFO, "m", place, fix=comment_fix(place, "# hplint: ignore", "", "remove it"))
    unsafe = Diagnostic("HP303", "missing-zero-grad", Severity.ERROR, "m", place, fix=Fix(UNSAFE, "t", "insert-call-at-top", place, ("opt", "zero_grad")))
    plain = Diagnostic("HP206", "vanilla-rnn", Severity.WARNING, "m", place)
    assert fixes_line([safe, unsafe, plain], unsafe=False) == "1 fixable with --fix (1 more with --unsafe-fixes)"
    assert fixes_line([safe, unsafe, plain], unsafe=True) == "2 fixable with --fix"
    assert fixes_line([plain], unsafe=False) == ""
    assert fixes_line([unsafe], unsafe=False, fixed=3) == "fixed 3 findings; 1 more fixable with --fix --unsafe-fixes"
    assert fixes_line([], unsafe=True, fixed=1) == "fixed 1 finding"


def test_json_carries_the_fix(tmp_path):
    root = _project("hp303_zero_grad", tmp_path)
    (finding,) = [d for d in _diagnostics(root, "--no-cache") if d["code"] == "HP303"]
    assert finding["fix"] == {"applicability": "unsafe", "message": "call optimiser.zero_grad() at the top of the loop"}


def test_a_crash_mid_write_leaves_the_original(tmp_path, monkeypatch):
    root = _project("hp201_functional_softmax", tmp_path)
    before = _texts(root)

    def crash(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", crash)
    run = run_hplint("--fix", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert run.exit_code == 2
    assert "train.py: not written: No space left on device" in run.stderr
    assert _texts(root) == before
    assert sorted(path.name for path in root.iterdir()) == ["train.py"]  # no temporary file left


def test_the_file_mode_is_kept(tmp_path):
    root = _project("hp303_zero_grad", tmp_path)
    script = root / "train.py"
    script.chmod(0o750)
    run_hplint("--fix", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert _texts(root) == _expected("hp303_zero_grad")
    assert stat.S_IMODE(script.stat().st_mode) == 0o750


def test_a_file_with_a_syntax_error_is_never_touched(tmp_path):
    root = _project("hp201_functional_softmax", tmp_path)
    broken = root / "broken.py"
    broken.write_bytes(b"import torch\nfor x in loader:\n    model(x\n")
    run = run_hplint("--fix", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert "HP001" in run.output
    assert broken.read_bytes() == b"import torch\nfor x in loader:\n    model(x\n"
    assert (root / "train.py").read_text() == _expected("hp201_functional_softmax")["train.py"]


def test_unparsable_text_is_never_edited():
    place = Location("train.py", 2, 1, 3, 14)
    fix = Fix(UNSAFE, "t", "insert-call-at-top", place, ("optimizer", "zero_grad"))
    text = "import torch\nfor x in loader:\n    model(x\n"
    assert apply_fixes(text, "python", [fix]).applied == ()
    yaml_text = "lr: [0.1  # hplint: ignore[HP103]\n"
    yaml_fix = comment_fix(Location("c.yaml", 1, 11, 1, 34), "# hplint: ignore[HP103]", "", "remove it")
    assert apply_fixes(yaml_text, "yaml", [yaml_fix]).applied == ()


def test_standard_input_is_fixed_to_standard_output():
    source = (CASES / "hp201_functional_softmax" / "before" / "train.py").read_bytes()
    result = CliRunner().invoke(
        main, ["--fix", "--unsafe-fixes", "--no-cache", "--stdin-filename", "train.py", "-"], input=source,
    )
    assert result.stdout_bytes == (CASES / "hp201_functional_softmax" / "after" / "train.py").read_bytes()
    assert "fixed 1 finding" in result.stderr


# ---------------------------------------------------------------- the editors, text in, text out


def _python_fix(kind: str, text: str, snippet: str, names: tuple[str, ...] = ()) -> Fix:
    """A fix located at the first occurrence of `snippet` in `text` (one line)."""
    for number, line in enumerate(text.splitlines(), start=1):
        column = line.find(snippet)
        if column >= 0:
            return Fix(UNSAFE, kind, kind, Location("m.py", number, column + 1, number, column + 1 + len(snippet)), names)
    raise AssertionError(snippet)


def test_dropping_the_last_layer_keeps_the_layout():
    with_comma = "net = nn.Sequential(\n    nn.Linear(4, 2),  # head\n    nn.Softmax(dim=1),  # probabilities\n)\n"
    made = apply_fixes(with_comma, "python", [_python_fix("drop-argument", with_comma, "nn.Softmax(dim=1)")])
    assert made.text == "net = nn.Sequential(\n    nn.Linear(4, 2),  # head\n)\n"
    without_comma = "net = nn.Sequential(\n    nn.Linear(4, 2),\n    nn.Sigmoid()\n)\n"
    made = apply_fixes(without_comma, "python", [_python_fix("drop-argument", without_comma, "nn.Sigmoid()")])
    assert made.text == "net = nn.Sequential(\n    nn.Linear(4, 2)\n)\n"
    alone = "net = nn.Sequential(nn.Softmax(dim=1))\n"
    assert apply_fixes(alone, "python", [_python_fix("drop-argument", alone, "nn.Softmax(dim=1)")]).applied == ()


def test_an_edit_that_would_lose_a_comment_is_not_made():
    text = "def forward(self, x):\n    return F.softmax(\n        self.fc(x),  # logits\n        dim=1,\n    )\n"
    fix = Fix(UNSAFE, "t", "unwrap-call", Location("m.py", 2, 12, 5, 6))
    assert apply_fixes(text, "python", [fix]).applied == ()


def test_unwrapping_keeps_precedence_and_renaming_needs_an_attribute():
    text = "def forward(self, a, b):\n    return F.softmax(a + b, dim=1)\n"
    made = apply_fixes(text, "python", [_python_fix("unwrap-call", text, "F.softmax(a + b, dim=1)")])
    assert made.text == "def forward(self, a, b):\n    return (a + b)\n"
    bare = "from torch.nn.functional import softmax\n\ndef forward(self, x):\n    return softmax(x, dim=1)\n"
    rename = _python_fix("rename-call", bare, "softmax(x, dim=1)", ("softmax", "log_softmax"))
    assert apply_fixes(bare, "python", [rename]).applied == ()  # log_softmax is not imported


def test_inserting_into_a_one_line_loop_and_rejecting_what_is_not_a_name():
    text = "for x, y in loader: loss_fn(model(x), y).backward(); opt.step()\n"
    top = _python_fix("insert-call-at-top", text, text.rstrip("\n"), ("opt", "zero_grad"))
    assert apply_fixes(text, "python", [top]).text == (
        "for x, y in loader: opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()\n"
    )
    forged = _python_fix("insert-call-at-top", text, text.rstrip("\n"), ("os.system('rm -rf /')", "zero_grad"))
    assert apply_fixes(text, "python", [forged]).applied == ()


def test_overlapping_fixes_are_made_one_per_pass():
    text = "def forward(self, x):\n    return F.softmax(x.sigmoid(), dim=1)\n"
    outer = _python_fix("unwrap-call", text, "F.softmax(x.sigmoid(), dim=1)")
    inner = _python_fix("unwrap-method", text, "x.sigmoid()")
    made = apply_fixes(text, "python", [inner, outer])
    assert made.applied == (outer,)
    assert made.text == "def forward(self, x):\n    return x.sigmoid()\n"


def test_a_fix_that_would_not_parse_is_dropped():
    yaml_text = "optimizer:\n  lr: 0.5  # hplint: ignore[HP103]\n"
    breaking = comment_fix(Location("c.yaml", 2, 12, 2, 35), "# hplint: ignore[HP103]", "key: value", "t")
    assert apply_fixes(yaml_text, "yaml", [breaking]).applied == ()
    python_text = "lr = 0.5  # hplint: ignore[HP103]\n"
    not_a_comment = comment_fix(Location("t.py", 1, 11, 1, 34), "# hplint: ignore[HP103]", "lr = 1", "t")
    kept = comment_fix(Location("t.py", 1, 11, 1, 34), "# hplint: ignore[HP103]", "# hplint: ignore[HP104]", "t")
    assert apply_fixes(python_text, "python", [not_a_comment]).applied == ()
    assert apply_fixes(python_text, "python", [kept]).text == "lr = 0.5  # hplint: ignore[HP104]\n"


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("python", "lr = 0.5  # hplint: ignore[HP103]\n", "lr = 0.5\n"),
    ("python", "# hplint: ignore[HP103]\nlr = 0.5\n", "lr = 0.5\n"),
    ("python", "lr = 0.5  # hplint: ignore[HP103] -- legacy run # type: float\n", "lr = 0.5  # type: float\n"),
    ("yaml", "train:\n  lr: 0.5  # hplint: ignore[HP103]\n  epochs: 3\n", "train:\n  lr: 0.5\n  epochs: 3\n"),
    ("toml", "[train]\nlr = 0.5 # hplint: ignore[HP103]\r\n", "[train]\nlr = 0.5\r\n"),
    ("shell", "python train.py --lr 0.5  # hplint: ignore[HP103]\n", "python train.py --lr 0.5\n"),
])
def test_removing_a_suppression_in_every_language(language, text, expected):
    line = next(number for number, line in enumerate(text.splitlines(), start=1) if "# hplint" in line)
    column = text.splitlines()[line - 1].index("# hplint") + 1
    fix = comment_fix(Location("f", line, column, line, column + len("# hplint: ignore[HP103]")), "# hplint: ignore[HP103]", "", "remove it")
    made = apply_fixes(text, language, [fix])
    assert (made.text, made.applied) == (expected, (fix,))
    assert fix.applicability == SAFE


@pytest.mark.parametrize("language", ["python", "yaml", "toml", "shell"])
def test_rewriting_a_malformed_suppression(language):
    text = "x = 1  # hplint: ignore HP206\n" if language != "yaml" else "x: 1  # hplint: ignore HP206\n"
    column = text.index("#") + 1
    fix = comment_fix(Location("f", 1, column, 1, column + len("# hplint: ignore HP206")), "# hplint: ignore HP206", "# hplint: ignore[HP206]", "t")
    assert apply_fixes(text, language, [fix]).text == text.replace("ignore HP206", "ignore[HP206]")


def test_a_fix_that_leaves_its_finding_is_undone_not_repeated(tmp_path, monkeypatch):
    """An edit that does not do what its rule checks would be made again on every pass: its file is left as it was."""
    from hplint.edit import fixer
    from hplint.edit.apply import Edited

    def touch(text: str, language: str, fixes: list[Fix]) -> Edited:
        return Edited(text + "# touched\n", tuple(fixes))

    monkeypatch.setattr(fixer, "_apply", touch)
    root = _project("hp303_zero_grad", tmp_path)
    before = _texts(root)
    run = run_hplint("--fix", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert _texts(root) == before
    assert "train.py: a HP303 fix left its finding in place; the file is left as it was" in run.stderr
    assert "fixed 0 findings" in run.output
    diff = run_hplint("--diff", "--unsafe-fixes", "--no-cache", ".", cwd=root)
    assert (diff.exit_code, diff.output) == (0, "")


def test_a_notebook_gets_no_fix_that_needs_torch_imported_in_a_later_cell(tmp_path):
    import json

    cells = [
        "from torch import nn\nmodel = nn.Sequential(nn.Linear(4, 2))\nval_loader = [(1, 2)]\n",
        "total = 0\nfor x, y in val_loader:\n    total += model(x).sum().item()\n",
        "import torch\ntorch.save(model.state_dict(), 'm.pt')\n",
    ]
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source} for source in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    (tmp_path / "eval.ipynb").write_text(json.dumps(notebook, indent=1))
    found = [d for d in _diagnostics(tmp_path, "--no-cache") if d["code"] == "HP305"]
    assert [(d["cell"], d["fix"]) for d in found] == [(2, None)]


def test_comment_fixes_count_lines_as_the_findings_do():
    """A form feed is no line break in YAML (str.splitlines would make it one and edit the wrong line)."""
    from hplint.diagnostics import comment_fix
    from hplint.edit.comments import apply_comment_fixes
    from hplint.location import Location

    text = "# section\x0c notes\noptimizer:\n  lr: 0.1  # hplint: ignore HP103\n"
    directive = "# hplint: ignore HP103"
    column = text.splitlines()[3 - 1 + 1].index(directive) + 1  # the third YAML line (str.splitlines sees a fourth)
    fix = comment_fix(Location("c.yaml", 3, column, 3, column + len(directive)), directive, "# hplint: ignore[HP103]", "t")
    fixed, applied = apply_comment_fixes(text, "yaml", [fix])
    assert applied == [fix]
    assert fixed == "# section\x0c notes\noptimizer:\n  lr: 0.1  # hplint: ignore[HP103]\n"
