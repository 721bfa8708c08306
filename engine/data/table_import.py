"""Tables of any width (CSV/TSV text, spreadsheet sheets) and the x and y columns taken from them.

A row whose x or y is missing, not a number or not a finite number is skipped with its reason, never the
whole file: a spreadsheet export with one empty cell still imports, and the user is told which lines were
left out. Only a table with no usable row at all is refused. Text is read with text_fields' rules (ASCII number
syntax only, comments, quotes, any line end); plain numeric text takes numpy's C parser.
"""

from __future__ import annotations

import csv
import io
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from engine.data import text_fields
from engine.data.column_names import unique_names
from engine.data.points import MAX_MAGNITUDE, PointSet
from engine.errors import DataError

MAX_SKIPPED_KEPT = 10_000  # the reasons kept for the list; the count goes on past it
SUMMARY_SHOWN = 20  # skipped rows named in a one-line summary
CHUNK_LINES = 65_536  # lines numpy reads at a time; a chunk with a bad line is read line by line
Cell = float | str  # a number, or the reason the cell is not one


@dataclass(frozen=True)
class SkippedRow:
    """A line (text) or row (sheet) left out: its 1-based number, the column at fault ('' for the whole
    row) and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.line} ({self.column} {self.reason})" if self.column else f"{self.line} ({self.reason})"


@dataclass(frozen=True)
class ImportedPoints:
    """What an import gives: the points, the chosen columns' header names and what was left out."""

    points: PointSet
    x_name: str
    y_name: str
    skipped: tuple[SkippedRow, ...]  # at most MAX_SKIPPED_KEPT of them
    skipped_count: int
    row_word: str  # "line" for text, "row" for a sheet

    def skipped_summary(self) -> str:
        """'skipped 2 lines: 7 (weight_kg empty), 13 (height_cm 'n/a' is not a number)', or ''."""
        return skipped_summary(self.skipped, self.skipped_count, self.row_word)


def skipped_summary(skipped: Sequence[SkippedRow], count: int, row_word: str) -> str:
    if not count:
        return ""
    shown = ", ".join(str(row) for row in skipped[:SUMMARY_SHOWN])
    more = f", and {count - SUMMARY_SHOWN:,} more" if count > SUMMARY_SHOWN else ""
    return f"skipped {count:,} {row_word}{'s' if count != 1 else ''}: {shown}{more}"


def number_from_text(field: str) -> Cell:
    """A trainable number from a field, or the reason it is not one ("empty", "'n/a' is not a number")."""
    field = field.strip(" \t")
    if not field:
        return "empty"
    if text_fields._NUMBER.fullmatch(field) is None:
        hint = f" ({text_fields.NUMBER_HINT})" if text_fields._loose_float(field) is not None else ""
        return f"{text_fields._shown(field)} is not a number{hint}"
    return checked_number(float(field), field)


def checked_number(value: float, shown: str) -> Cell:
    if not np.isfinite(value):
        return f"{text_fields._shown(shown)} is not a finite number"
    if abs(value) > MAX_MAGNITUDE:
        return f"{text_fields._shown(shown)} is too large to train on (32-bit numbers end at about 3.4e+38)"
    return value


