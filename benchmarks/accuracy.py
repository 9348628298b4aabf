"""Precision and recall of hplint's static rules on the labelled corpus (tests/corpus/).

Each case folder holds a small project and expected.json listing the findings it must produce
(code, path, line). A finding counts as a true positive when code, path and line all match.

    python benchmarks/accuracy.py [CORPUS]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from hplint.config import load_config
from hplint.lint import lint

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


@dataclass
class Score:
    true_positives: Counter[str] = field(default_factory=Counter)
    false_positives: Counter[str] = field(default_factory=Counter)
    false_negatives: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)  # what went wrong, one line each

    def precision(self, code: str | None = None) -> float:
        tp, fp = self._count(self.true_positives, code), self._count(self.false_positives, code)
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, code: str | None = None) -> float:
        tp, fn = self._count(self.true_positives, code), self._count(self.false_negatives, code)
        return tp / (tp + fn) if tp + fn else 1.0

    @staticmethod
    def _count(counter: Counter[str], code: str | None) -> int:
        return sum(counter.values()) if code is None else counter[code]

    def codes(self) -> list[str]:
        return sorted(set(self.true_positives) | set(self.false_positives) | set(self.false_negatives))


def found_in(case: Path) -> set[tuple[str, str, int]]:
    """(code, path, line) of every static finding hplint reports for one case."""
    config = load_config([case])  # what `hplint CASE` reads: a case may carry its own hplint.toml
    result = lint([case], replace(config, exclude=(*config.exclude, "expected.json")))
    return {
        (d.code, Path(d.location.path).resolve().relative_to(case.resolve()).as_posix(), d.location.line)
        for d in result.diagnostics
    }


def score(corpus: Path = CORPUS) -> Score:
    totals = Score()
    for case in sorted(path for path in corpus.iterdir() if (path / "expected.json").is_file()):
        expected = {
            (item["code"], item["path"], item["line"])
            for item in json.loads((case / "expected.json").read_text())["findings"]
        }
        found = found_in(case)
        for code, path, line in found & expected:
            totals.true_positives[code] += 1
        for code, path, line in sorted(found - expected):
            totals.false_positives[code] += 1
            totals.misses.append(f"false alarm  {case.name}/{path}:{line} {code}")
        for code, path, line in sorted(expected - found):
            totals.false_negatives[code] += 1
            totals.misses.append(f"missed       {case.name}/{path}:{line} {code}")
    return totals


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    totals = score(corpus)
    print(f"{'rule':6}  {'tp':>4}  {'fp':>4}  {'fn':>4}  {'precision':>9}  {'recall':>6}")
    for code in totals.codes():
        print(
            f"{code:6}  {totals.true_positives[code]:4d}  {totals.false_positives[code]:4d}  "
            f"{totals.false_negatives[code]:4d}  {totals.precision(code):9.2f}  {totals.recall(code):6.2f}"
        )
    print(
        f"{'all':6}  {sum(totals.true_positives.values()):4d}  {sum(totals.false_positives.values()):4d}  "
        f"{sum(totals.false_negatives.values()):4d}  {totals.precision():9.2f}  {totals.recall():6.2f}"
    )
    for line in totals.misses:
        print(line)


if __name__ == "__main__":
    main()
