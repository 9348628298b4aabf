"""The curves rules' pages: each Bad example is a training log `hplint curves` must flag with the page's rule,
each Good one a log it must leave alone. The page's text names the command; the test runs it on the example's file.
"""

from __future__ import annotations

import pytest

from conftest import run_hplint
from hplint.checks import all_rules
from hplint.checks.curves import CurvesRule
from hplint.rulebook import examples, page

CURVES_CODES = [rule.code for rule in all_rules() if issubclass(rule, CurvesRule)]


def _curves_example(tmp_path, code: str, section: str) -> list[dict]:
    files = examples(page(code) or "", section)
    assert files, f"{code} has no {section} example"
    for example in files:
        target = tmp_path / example.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example.content, encoding="utf-8")
    run = run_hplint("curves", files[0].filename, "--select", code, "--format", "json", cwd=tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()["diagnostics"]


def test_every_curves_rule_is_in_the_rule_book():
    assert CURVES_CODES == ["HP801", "HP802", "HP803", "HP804", "HP805", "HP806"]


@pytest.mark.parametrize("code", CURVES_CODES)
def test_bad_example_is_flagged(tmp_path, code):
    diagnostics = _curves_example(tmp_path, code, "Bad")
    assert [d["code"] for d in diagnostics] == [code]


@pytest.mark.parametrize("code", CURVES_CODES)
def test_good_example_is_not(tmp_path, code):
    assert _curves_example(tmp_path, code, "Good") == []


@pytest.mark.parametrize("code", CURVES_CODES)
def test_bad_example_is_a_log_of_the_format_the_page_names(code):
    """The sentence above the Bad block gives the command that shows it."""
    text = page(code) or ""
    (example,) = examples(text, "Bad")
    assert f"`hplint curves {example.filename}`" in text
