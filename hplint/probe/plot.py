"""`--plot FILE.png`: the LR range test's curve, with matplotlib when it is installed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def plot_lr_range(details: Mapping[str, Any], configured_lr: float | None, path: Path) -> str:
    """Draw the sweeps' curves; returns a one-line note saying what was written, or why nothing was."""
    sweeps = [sweep for sweep in details.get("sweeps", []) if sweep.get("curve")]
    if not sweeps:
        return "--plot: no LR range curve to draw (HP904 did not run)"
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "--plot: matplotlib is not installed, no plot written (pip install 'hplint[plot]')"
    figure, axes = plt.subplots(figsize=(7, 4.5))
    colours = ["tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:pink"]
    for number, sweep in enumerate(sweeps):
        curve = [point for point in sweep["curve"] if point.get("loss") is not None]
        colour = colours[number % len(colours)]
        axes.plot([point["lr"] for point in curve], [point["loss"] for point in curve], color=colour, alpha=0.3,
                  linewidth=1)
        smoothed = [(point["lr"], point["smoothed"]) for point in curve if point.get("smoothed") is not None]
        if smoothed:
            axes.plot(*zip(*smoothed), color=colour, linewidth=2, label=f"sweep {number + 1} (seed {sweep.get('seed')})")
    suggested_range = details.get("suggested_range")
    if suggested_range:
        axes.axvspan(suggested_range[0], suggested_range[1], color="tab:green", alpha=0.15, label="suggested range")
        suggested = details["suggested_lr"]
        axes.axvline(suggested, color="tab:green", linestyle="--", label=f"suggested {suggested:.1e}")
    if configured_lr is not None and configured_lr > 0:
        axes.axvline(configured_lr, color="tab:red", linestyle=":", linewidth=2, label=f"configured {configured_lr:g}")
    axes.set_xscale("log")
    axes.set_xlabel(f"learning rate ({details.get('optimizer', 'optimizer')})")
    axes.set_ylabel("training loss")
    axes.set_title("LR range test (hplint probe, HP904)")
    axes.legend(loc="best", fontsize="small")
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except OSError as error:
        return f"--plot: cannot write {path}: {error}"
    finally:
        plt.close(figure)
    return f"--plot: wrote {path}"
