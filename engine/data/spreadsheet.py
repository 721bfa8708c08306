"""Spreadsheets (.xlsx, .xlsm, .xlsb, .xls, .ods) read with python-calamine: no Excel or LibreOffice
needed, and nothing in the file is ever run (calamine reads cell values only, not macros or formulas'
code). A sheet becomes a Table whose rows are numbered as the spreadsheet numbers them."""

from __future__ import annotations

import datetime
import os
import stat
import zipfile
from collections.abc import Iterator

from engine.data.column_names import unique_names
from engine.data.table_import import Cell, Table, checked_number, number_from_text
from engine.data.text_fields import MAX_FILE_BYTES, MAX_FILE_TEXT
from engine.errors import DataError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)
ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_MEMBERS = ("xl/workbook.xml", "xl/workbook.bin", "content.xml")
MAX_UNZIPPED_BYTES = 2 * 2**30  # what reading a sheet may inflate: a million rows of 20 columns is ~1 GB of XML
RawCell = int | float | str | bool | datetime.date | datetime.time | datetime.timedelta | None


def looks_like_spreadsheet(path: str | os.PathLike[str]) -> bool:
    """An .xls (OLE) file, or a zip holding a workbook (xlsx) or content.xml (ods). Only a regular file is
    opened: opening a FIFO would wait for a writer."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            magic = handle.read(8)
        if magic == OLE_MAGIC:
            return True
        if magic[:4] != ZIP_MAGIC:
            return False
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return any(member in names for member in SPREADSHEET_MEMBERS)


def _workbook(path: str | os.PathLike[str]):  # -> python_calamine.CalamineWorkbook
    from python_calamine import CalamineError, CalamineWorkbook

    name = str(path)
    try:
        regular, size = os.path.isfile(path), os.path.getsize(path)
    except (OSError, ValueError) as error:
        raise DataError(f"{name}: cannot read the file ({getattr(error, 'strerror', None) or error}).",
                        path=name) from None
    if not regular:
        raise DataError(f"{name}: this is not a file; choose a spreadsheet.", path=name)
    if size > MAX_FILE_BYTES:
        raise DataError(f"{name}: the file is larger than {MAX_FILE_TEXT}, the most a points file may be.",
                        path=name)
    _check_unzipped_size(name)
    try:
        return CalamineWorkbook.from_path(name)
    except (CalamineError, OSError, ValueError) as error:
        raise DataError(f"{name}: cannot read the spreadsheet ({_one_line(str(error))}).", path=name) from None


def _check_unzipped_size(name: str) -> None:
    """A zip (xlsx, ods) may declare gigabytes in a few bytes; refuse before calamine inflates them."""
    try:
        with zipfile.ZipFile(name) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return  # not a zip (an .xls), or a broken one: calamine says what is wrong
    if total > MAX_UNZIPPED_BYTES:
        raise DataError(f"{name}: the spreadsheet unpacks to {total / 2**20:,.0f} MB; at most "
                        f"{MAX_UNZIPPED_BYTES // 2**20:,} MB is read.", path=name)


def list_sheets(path: str | os.PathLike[str]) -> list[str]:
    """The names of the workbook's sheets, in order."""
    workbook = _workbook(path)
    try:
        return list(workbook.sheet_names)
    finally:
        workbook.close()


def read_sheet(path: str | os.PathLike[str], sheet: str | int | None = None) -> SheetTable:
    """One sheet (by name, or 1-based index as an int or digits; the first by default) as a Table."""
    name = str(path)
    workbook = _workbook(path)
    try:
        names = list(workbook.sheet_names)
        chosen = _sheet_name(names, sheet, name)
        try:
            cells = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        except Exception as error:  # noqa: BLE001 - calamine raises several types for a damaged sheet
            raise DataError(f"{name}, sheet {chosen!r}: cannot read it ({_one_line(str(error))}).",
                            path=name) from None
    finally:
        workbook.close()
    return SheetTable(cells, f"{name}, sheet {chosen!r}", chosen, names)


def _sheet_name(names: list[str], sheet: str | int | None, source: str) -> str:
    if not names:
        raise DataError(f"{source}: the workbook has no sheets.", path=source)
    if sheet is None:
        return names[0]
    text = str(sheet).strip()
    if text in names:
        return text
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    raise DataError(f"{source}: no sheet {text!r}; the sheets are {', '.join(repr(n) for n in names)} "
                    f"(or 1-{len(names)}).", path=source)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def cell_value(cell: RawCell) -> Cell:
    """A number from a cell, or the reason it is not one."""
    if cell is None or cell == "":
        return "empty"
    if isinstance(cell, bool):
        return f"{cell!s} is not a number"
    if isinstance(cell, (int, float)):
        return checked_number(float(cell), repr(cell))
    if isinstance(cell, str):
        return number_from_text(cell)
    return f"'{cell}' is not a number"  # a date or a time


def cell_text(cell: RawCell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    return str(cell)


class SheetTable(Table):
    """A sheet's cells. The first non-empty row is the header when none of its cells is a number; else the
    columns are named by their letters (A, B, ...)."""

    row_word = "row"

    def __init__(self, cells: list[list[RawCell]], source: str, sheet: str, sheets: list[str]) -> None:
        self.source = source
        self.sheet = sheet
        self.sheets = sheets
        width = max((len(row) for row in cells), default=0)
        first = next((index for index, row in enumerate(cells) if any(cell_text(c).strip() for c in row)), None)
        if first is None:
            raise DataError(f"{source}: no points found (the sheet is empty).", path=source)
        start_column = min(next(i for i, c in enumerate(row) if cell_text(c).strip())
                           for row in cells if any(cell_text(c).strip() for c in row))
        header_row = cells[first]
        has_header = all(isinstance(cell_value(c), str) for c in header_row[start_column:]
                         if cell_text(c).strip())
        self._start_column = start_column
        self._cells = cells
        self._body = first + 1 if has_header else first
        letters = [_column_letters(index) for index in range(start_column, width)]
        if has_header:
            texts = [cell_text(c).strip() for c in header_row[start_column:]]
            texts += [""] * (len(letters) - len(texts))
            self.headers = unique_names([text or letter for text, letter in zip(texts, letters, strict=True)])
        else:
            self.headers = tuple(letters)
        if not any(any(cell_text(c).strip() for c in row) for row in cells[self._body:]):
            raise DataError(f"{source}: no points found (only a header).", path=source)

    def _body_rows(self) -> Iterator[tuple[int, list[RawCell]]]:
        for index in range(self._body, len(self._cells)):
            row = self._cells[index][self._start_column:]
            if any(cell_text(c).strip() for c in row):
                yield index + 1, row

    def rows(self) -> Iterator[tuple[int, list[Cell] | str]]:
        for number, row in self._body_rows():
            yield number, [cell_value(cell) for cell in row]

    def preview(self, count: int) -> list[list[str]]:
        shown: list[list[str]] = []
        for _number, row in self._body_rows():
            if len(shown) >= count:
                break
            shown.append([cell_text(cell) for cell in row])
        return shown


def _column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
