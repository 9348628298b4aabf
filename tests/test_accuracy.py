"""The labelled corpus keeps hplint precise: precision ≥ 0.95 and recall ≥ 0.9 overall."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from accuracy import CORPUS, score  # noqa: E402


def test_corpus_size():
    cases = [path for path in CORPUS.iterdir() if (path / "expected.json").is_file()]
    silent = [path for path in cases if not json.loads((path / "expected.json").read_text())["findings"]]
    assert len(cases) >= 45 and len(silent) >= 15


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no corpus")
def test_precision_and_recall():
    totals = score()
    report = "\n".join(totals.misses)
    assert totals.precision() >= 0.95, report
    assert totals.recall() >= 0.9, report
