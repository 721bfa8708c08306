"""Read and write points as CSV (the rules for numbers in text are in text_fields.py).

The reading of tables (any number of columns, skipped rows with their reasons) is in table_import.py;
`read_csv` and `parse_csv_text` give its points for callers that want only them.
"""

from __future__ import annotations

import os

from engine.atomic_write import write_text_atomic
from engine.data.points import PointSet
from engine.data.table_import import TextTable
from engine.data.text_fields import MAX_FILE_BYTES, MAX_FILE_TEXT, read_text

__all__ = ["MAX_FILE_BYTES", "MAX_FILE_TEXT", "format_csv", "parse_csv_text", "read_csv", "read_text", "write_csv"]

def read_csv(path: str | os.PathLike[str], *, for_fitting: bool = True) -> PointSet:
    """Load and validate points from the first and last numeric columns; rows without two numbers are
    skipped (engine/data/table_import.py lists them). Every error names the file and, where there is one,
    the line."""
    name = str(path)
    return _points_of(read_text(path, name), name, for_fitting)


def parse_csv_text(text: str, *, source: str = "<text>", for_fitting: bool = True) -> PointSet:
    """Parse CSV text (as pasted or read from a file) into a validated PointSet; lines without two numbers
    are skipped. With `for_fitting` False (a paste of a few rows) any number of finite points is accepted."""
    return _points_of(text, source, for_fitting)


def _points_of(text: str, source: str, for_fitting: bool) -> PointSet:
    table = TextTable(text, source)
    return table.extract(*table.default_columns(), for_fitting=for_fitting).points


def format_csv(points: PointSet) -> str:
    """Header `x,y`, then one point per line in the shortest form that reads back exactly."""
    rows = [f"{x!r},{y!r}" for x, y in zip(points.x.tolist(), points.y.tolist(), strict=True)]
    return "x,y\n" + "\n".join(rows) + ("\n" if rows else "")


def write_csv(points: PointSet, path: str | os.PathLike[str]) -> None:
    write_text_atomic(path, format_csv(points))
