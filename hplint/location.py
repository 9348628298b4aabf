"""Where something is written: a span of a file, or of a notebook's cell.

A module of its own so that a run answered from the cache imports none of the fact model.

A notebook's code cells are joined into one module for extraction (`extract/notebook.py`);
`line` and `end_line` count lines of that joined code, so that "before", "after" and
suppression comments work across cells as in a script. `cell` (1-based, counting every cell
of the notebook as ruff does) and `cell_offset` (the joined lines before that cell) say
where a reader finds it: `shown_line` is the line within the cell.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    cell: int = 0  # the notebook cell, 1-based among all its cells; 0 outside notebooks
    cell_offset: int = 0  # lines of the notebook's joined code before that cell

    @property
    def shown_line(self) -> int:
        """The line as a reader finds it: within its cell, in a notebook."""
        return self.line - self.cell_offset

    @property
    def shown_end_line(self) -> int:
        return self.end_line - self.cell_offset

    @property
    def place(self) -> str:
        """`train.py:12` or `train.ipynb:cell 7:3`: the file and the line a reader goes to."""
        if self.cell:
            return f"{self.path}:cell {self.cell}:{self.line - self.cell_offset}"
        return f"{self.path}:{self.line}"

    def __str__(self) -> str:
        return self.place
