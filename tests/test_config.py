"""Configuration files, discovery and exclusion."""

from __future__ import annotations

import pytest

from conftest import run_hplint, write_project

RNN = "import torch.nn as nn\nlayer = nn.RNN(8, 8)\n"


def test_config_found_upward_from_the_first_path(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.hplint]\nignore = ["HP206"]\n',
        "src/pkg/model.py": RNN,
    })
    assert run_hplint(str(tmp_path / "src" / "pkg")).exit_code == 0


def test_pyproject_without_hplint_table_is_passed_over_for_one_further_up(tmp_path):
    write_project(tmp_path, {
        "hplint.toml": 'ignore = ["HP206"]\n',
        "sub/pyproject.toml": '[project]\nname = "sub"\n',
        "sub/model.py": RNN,
    })
    assert run_hplint(str(tmp_path / "sub")).exit_code == 0


def test_explicit_config(tmp_path):
    write_project(tmp_path, {"model.py": RNN, "elsewhere/strict.toml": 'select = ["HP0"]\n'})
    assert run_hplint(str(tmp_path), "--config", str(tmp_path / "elsewhere" / "strict.toml")).exit_code == 0
    missing = run_hplint(str(tmp_path), "--config", str(tmp_path / "missing.toml"))
    assert missing.exit_code == 2 and "configuration file not found" in missing.stderr


@pytest.mark.parametrize("content, message", [
    ('[tool.hplint]\nselct = ["HP1"]\n', "unknown key 'selct'"),
    ('[tool.hplint]\nselect = ["HP777"]\n', "unknown rule code 'HP777'"),
    ('[tool.hplint]\nignore = "HP1"\n', None),
    ('[tool.hplint]\nfail-on = "fatal"\n', "fail-on must be one of error, warning, info"),
    ('[tool.hplint.rules.HP101]\nmax = "big"\n', "rules.HP101.max must be a int"),
    ('[tool.hplint.rules.HP101]\nmaximum = 64\n', "unknown option 'maximum' for HP101 (options: max)"),
    ('[tool.hplint.rules.HP555]\nmax = 64\n', "unknown rule code 'HP555' in rules"),
    ('[tool.hplint.rules.HP103]\nmin = -1.0\n', "must not be negative"),
    ('[tool.hplint]\nper-file-ignores = ["x"]\n', "per-file-ignores must be a table"),
    ('[tool.hplint\n', "cannot read the configuration"),
])
def test_bad_configuration_exits_2_and_names_the_key(tmp_path, content, message):
    write_project(tmp_path, {"pyproject.toml": content, "model.py": RNN})
    run = run_hplint(str(tmp_path))
    if message is None:  # a single string is accepted as a one-item list
        assert run.exit_code == 1
        return
    assert run.exit_code == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_per_file_ignores(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.hplint.per-file-ignores]\n"experiments/*" = ["HP2"]\n"*_legacy.py" = ["HP206"]\n',
        "experiments/try_rnn.py": RNN,
        "models/old_legacy.py": RNN,
        "models/current.py": RNN,
    })
    run = run_hplint(str(tmp_path), "--format", "json")
    assert [d["path"].rsplit("/", 2)[-2:] for d in run.json()["diagnostics"]] == [["models", "current.py"]]


def test_exclude_gitignore_and_default_folders(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.hplint]\nexclude = ["legacy/", "scratch_*.py"]\n',
        ".gitignore": "outputs/\n*.generated.py\n!keep.generated.py\n",
        "legacy/old.py": RNN,
        "scratch_1.py": RNN,
        "outputs/run1/model.py": RNN,
        "model.generated.py": RNN,
        "keep.generated.py": RNN,
        ".venv/lib/site.py": RNN,
        "env/pyvenv.cfg": "home = /usr\n",
        "env/lib/x.py": RNN,
        "node_modules/a/b.py": RNN,
        "build/lib/model.py": RNN,
        "pkg/__pycache__/m.py": RNN,
        "pkg/.gitignore": "private.py\n",
        "pkg/private.py": RNN,
        "pkg/model.py": RNN,
    })
    run = run_hplint(".", "--format", "json", cwd=tmp_path)
    assert sorted({d["path"] for d in run.json()["diagnostics"]}) == ["keep.generated.py", "pkg/model.py"]


def test_named_file_is_linted_even_when_excluded_unless_force_exclude(tmp_path):
    write_project(tmp_path, {"hplint.toml": 'exclude = ["legacy/"]\n', "legacy/old.py": RNN})
    assert run_hplint("legacy/old.py", cwd=tmp_path).exit_code == 1
    assert run_hplint("legacy/old.py", "--force-exclude", cwd=tmp_path).exit_code == 0


def test_symlink_loop_does_not_hang(tmp_path):
    write_project(tmp_path, {"pkg/model.py": RNN})
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    run = run_hplint(str(tmp_path), "--format", "json")
    assert run.exit_code == 1 and len(run.json()["diagnostics"]) == 1
