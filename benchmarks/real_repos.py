"""Lint real open-source repositories as whole folders, the way users run hplint, and print what it says.

Usage:
    python benchmarks/real_repos.py FOLDER [--list warning] [--only NAME ...]

FOLDER holds one checked-out repository per subfolder, fetched outside this project (never
copied into it). The set measured in the notes is REPOSITORIES below; any other subfolder is
linted too. Per repository it prints files, lines, seconds, findings by severity and by rule,
and crashes (exit 2, or anything on stderr); `--list warning` prints every warning and error
to read, `--list info` every finding.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from hplint.config import load_config
from hplint.discover import discover

# The repositories the notes measure, by the kind of code SPEC §9 asks for.
REPOSITORIES = {
    "examples": "pytorch/examples: official examples, one program per folder",
    "pytorch-tutorial": "yunjey/pytorch-tutorial: tutorials, one script per topic",
    "tutorials": "Lightning-AI/tutorials: Lightning tutorials (mostly notebooks)",
    "PyTorch-GAN": "eriklindernoren/PyTorch-GAN: research implementations, 40 scripts",
    "pytorch-cifar": "kuangliu/pytorch-cifar: a research training script and a model zoo",
    "ConvNeXt": "facebookresearch/ConvNeXt: a research repository with launch scripts",
    "nanoGPT": "karpathy/nanoGPT: configurator, config/*.py on launch lines",
    "lightning-hydra-template": "ashleve/lightning-hydra-template: Hydra + Lightning",
    "detectron2": "facebookresearch/detectron2: yacs _BASE_ chains and LazyConfig",
    "mmpretrain": "open-mmlab/mmpretrain: MMEngine _base_ config trees",
    "DeepSpeedExamples": "microsoft/DeepSpeedExamples: DeepSpeed JSON configs and launch scripts",
    "NeMo": "NVIDIA/NeMo: a large library with Hydra configs and examples",
    "alignment-handbook": "huggingface/alignment-handbook: HF recipes, accelerate configs",
    "stanford_alpaca": "tatsu-lab/stanford_alpaca: an HfArgumentParser fine-tuning script",
    "alpaca-lora": "tloen/alpaca-lora: a fire-based fine-tuning script",
    "ml-daikon-empirical-study-eecs598": "Essoz/ml-daikon-empirical-study-eecs598: reproduced ML bugs",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="one repository per subfolder")
    parser.add_argument("--list", choices=["error", "warning", "info"], help="print every finding at or above this")
    parser.add_argument("--only", nargs="*", help="these subfolders only")
    parser.add_argument("--hplint", default=os.environ.get("HPLINT", "hplint"), help="the hplint command")
    options = parser.parse_args()
    repositories = sorted(path for path in options.folder.iterdir() if path.is_dir())
    if options.only:
        repositories = [path for path in repositories if path.name in options.only]
    totals: Counter[str] = Counter()
    by_rule_total: Counter[tuple[str, str]] = Counter()
    crashes = []
    print(f"{'repository':36} {'files':>6} {'lines':>8} {'s':>7} {'err':>4} {'warn':>5} {'info':>5}  rules")
    for repository in repositories:
        files, lines = _size(repository)
        started = time.perf_counter()
        result = subprocess.run(
            [options.hplint, "check", repository.name, "--no-cache", "--format", "json"],
            cwd=options.folder, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - started
        crashed = result.returncode not in (0, 1) or bool(result.stderr.strip())
        diagnostics = _diagnostics(result.stdout)
        if crashed or diagnostics is None:
            crashes.append((repository.name, result.returncode, result.stderr.strip()[-2000:]))
            diagnostics = diagnostics or []
        severities = Counter(d["severity"] for d in diagnostics)
        by_rule = Counter((d["code"], d["severity"]) for d in diagnostics)
        by_rule_total.update(by_rule)
        totals.update({"files": files, "lines": lines, **severities})
        rules = " ".join(f"{code}:{severity[0]}{count}" for (code, severity), count in sorted(by_rule.items()))
        print(
            f"{repository.name:36} {files:6d} {lines:8d} {seconds:7.1f} {severities['error']:4d} "
            f"{severities['warning']:5d} {severities['info']:5d}  {rules}{'  CRASH' if crashed else ''}"
        )
        if options.list:
            _print_findings(diagnostics, options.list)
    print(
        f"{'total':36} {totals['files']:6d} {totals['lines']:8d} {'':7} {totals['error']:4d} "
        f"{totals['warning']:5d} {totals['info']:5d}"
    )
    print("\nfindings by rule and severity:")
    for (code, severity), count in sorted(by_rule_total.items()):
        print(f"  {code} {severity:8} {count:5d}")
    per_10k = (totals["error"] + totals["warning"]) / max(totals["lines"], 1) * 10_000
    print(f"\nerrors and warnings per 10k lines: {per_10k:.2f}")
    print(f"crashes: {len(crashes)}")
    for name, code, stderr in crashes:
        print(f"  {name}: exit {code}\n    " + stderr.replace("\n", "\n    "))
    return 1 if crashes else 0


def _size(repository: Path) -> tuple[int, int]:
    """The files hplint reads in the repository (its discovery: .gitignore, excludes, test code) and their lines."""
    paths = discover([repository], repository, load_config([repository]).exclude)
    lines = 0
    for path in paths:
        try:
            with open(path, "rb") as stream:
                lines += stream.read().count(b"\n")
        except OSError:
            continue
    return len(paths), lines


def _diagnostics(output: str) -> list[dict] | None:
    try:
        return json.loads(output)["diagnostics"]
    except (ValueError, KeyError, TypeError):
        return None


def _print_findings(diagnostics: list[dict], level: str) -> None:
    wanted = {"error": {"error"}, "warning": {"error", "warning"}, "info": {"error", "warning", "info"}}[level]
    for d in diagnostics:
        if d["severity"] in wanted:
            print(f"    {d['path']}:{d['line']}:{d['column']}: {d['code']} [{d['severity']}] {d['message']}")


if __name__ == "__main__":
    sys.exit(main())
