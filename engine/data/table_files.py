"""Opening a data file the user names: a CSV/TSV text table or a spreadsheet's sheet, found by extension
or content, and the x and y columns taken from it."""

from __future__ import annotations

import os

from engine.data.spreadsheet import looks_like_spreadsheet, read_sheet
from engine.data.table_import import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, ImportedPoints, Table, TextTable
from engine.data.text_fields import read_text
from engine.errors import DataError


def is_spreadsheet(path: str | os.PathLike[str]) -> bool:
    """By extension, else by content: a zip (xlsx, ods) or an OLE file (xls) that is not a project."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return True
    if suffix in TEXT_SUFFIXES:
        return False
    return looks_like_spreadsheet(path)


def open_table(path: str | os.PathLike[str], sheet: str | int | None = None) -> Table:
    """The table in a CSV/TSV file or (by extension or content) a spreadsheet's sheet (name or 1-based
    index; the first by default). DataError naming the file, the sheet or the line otherwise."""
    if is_spreadsheet(path):
        return read_sheet(path, sheet)
    name = str(path)
    if sheet is not None:
        raise DataError(f"{name}: a text file has no sheets; --sheet is for spreadsheets.", path=name)
    return TextTable(read_text(path, name), name)


def import_points(path: str | os.PathLike[str], *, sheet: str | int | None = None, x: str | int | None = None,
                  y: str | int | None = None, for_fitting: bool = False) -> ImportedPoints:
    """Open a table and take its x and y columns (by name or 1-based position; by default the first and
    the last numeric column)."""
    table = open_table(path, sheet)
    default_x, default_y = table.default_columns()
    return table.extract(table.column(x, "x", default_x), table.column(y, "y", default_y),
                         for_fitting=for_fitting)
