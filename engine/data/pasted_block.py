"""Text pasted into the points table, read as spreadsheets read it: line i of the block goes to row
(current + i), so a blank or bad line leaves its row as it was and never shifts the lines below it.

Unlike a file there is no header to guess, except one case: a first line of two or more fields none of which
is a number ("height_cm<TAB>weight_kg", copied with the data) is a header, and the block starts below it.
Fields are split at tabs (what every spreadsheet puts on the clipboard), else at ';' or ',', else at spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.data import text_fields
from engine.data.table_import import SkippedRow, number_from_text

MAX_PASTED_LINES = 10_000_000
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class PastedBlock:
    """`rows`: (offset from the first row, values) for every line that gave `width` numbers; `skipped`: the
    others with their 1-based line in the pasted text (blank lines are neither: they leave their row)."""

    rows: tuple[tuple[int, tuple[float, ...]], ...]
    skipped: tuple[SkippedRow, ...]
    had_header: bool


def read_pasted_block(text: str, width: int, column_names: tuple[str, ...]) -> PastedBlock:
    """The block's rows of `width` numbers (1: one column, 2: x and y), each bad field named by the column
    (`column_names`, from the one pasted into) it was meant for."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():  # the line end after the last row
        lines.pop()
    lines = lines[:MAX_PASTED_LINES]
    separator = _separator(lines)
    first = 0
    had_header = False
    if lines:
        fields = _fields(lines[0], separator)
        if len(fields) >= 2 and all(text_fields._loose_float(field.strip('"')) is None for field in fields):
            first, had_header = 1, True
    rows: list[tuple[int, tuple[float, ...]]] = []
    skipped: list[SkippedRow] = []
    for offset, line in enumerate(lines[first:]):
        if not line.strip():
            continue
        fields = _fields(line, separator)
        cells = [number_from_text(fields[i]) if i < len(fields) else "empty" for i in range(width)]
        reason = next((SkippedRow(first + offset + 1, column_names[i], cell) for i, cell in enumerate(cells)
                       if isinstance(cell, str)), None)
        if reason is not None:
            skipped.append(reason)
        else:
            rows.append((offset, tuple(float(cell) for cell in cells)))
    return PastedBlock(tuple(rows), tuple(skipped), had_header)


def pasted_width(text: str) -> int:
    """How many columns the block has (1 or 2): the most fields on any of its first lines."""
    lines = [line for line in text.replace("\r", "\n").split("\n")[:50] if line.strip()]
    separator = _separator(lines)
    return 2 if any(len(_fields(line, separator)) >= 2 for line in lines) else 1


def _separator(lines: list[str]) -> str | None:
    sample = "\n".join(lines[:20])
    for separator in ("\t", ";", ","):
        if separator in sample:
            return separator
    return None


def _fields(line: str, separator: str | None) -> list[str]:
    if separator is None:
        stripped = line.strip(" \t")
        return [text_fields._unquote(field) for field in _SPACES.split(stripped)] if stripped else []
    return [text_fields._unquote(field) for field in line.split(separator)]
