"""The command line: formats, exit codes, selection, facts, the rule book commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_hplint, write_project
from hplint.checks import all_rules

# The rule book of SPEC §4.
SPEC_CODES = (
    "HP001 HP002 HP101 HP102 HP103 HP104 HP105 HP106 HP107 HP108 HP201 HP202 HP203 HP204 HP205 HP206 "
    "HP207 HP208 HP209 HP210 HP211 HP212 HP213 HP301 HP302 HP303 HP304 HP305"
).split()

BAD_TRAIN = """
import torch
from torch import nn
from torch.utils.data import DataLoader

model = nn.RNN(10, 20)
loader = DataLoader(data, batch_size=128)
optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
for x, y in loader:
    optimizer.zero_grad()
    nn.functional.mse_loss(model(x)[0], y).backward()
    optimizer.step()
val_loader = DataLoader(val_data, batch_size=32)
"""

GOOD_TRAIN = BAD_TRAIN.replace("nn.RNN", "nn.LSTM").replace("128", "32").replace("2.0", "1e-3")


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return write_project(tmp_path, {"train.py": BAD_TRAIN})


def test_text_output_is_sorted_lines_and_a_summary(bad):
    run = run_hplint(cwd=bad)
    assert run.exit_code == 1
    lines = run.output.splitlines()
    assert lines == [
        "train.py:5:9: HP206 [warning] nn.RNN: a vanilla recurrent cell struggles with long-range "
        "dependencies; use nn.LSTM or nn.GRU (same arguments)",
        "train.py:6:38: HP101 [info] DataLoader batch_size=128: 128 samples per optimizer step, above 32: small "
        "batches often generalise better (Masters & Luschi); to keep it large, scale the lr with the batch and "
        "warm up (Goyal et al.)",
        "train.py:7:52: HP103 [warning] SGD lr=2.0 is above 1.0: updates overshoot and the loss diverges; "
        "try log-spaced values from 0.1 down",
        "2 warnings, 1 info in 1 file",
    ]


def test_clean_project_exits_zero(tmp_path):
    write_project(tmp_path, {"train.py": GOOD_TRAIN})
    run = run_hplint(str(tmp_path))
    assert run.exit_code == 0
    assert run.output.strip() == "no problems in 1 file"


def test_json_format(bad):
    run = run_hplint("--format", "json", cwd=bad)
    data = run.json()
    assert data["version"] == 1
    assert data["summary"]["files"] == 1 and data["summary"]["warning"] == 2 and data["summary"]["info"] == 1
    first = data["diagnostics"][0]
    assert set(first) == {
        "code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "source", "fix",
    }
    assert (first["code"], first["name"], first["path"], first["line"], first["column"]) == (
        "HP206", "vanilla-rnn", "train.py", 5, 9,
    )
    assert first["end_line"] == 5 and first["end_column"] == 23


def test_json_paths_are_relative_to_the_current_directory(bad):
    nested = bad / "sub"
    nested.mkdir()
    (bad / "train.py").rename(nested / "train.py")
    run = run_hplint("--format", "json", "sub", cwd=bad)
    assert {d["path"] for d in run.json()["diagnostics"]} == {"sub/train.py"}


def test_sarif_format_is_sarif_2_1_0(bad):
    data = json.loads(run_hplint("--format", "sarif", cwd=bad).output)
    assert data["version"] == "2.1.0"
    run = data["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert "HP201" in rule_ids
    result = run["results"][0]
    assert result["ruleId"] == "HP206" and result["level"] == "warning"
    assert rule_ids[result["ruleIndex"]] == "HP206"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (5, 9)
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py"


def test_github_format(bad):
    lines = run_hplint("--format", "github", cwd=bad).output.splitlines()
    assert lines[0].startswith("::warning file=train.py,line=5,col=9,endLine=5,endColumn=23,title=HP206::HP206 nn.RNN")
    assert len(lines) == 3


def test_exit_zero_and_fail_on(bad):
    assert run_hplint("--exit-zero", cwd=bad).exit_code == 0
    (bad / "hplint.toml").write_text('fail-on = "error"\n')
    assert run_hplint(cwd=bad).exit_code == 0
    (bad / "hplint.toml").write_text('fail-on = "info"\n')
    assert run_hplint(cwd=bad).exit_code == 1


def test_quiet_drops_the_summary(bad):
    lines = run_hplint("--quiet", cwd=bad).output.splitlines()
    assert len(lines) == 3 and all(": HP" in line for line in lines)


def test_select_and_ignore_with_prefixes(bad):
    assert run_hplint("--select", "HP2", "--format", "json", cwd=bad).codes == ["HP206"]
    assert run_hplint("--select", "HP1,HP206", "--format", "json", cwd=bad).codes == ["HP206", "HP101", "HP103"]
    assert run_hplint("--ignore", "HP1", "--format", "json", cwd=bad).codes == ["HP206"]
    assert run_hplint("--select", "HP1", "--ignore", "HP103", "--format", "json", cwd=bad).codes == ["HP101"]


def test_unknown_code_on_the_command_line_is_a_usage_error(bad):
    run = run_hplint("--select", "HP999", cwd=bad)
    assert run.exit_code == 2 and "unknown rule code 'HP999'" in run.stderr


def test_missing_path_exits_2(tmp_path):
    run = run_hplint(str(tmp_path / "nope"))
    assert run.exit_code == 2 and "no such file or directory" in run.stderr


def test_unknown_option_exits_2(bad):
    assert run_hplint("--bogus", cwd=bad).exit_code == 2


def test_empty_directory_is_clean(tmp_path):
    run = run_hplint(str(tmp_path))
    assert run.exit_code == 0 and "no problems in 0 files" in run.output


def test_statistics(bad):
    (bad / "train.py").write_text(BAD_TRAIN.lstrip().replace("nn.RNN(10, 20)", "nn.RNN(10, 20)  # hplint: ignore[HP206]")
                                  + "x = 1  # hplint: ignore[HP101]\n")
    run = run_hplint("--statistics", cwd=bad)
    assert "    1  HP101  large-batch" in run.output
    assert "    1  HP103  lr-out-of-range" in run.output
    assert "train.py:13: unused suppression (hplint[HP101])" in run.output
    assert "1 suppressed by comments" in run.output


def test_show_facts_table_and_json(bad):
    table = run_hplint("--show-facts", cwd=bad)
    assert table.exit_code == 0
    title, header, *rows = table.output.splitlines()
    assert title == "hyperparameters:"
    assert header.split() == ["where", "hyperparameter", "value", "from", "used", "by"]
    assert any(row.split()[:3] == ["train.py:6", "batch_size", "128"] for row in rows)
    assert "training operations:" in table.output
    assert "  train.py:10  <module>  backward" in table.output
    data = json.loads(run_hplint("--show-facts", "--format", "json", cwd=bad).output)
    types = {fact["type"] for fact in data["facts"]}
    assert {"Call", "Setting", "Import", "Binding"} <= types
    lr = [fact for fact in data["facts"] if fact["type"] == "Setting" and fact["hyperparameter"] == "lr"]
    assert lr[0]["value"]["value"] == 2.0 and lr[0]["consumer"] == "SGD"


def test_rules_lists_every_rule():
    run = run_hplint("rules")
    assert run.exit_code == 0
    header, *rows = run.output.splitlines()
    assert header.split()[:4] == ["code", "name", "severity", "default"]
    assert [row.split()[0] for row in rows] == [rule.code for rule in all_rules()]
    assert set(SPEC_CODES) <= {row.split()[0] for row in rows}


def test_rules_as_json():
    run = run_hplint("rules", "--format", "json")
    assert run.exit_code == 0
    rules = run.json()
    assert [rule["code"] for rule in rules] == [rule.code for rule in all_rules()]
    by_code = {rule["code"]: rule for rule in rules}
    assert by_code["HP101"] == {
        "code": "HP101", "name": "large-batch", "severity": "info", "default_enabled": True,
        "summary": "samples per optimizer step above max (per device × accumulation × devices)", "options": {"max": 32},
    }
    assert by_code["HP102"]["default_enabled"] is False and by_code["HP102"]["options"] == {}
    assert by_code["HP103"]["options"] == {"min": 1e-6, "max": 1.0, "fine-tune-min": 1e-7}
    assert by_code["HP201"]["severity"] == "error"
    assert run_hplint("rules", "--output-format", "json").output == run.output
    assert run_hplint("rules", "--format", "text").output == run_hplint("rules").output


def test_rule_prints_the_page():
    run = run_hplint("rule", "HP201")
    assert run.exit_code == 0 and run.output.startswith("# HP201 output-activation")
    assert run_hplint("rule", "hp201").exit_code == 0
    missing = run_hplint("rule", "HP999")
    assert missing.exit_code == 2 and "unknown rule code" in missing.stderr


def test_explicit_check_subcommand_and_default_path(bad):
    assert run_hplint("check", cwd=bad).exit_code == 1
    assert run_hplint("check", ".", cwd=bad).exit_code == 1


def _subprocess(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def test_module_and_console_script_as_subprocesses(bad):
    as_module = _subprocess([sys.executable, "-m", "hplint", ".", "--format", "json"], bad)
    assert as_module.returncode == 1 and len(json.loads(as_module.stdout)["diagnostics"]) == 3
    script = Path(sys.executable).with_name("hplint")
    if script.exists():
        as_script = _subprocess([str(script), "--select", "HP2"], bad)
        assert as_script.returncode == 1 and "HP206" in as_script.stdout
    usage = _subprocess([sys.executable, "-m", "hplint", "nowhere"], bad)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_check_never_imports_torch_or_user_code(bad):
    (bad / "sitecustomize_probe.py").write_text("raise SystemExit('user code ran')\nimport torch\n")
    code = (
        "import sys\n"
        "from hplint.cli import main\n"
        "try:\n"
        "    main(['.'], standalone_mode=False)\n"
        "except SystemExit as done:\n"
        "    assert done.code == 1, done.code\n"
        "assert 'torch' not in sys.modules, 'check imported torch'\n"
        "assert 'sitecustomize_probe' not in sys.modules\n"
    )
    result = _subprocess([sys.executable, "-c", code], bad)
    assert result.returncode == 0, result.stderr


def test_an_internal_error_exits_2_with_a_message_not_a_traceback(bad, monkeypatch, capsys):
    import hplint.lint
    from hplint import cli

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(hplint.lint, "lint", broken)
    monkeypatch.chdir(bad)
    monkeypatch.setattr(sys, "argv", ["hplint", "."])
    with pytest.raises(SystemExit) as exit_info:
        cli.run()
    assert exit_info.value.code == 2
    assert "hplint: internal error: RuntimeError: boom" in capsys.readouterr().err
