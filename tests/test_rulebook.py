"""The rule book: every rule has a page, and every page's Bad/Good examples run as tests."""

from __future__ import annotations

import pytest

from conftest import run_hplint
from hplint.checks import all_rules
from hplint.checks.curves import CurvesRule
from hplint.checks.probe import ProbeRule
from hplint.rulebook import examples, page, rules_dir

# The rule book, written out: a rule that disappears from the code (or a page from rules/) fails here.
CODES = [
    "HP001", "HP002", "HP003", "HP004",
    "HP101", "HP102", "HP103", "HP104", "HP105", "HP106", "HP107", "HP108",
    "HP201", "HP202", "HP203", "HP204", "HP205", "HP206", "HP207", "HP208", "HP209", "HP210", "HP211", "HP212",
    "HP213", "HP214",
    "HP301", "HP302", "HP303", "HP304", "HP305", "HP306",
    "HP801", "HP802", "HP803", "HP804", "HP805", "HP806",
    "HP901", "HP902", "HP903", "HP904", "HP905", "HP906",
]
OFF_BY_DEFAULT = ["HP102"]
# Probe rules' examples are model factories: tests/test_probe_rulebook.py runs them through `hplint probe`;
# curves rules' examples are training logs: tests/test_curves_rulebook.py runs them through `hplint curves`.
STATIC_CODES = [rule.code for rule in all_rules() if not issubclass(rule, (ProbeRule, CurvesRule))]
SECTIONS = ["## What it does", "## Why is this bad?", "## Bad", "## Good", "## Options", "## References"]


def test_every_rule_has_a_page_and_every_page_a_rule():
    pages = sorted(path.stem for path in rules_dir().glob("HP*.md"))
    assert pages == CODES
    assert [rule.code for rule in all_rules()] == CODES
    assert [rule.code for rule in all_rules() if not rule.default_enabled] == OFF_BY_DEFAULT


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_page_has_the_sections_and_names_the_rule(rule):
    text = page(rule.code)
    assert text is not None
    assert text.startswith(f"# {rule.code} {rule.name}\n")
    assert f"**Severity:** {rule.severity} · **Default:** {'on' if rule.default_enabled else 'off'}" in text
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    for option in rule.options:
        assert f"`{option}`" in text


def _lint_example(tmp_path, code: str, section: str) -> list[dict]:
    files = examples(page(code) or "", section)
    assert files, f"{code} has no {section} example"
    for example in files:
        target = tmp_path / example.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example.content, encoding="utf-8")
    # The rules on by default, and the one under test even when it is off by default.
    others_off = ",".join(off for off in OFF_BY_DEFAULT if off != code)
    run = run_hplint(".", "--format", "json", "--select", "HP", *(("--ignore", others_off) if others_off else ()), cwd=tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()["diagnostics"]


@pytest.mark.parametrize("code", STATIC_CODES)
def test_bad_example_produces_exactly_its_rule(tmp_path, code):
    diagnostics = _lint_example(tmp_path, code, "Bad")
    assert diagnostics and {d["code"] for d in diagnostics} == {code}


@pytest.mark.parametrize("code", STATIC_CODES)
def test_good_example_produces_nothing(tmp_path, code):
    assert _lint_example(tmp_path, code, "Good") == []
