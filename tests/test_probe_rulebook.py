"""The probe rules' pages: each Bad example is a model factory the probe must fail, each Good one it must pass.

The first line of every example is the command that shows it (`# hplint probe model.py:make_model ...`);
the test runs exactly that command, limited to the page's rule.
"""

from __future__ import annotations

import shlex

import pytest

from conftest import run_hplint
from hplint.checks import all_rules
from hplint.checks.probe import ProbeRule
from hplint.rulebook import examples, page

torch = pytest.importorskip("torch")

PROBE_CODES = [rule.code for rule in all_rules() if issubclass(rule, ProbeRule)]
CUDA = torch.cuda.is_available()


def _probe_example(tmp_path, code: str, section: str) -> dict:
    files = examples(page(code) or "", section)
    assert files, f"{code} has no {section} example"
    for example in files:
        target = tmp_path / example.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example.content, encoding="utf-8")
    first_line = files[0].content.splitlines()[0]
    assert first_line.startswith("# hplint probe "), f"{code} {section}: the first line must be the probe command"
    arguments = shlex.split(first_line.removeprefix("# hplint "))
    run = run_hplint(*arguments, "--select", code, "--format", "json", cwd=tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    (result,) = run.json()["probe"]["checks"]
    assert result["code"] == code
    return result


def test_every_probe_rule_is_in_the_rule_book():
    assert PROBE_CODES == ["HP901", "HP902", "HP903", "HP904", "HP905", "HP906"]


@pytest.mark.parametrize("code", PROBE_CODES)
def test_bad_example_fails_its_check(tmp_path, code):
    result = _probe_example(tmp_path, code, "Bad")
    expected = "skip" if code == "HP905" and not CUDA else "fail"
    assert result["status"] == expected, result


@pytest.mark.parametrize("code", PROBE_CODES)
def test_good_example_passes_its_check(tmp_path, code):
    result = _probe_example(tmp_path, code, "Good")
    expected = "skip" if code == "HP905" and not CUDA else "pass"
    assert result["status"] == expected, result