class Table(ABC):
    """Named columns and numbered rows, whatever the file; `extract` takes two of them as points."""

    source: str
    headers: tuple[str, ...]
    row_word: str

    @abstractmethod
    def rows(self) -> Iterator[tuple[int, list[Cell] | str]]:
        """Each body row's number and its cells (numbers or reasons), or one reason for the whole row."""

    @abstractmethod
    def preview(self, count: int) -> list[list[str]]:
        """The first `count` body rows as text, for a dialog."""

    def column(self, spec: str | int | None, role: str, default: int) -> int:
        """The 0-based index of a column named by header or 1-based position; DataError listing the columns
        that exist otherwise."""
        if spec is None:
            return default
        text = str(spec).strip()
        if text in self.headers:
            return self.headers.index(text)
        folded = [header.casefold() for header in self.headers]
        if text.casefold() in folded:
            return folded.index(text.casefold())
        if text.isascii() and text.isdigit() and 1 <= int(text) <= len(self.headers):
            return int(text) - 1
        raise DataError(f"{self.source}: no column {text!r} for {role}; the columns are "
                        f"{', '.join(repr(header) for header in self.headers)} (or 1-{len(self.headers)}).",
                        path=self.source)

    def numeric_columns(self, sample: int = 200) -> list[int]:
        """Columns where most of the first `sample` rows hold a number."""
        numbers = [0] * len(self.headers)
        others = [0] * len(self.headers)
        for seen, (_line, cells) in enumerate(self.rows()):
            if seen >= sample:
                break
            if isinstance(cells, str):
                continue
            for index, cell in enumerate(cells[: len(self.headers)]):
                if isinstance(cell, float):
                    numbers[index] += 1
                elif cell != "empty":
                    others[index] += 1
        return [index for index in range(len(self.headers)) if numbers[index] and numbers[index] >= others[index]]

    def default_columns(self) -> tuple[int, int]:
        """The first and the last numeric column (the first two columns when fewer than two are numeric)."""
        numeric = self.numeric_columns()
        if len(numeric) >= 2:
            return numeric[0], numeric[-1]
        return 0, min(1, len(self.headers) - 1)

    def extract(self, x: int, y: int, *, for_fitting: bool = False) -> ImportedPoints:
        """Columns x and y (0-based) as points; rows without two numbers are skipped and listed. DataError
        when no row is usable (or, `for_fitting`, the points cannot be fitted)."""
        xs, ys, skipped, count = self.values(x, y)
        if x == y and len(self.headers) == 1:
            raise DataError(f"{self.source}: one column ({self.headers[0]!r}); points need an x column and a "
                            f"y column.", path=self.source)
        if not xs.size:
            detail = f" ({skipped_summary(skipped, count, self.row_word)})" if count else ""
            raise DataError(f"{self.source}: no usable {self.row_word} for x = {self.headers[x]!r} and "
                            f"y = {self.headers[y]!r}{detail}.", path=self.source)
        points = PointSet.from_columns(xs, ys, validate=False)
        if for_fitting:
            try:
                points.validate()
            except DataError as error:
                detail = f" ({skipped_summary(skipped, count, self.row_word)})" if count else ""
                raise DataError(f"{self.source}: {str(error).rstrip('.')}{detail}.", path=self.source) from None
        return ImportedPoints(points, self.headers[x], self.headers[y], tuple(skipped), count, self.row_word)

    def values(self, x: int, y: int) -> tuple[np.ndarray, np.ndarray, list[SkippedRow], int]:
        """The usable rows' x and y, the skipped rows (at most MAX_SKIPPED_KEPT) and how many were skipped."""
        rows = _RowCollector(self.headers[x], self.headers[y])
        for line, cells in self.rows():
            if isinstance(cells, str):
                rows.skip(SkippedRow(line, "", cells))
            else:
                rows.add(line, [cells[index] if index < len(cells) else "empty" for index in (x, y)])
        return rows.result()


