"""write_atomically: the new text whole, or the old one untouched."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hplint.edit import atomic
from hplint.edit.atomic import write_atomically


def test_replaces_the_text_and_keeps_the_mode(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("lr = 0.1\n")
    script.chmod(0o754)
    write_atomically(script, b"lr = 0.01\n")
    assert script.read_text() == "lr = 0.01\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o754
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


def test_a_crash_mid_write_leaves_the_original_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "train.py"
    script.write_text("lr = 0.1\n")

    def crash(descriptor: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(script, b"lr = 0.01\n")
    assert script.read_text() == "lr = 0.1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


def test_a_failed_rename_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "train.py"
    script.write_text("lr = 0.1\n")

    def refuse(source: str, target: os.PathLike[str]) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_atomically(script, b"lr = 0.01\n")
    assert script.read_text() == "lr = 0.1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]
