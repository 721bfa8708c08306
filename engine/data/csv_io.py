"""Read and write points as CSV.

Accepted: UTF-8 with or without BOM; comma, semicolon, tab or whitespace separators; an optional header
line; blank lines and `#` comments. Parsing runs in numpy's C parser; only when it fails does a slower
pass look for the exact line to name in the error message.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np

from engine.atomic_write import write_text_atomic
from engine.data.points import PointSet
from engine.errors import DataError

_SEPARATORS = ("\t", ";", ",")


def read_csv(path: str | os.PathLike[str], *, for_fitting: bool = True) -> PointSet:
    """Load and validate points; every error names the file and, where there is one, the line."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise DataError(f"{name}: cannot read the file ({error.strerror or error}).", path=name) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(f"{name}, line {line}: the file is not UTF-8 text.", line=line, path=name) from None
    return parse_csv_text(text, source=name, for_fitting=for_fitting)


def parse_csv_text(text: str, *, source: str = "<text>", for_fitting: bool = True) -> PointSet:
    """Parse CSV text (as pasted or read from a file) into a validated PointSet. With `for_fitting`
    False (a paste of a few rows) any number of finite points is accepted."""
    if text.startswith("\ufeff"):
        text = text[1:]
    head = text[:4096].splitlines()  # enough to find the header; the body is never split in Python
    first = _first_content_line(head)
    if first is None:
        head = text.splitlines()
        first = _first_content_line(head)
        if first is None:
            raise DataError(f"{source}: no points found (the file is empty).", path=source)
    separator = _detect_separator(head[first])
    parsed = [_to_float(field) for field in _split(head[first], separator)]
    body_start = first + 1 if all(value is None for value in parsed) else first  # skip a header
    if _first_content_line(head, body_start) is None and len(text) <= 4096:
        raise DataError(f"{source}: no points found (only a header).", path=source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": handled below
            values = np.loadtxt(io.StringIO(text), delimiter=separator, dtype=np.float64, ndmin=2,
                                comments="#", quotechar='"', skiprows=body_start, encoding=None)
    except ValueError:
        _raise_first_bad_line(text.splitlines(), body_start, separator, source)
        raise  # _raise_first_bad_line always raises; this keeps type checkers content
    if values.size == 0:
        raise DataError(f"{source}: no points found.", path=source)
    if values.shape[1] != 2:
        line = _first_content_line(text.splitlines(), body_start)
        raise DataError(f"{source}, line {(line or 0) + 1}: expected 2 values (x, y) per line, found "
                        f"{values.shape[1]}.", line=(line or 0) + 1, path=source)
    points = PointSet.from_columns(values[:, 0], values[:, 1], validate=False)
    try:
        points.validate(for_fitting=for_fitting)
    except DataError as error:
        if error.row is None:
            raise DataError(f"{source}: {error}", path=source) from None
        line = _line_of_row(text.splitlines(), body_start, error.row)
        message = str(error).split(": ", 1)[-1]
        raise DataError(f"{source}, line {line}: {message}", row=error.row, line=line, path=source) from None
    return points


def format_csv(points: PointSet) -> str:
    """Header `x,y`, then one point per line in the shortest form that reads back exactly."""
    rows = [f"{x!r},{y!r}" for x, y in zip(points.x.tolist(), points.y.tolist(), strict=True)]
    return "x,y\n" + "\n".join(rows) + ("\n" if rows else "")


def write_csv(points: PointSet, path: str | os.PathLike[str]) -> None:
    write_text_atomic(path, format_csv(points))


def _first_content_line(lines: list[str], start: int = 0) -> int | None:
    for index in range(start, len(lines)):
        if _is_content(lines[index]):
            return index
    return None


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _detect_separator(line: str) -> str | None:
    for separator in _SEPARATORS:
        if separator in line:
            return separator
    return None  # whitespace


def _split(line: str, separator: str | None) -> list[str]:
    content = line.split("#", 1)[0]
    return [field.strip().strip('"') for field in content.split(separator)]


def _to_float(field: str) -> float | None:
    try:
        return float(field)
    except ValueError:
        return None


def _raise_first_bad_line(lines: list[str], start: int, separator: str | None, source: str) -> None:
    expected: int | None = None
    for index in range(start, len(lines)):
        if not _is_content(lines[index]):
            continue
        line_number = index + 1
        fields = _split(lines[index], separator)
        if expected is None:
            expected = len(fields)
        if len(fields) != expected or len(fields) != 2:
            raise DataError(f"{source}, line {line_number}: expected 2 values (x, y), found {len(fields)}.",
                            line=line_number, path=source)
        for column, field in zip(("x", "y"), fields, strict=True):
            if _to_float(field) is None:
                shown = repr(field) if field else "empty"
                raise DataError(f"{source}, line {line_number}: {column} is {shown}, not a number.",
                                line=line_number, path=source)
    raise DataError(f"{source}: the file could not be read as CSV.", path=source)


def _line_of_row(lines: list[str], start: int, row: int) -> int:
    seen = -1
    for index in range(start, len(lines)):
        if _is_content(lines[index]):
            seen += 1
            if seen == row:
                return index + 1
    return len(lines)