class TextTable(Table):
    """CSV, TSV or whitespace-separated text. The first content line is the header when none of its fields
    is a number; without one, two columns are called x and y and more are called 'column N'."""

    row_word = "line"

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self._fast: tuple[np.ndarray | None] | None = None
        if text.startswith("\ufeff"):
            text = text[1:]
        if "\r" in text:  # Windows (\r\n) and old Mac (\r) line ends
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text
        first = text_fields._CONTENT_LINE.search(text)
        if first is None:
            raise DataError(f"{source}: no points found (the file is empty).", path=source)
        first_fields = text_fields._strip_comment(first.group())
        self.separator = sniff_separator(text, first.start())
        fields = self._fields(first_fields)
        has_header = all(text_fields._loose_float(field) is None for field in fields)
        self.body_offset = first.end() + 1 if has_header else first.start()
        self.body_line = text.count("\n", 0, self.body_offset)
        if text_fields._CONTENT_LINE.search(text, self.body_offset) is None:
            raise DataError(f"{source}: no points found (only a header).", path=source)
        if has_header:
            self.headers = unique_names([field or f"column {index + 1}" for index, field in enumerate(fields)])
        else:
            self.headers = ("x", "y") if len(fields) == 2 else tuple(f"column {i + 1}" for i in range(len(fields)))

    def _fields(self, content: str) -> list[str]:
        if self.separator is not None and '"' in content:  # a quoted field may hold the separator
            try:
                return [text_fields._unquote(field) for field in next(csv.reader([content], delimiter=self.separator))]
            except (csv.Error, StopIteration):
                pass
        return text_fields._split(content, self.separator)

    def lines(self, start: int | None = None, stop: int | None = None,
              number: int | None = None) -> Iterator[tuple[int, str]]:
        """Each content line of the body (or of text[start:stop], whose first line is `number`), not
        blank and not only a comment, with its 1-based number. Found one at a time: a preview of a 500 MB
        file must not split all of it first."""
        text = self.text
        start = self.body_offset if start is None else start
        stop = len(text) if stop is None else stop
        number = self.body_line + 1 if number is None else number
        while start < stop:
            end = text.find("\n", start, stop)
            if end < 0:
                end = stop
            content = text_fields._strip_comment(text[start:end])
            if content.strip(" \t"):
                yield number, content
            start, number = end + 1, number + 1

    def rows(self) -> Iterator[tuple[int, list[Cell] | str]]:
        width = len(self.headers)
        for number, content in self.lines():
            fields = self._fields(content)
            if len(fields) > width and any(fields[width:]):  # a trailing separator is not a value
                yield number, f"{len(fields)} values where the header has {width}"
                continue
            yield number, [number_from_text(field) for field in fields]

    def preview(self, count: int) -> list[list[str]]:
        shown: list[list[str]] = []
        for _number, content in self.lines():
            if len(shown) >= count:
                break
            shown.append(self._fields(content))
        return shown

    def values(self, x: int, y: int) -> tuple[np.ndarray, np.ndarray, list[SkippedRow], int]:
        whole = self._fast_values()  # every column numeric: parsed once for any choice
        if whole is not None:
            xs, ys = whole[:, x], whole[:, y]
            if _all_trainable(xs) and _all_trainable(ys):
                return np.ascontiguousarray(xs), np.ascontiguousarray(ys), [], 0
        return self._values_by_chunks(x, y)

    def _values_by_chunks(self, x: int, y: int) -> tuple[np.ndarray, np.ndarray, list[SkippedRow], int]:
        """numpy reads the two columns of each run of CHUNK_LINES lines; a run it refuses (a bad line in
        it) is read line by line, so one bad line in a million costs one chunk's slow pass, not all."""
        x_parts: list[np.ndarray] = []
        y_parts: list[np.ndarray] = []
        skipped: list[SkippedRow] = []
        count = 0
        for start, end, number in self._chunks():
            fast = self._chunk_fast(start, end, x, y)
            if fast is None:
                xs, ys, chunk_skipped, chunk_count = self._strict_values(x, y, self.lines(start, end, number))
                skipped.extend(chunk_skipped[: MAX_SKIPPED_KEPT - len(skipped)])
                count += chunk_count
            else:
                xs, ys = fast[:, 0], fast[:, 1]
            x_parts.append(xs)
            y_parts.append(ys)
        empty = np.zeros(0, dtype=np.float64)
        return (np.concatenate(x_parts) if x_parts else empty, np.concatenate(y_parts) if y_parts else empty,
                skipped, count)

    def _chunks(self) -> Iterator[tuple[int, int, int]]:
        """(start, end, first line number) of each run of CHUNK_LINES lines of the body."""
        text, start, number = self.text, self.body_offset, self.body_line + 1
        while start < len(text):
            end = start
            for _ in range(CHUNK_LINES):
                found = text.find("\n", end)
                if found < 0:
                    end = len(text)
                    break
                end = found + 1
            yield start, end, number
            number += text.count("\n", start, end)
            start = end

    def _chunk_fast(self, start: int, end: int, x: int, y: int) -> np.ndarray | None:
        """Columns x and y of plain text with a separator, by numpy; None unless every line has the
        header's number of fields (numpy would ignore extra ones), there are no comments (whose separators
        would not count) and every value is trainable: then the strict pass reads the lines."""
        chunk = self.text[start:end]
        if self.separator is None or "#" in chunk or not text_fields._is_plain(chunk, 0):
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                values = np.loadtxt(io.StringIO(chunk), delimiter=self.separator, dtype=np.float64, ndmin=2,
                                    usecols=(x, y), encoding=None)
        except ValueError:
            return None
        separators = len(self.headers) - 1  # on every line: a long line and a short one must not even out
        if not values.size or any(line.count(self.separator) != separators for line in chunk.splitlines() if line):
            return None
        return values if _all_trainable(values) else None

    def _strict_values(self, x: int, y: int, lines: Iterator[tuple[int, str]] | None = None
                       ) -> tuple[np.ndarray, np.ndarray, list[SkippedRow], int]:
        """Line by line: only the two chosen fields are read; every skipped line is named."""
        rows = _RowCollector(self.headers[x], self.headers[y])
        width = len(self.headers)
        for number, content in self.lines() if lines is None else lines:
            fields = self._fields(content)
            if len(fields) > width and any(fields[width:]):  # a trailing separator is not a value
                rows.skip(SkippedRow(number, "", f"{len(fields)} values where the header has {width}"))
            else:
                rows.add(number, [number_from_text(fields[i]) if i < len(fields) else "empty" for i in (x, y)])
        return rows.result()

    def _fast_values(self) -> np.ndarray | None:
        """numpy's C parser over plain all-numeric text, once (the dialog asks again at each choice of
        columns); None where it refuses (the strict pass decides)."""
        if self._fast is None:
            self._fast = (self._parse_fast(),)
        return self._fast[0]

    def _parse_fast(self) -> np.ndarray | None:
        if len(self.numeric_columns()) != len(self.headers) or not text_fields._is_plain(self.text, self.body_offset):
            return None
        stream = io.StringIO(self.text)
        stream.seek(self.body_offset)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                values = np.loadtxt(stream, delimiter=self.separator, dtype=np.float64, ndmin=2, comments="#",
                                    encoding=None)
        except ValueError:
            return None
        return values if values.size and values.shape[1] == len(self.headers) else None


