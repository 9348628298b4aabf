"""Shared helpers: write a small project into a temporary folder and lint it."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hplint.cli import main


@dataclass
class Run:
    exit_code: int
    output: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.output)

    @property
    def codes(self) -> list[str]:
        return [d["code"] for d in self.json()["diagnostics"]]


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def run_hplint(*args: str, cwd: Path | None = None) -> Run:
    runner = CliRunner()
    if cwd is not None:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(cwd)
            result = runner.invoke(main, list(args), catch_exceptions=False)
    else:
        result = runner.invoke(main, list(args), catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(autouse=True, scope="session")
def _cache_key_home(tmp_path_factory: pytest.TempPathFactory):
    """The cache's signing key lives in the user's cache home: a temporary one for the tests (and their subprocesses)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
        yield


@pytest.fixture
def project(tmp_path: Path):
    """`project({"train.py": "..."})` writes the files and returns a linter for that folder."""

    def make(files: dict[str, str]) -> "Linted":
        write_project(tmp_path, files)
        return Linted(tmp_path)

    return make


@dataclass
class Linted:
    root: Path

    def run(self, *args: str) -> Run:
        return run_hplint(*args, cwd=self.root)

    def diagnostics(self, *args: str) -> list[dict[str, Any]]:
        run = self.run(".", "--format", "json", *args)
        assert run.exit_code in (0, 1), run.output + run.stderr
        return run.json()["diagnostics"]

    def codes(self, *args: str) -> list[str]:
        return [d["code"] for d in self.diagnostics(*args)]

    def findings(self, code: str) -> list[dict[str, Any]]:
        return [d for d in self.diagnostics() if d["code"] == code]
