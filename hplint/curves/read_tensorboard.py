"""TensorBoard event files, through the `tensorboard` package's own reader (it is not a dependency of hplint)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hplint.curves.log import LogError, Row

INSTALL_HINT = "reading TensorBoard event files needs the tensorboard package: pip install tensorboard"


def read_tensorboard(paths: Sequence[Path], shown: Sequence[str]) -> list[Row]:
    """One row per step: every scalar logged at that step, in the event files of one run, by tag.

    Rows have no lines; a row is placed in the file where its step first appears.
    """
    try:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
        from tensorboard.util.tensor_util import make_ndarray
    except ImportError:
        raise LogError(f"{shown[0]}: {INSTALL_HINT}") from None
    by_step: dict[int, tuple[str, dict[str, float]]] = {}
    for path, display in zip(paths, shown):
        try:
            # The loader turns old-style simple_value scalars into tensors, so both kinds read alike.
            for event in EventFileLoader(str(path)).Load():
                for value in event.summary.value:
                    if value.metadata.plugin_data.plugin_name != "scalars":
                        continue
                    array = make_ndarray(value.tensor)
                    if array.size == 1:
                        _, values = by_step.setdefault(event.step, (display, {"step": float(event.step)}))
                        values[value.tag] = float(array.reshape(()))
        except Exception as error:  # noqa: BLE001 - the reader raises its own and protobuf's errors on a bad file
            raise LogError(f"{display}: cannot read the event file: {error}") from error
    return [Row(display, 0, values) for _, (display, values) in sorted(by_step.items())]