class _RowCollector:
    """The usable rows' x and y and the skipped rows with their reasons (at most MAX_SKIPPED_KEPT kept; the
    count goes on), as a table's rows are read one by one."""

    def __init__(self, x_name: str, y_name: str) -> None:
        self.names = (x_name, y_name)
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.skipped: list[SkippedRow] = []
        self.count = 0

    def add(self, line: int, pair: list[Cell]) -> None:
        """Row `line`'s (x, y) cells: numbers are kept, the first that is a reason (a str) skips the row."""
        reason = next((SkippedRow(line, name, cell) for name, cell in zip(self.names, pair, strict=True)
                       if isinstance(cell, str)), None)
        if reason is None:
            self.xs.append(float(pair[0]))
            self.ys.append(float(pair[1]))
        else:
            self.skip(reason)

    def skip(self, reason: SkippedRow) -> None:
        self.count += 1
        if len(self.skipped) < MAX_SKIPPED_KEPT:
            self.skipped.append(reason)

    def result(self) -> tuple[np.ndarray, np.ndarray, list[SkippedRow], int]:
        return np.array(self.xs, dtype=np.float64), np.array(self.ys, dtype=np.float64), self.skipped, self.count


def _all_trainable(values: np.ndarray) -> bool:
    return bool(np.isfinite(values).all()) and float(np.abs(values).max(initial=0.0)) <= MAX_MAGNITUDE


def sniff_separator(text: str, start: int, lines: int = 20) -> str | None:
    """Tab, semicolon or comma: the one found on the first line (in that order of preference) that every
    one of the first content lines has the same number of; else the first line's, else whitespace."""
    sample = [text_fields._strip_comment(match.group()) for _, match in
              zip(range(lines), text_fields._CONTENT_LINE.finditer(text, start), strict=False)]
    found = [separator for separator in text_fields._SEPARATORS if separator in sample[0]]
    for separator in found:
        counts = {line.count(separator) for line in sample if '"' not in line}
        if len(counts) <= 1:
            return separator
    return found[0] if found else None


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".tab")
