"""`--plot FILE.png`: each log's training and validation curves with its findings marked (matplotlib)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hplint.curves.finding import Finding
from hplint.curves.log import TrainingLog

_COLOURS = {"error": "tab:red", "warning": "tab:orange", "info": "tab:purple"}


def plot_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def plot_curves(
    runs: Sequence[tuple[TrainingLog, Sequence[Finding]]], severities: Mapping[str, str], path: Path,
) -> str:
    """Draw one panel per log; returns a one-line note saying what was written, or why nothing was."""
    if not runs:
        return "--plot: no log to draw"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(len(runs), 1, figsize=(8, 4 * len(runs)), squeeze=False)
    for (log, findings), axes in zip(runs, panels[:, 0]):
        _draw(axes, log, findings, severities)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except OSError as error:
        return f"--plot: cannot write {path}: {error}"
    finally:
        plt.close(figure)
    return f"--plot: wrote {path}"


def _draw(axes: Any, log: TrainingLog, findings: Sequence[Finding], severities: Mapping[str, str]) -> None:
    for points, label, style in (
        (log.train, f"training ({log.columns.train})", {"color": "tab:blue", "linewidth": 1}),
        (
            log.validation, f"validation ({log.columns.validation})",
            {"color": "tab:green", "marker": "o", "markersize": 3},
        ),
    ):
        drawn = [(point.position, point.value) for point in points if math.isfinite(point.value)]
        if drawn:
            axes.plot(*zip(*drawn), label=label, **style)
    for finding in findings:
        colour = _COLOURS[severities.get(finding.code, "info")]
        axes.axvline(finding.at.position, color=colour, linestyle="--", linewidth=1)
        axes.annotate(
            finding.code, (finding.at.position, 1.0), xycoords=("data", "axes fraction"),
            rotation=90, va="top", ha="right", color=colour, fontsize="small",
        )
    axes.set_xlabel(log.axis)
    axes.set_ylabel("loss")
    axes.set_title(f"{log.path} ({log.kind})", fontsize="medium")
    axes.legend(loc="best", fontsize="small")
