"""CSV logs: Lightning's CSVLogger `metrics.csv` (sparse rows), Keras' CSVLogger, a script's own CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from hplint.curves.log import LogError, Row

_DELIMITERS = (",", "\t", ";")


def header(path: Path) -> list[str]:
    """The column names, read from the first line alone (a data set's CSV is not read further)."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            first = file.readline()
    except (OSError, UnicodeDecodeError) as error:
        raise LogError(f"{path}: cannot read: {error}") from error
    return next(csv.reader([first], delimiter=_delimiter(first)), [])


def read_csv(path: Path, shown: str) -> list[Row]:
    """Every row with its numbers; empty and non-numeric cells are left out."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            first = file.readline()
            file.seek(0)
            reader = csv.reader(file, delimiter=_delimiter(first))
            names = next(reader, [])
            rows = []
            for cells in reader:
                values = {name: number for name, cell in zip(names, cells) if (number := _number(cell)) is not None}
                rows.append(Row(shown, reader.line_num, values))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LogError(f"{shown}: cannot read: {error}") from error
    return rows


def _delimiter(line: str) -> str:
    return max(_DELIMITERS, key=line.count)


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None
