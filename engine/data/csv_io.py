"""Read and write points as CSV.

Accepted: UTF-8 with or without BOM; line ends \\n, \\r\\n or \\r (old Mac); comma, semicolon, tab or
whitespace separators; an optional header line; blank lines and `#` comments; fields in double quotes.
A number is ASCII number syntax only (`-1.5e3`, `inf`, `nan`): Python's float() would also take `1_0`,
'٣' or '３', which no other program reads as these numbers, so they are refused with their line.

Plain text (printable ASCII, no quotes, no underscores) is parsed by numpy's C parser; anything else, and
any text numpy refuses, by a strict line-by-line pass that names the exact line of the first problem.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings

import numpy as np

from engine.atomic_write import write_text_atomic
from engine.data.points import PointSet
from engine.errors import DataError

MAX_FILE_BYTES = 512 * 1024 * 1024  # ~20 million points; larger is surely not a points file (or /dev/zero)
MAX_FILE_TEXT = "512 MB"

_SEPARATORS = ("\t", ";", ",")
# Possessive quantifiers (++, *+): no backtracking, so a line of 100,000 spaces or digits costs linear time.
_NUMBER = re.compile(r"[+-]?(?:(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?|inf(?:inity)?|nan)",
                     re.ASCII | re.IGNORECASE)
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n"  # what numpy may parse: it reads \x0c or \x1c as a space
_PLAIN_CHUNK = 1 << 24  # checked in slices, so a big file is never copied whole
_CONTENT_LINE = re.compile(r"^[ \t]*+[^ \t\n#].*$", re.MULTILINE)  # not blank, not only a comment
_SPACES = re.compile(r"[ \t]+")
_FIELD = rf'(?:"[ \t]*+({_NUMBER.pattern})[ \t]*+"|({_NUMBER.pattern}))'
# A whole well-formed line in one match, for the strict pass's common case; any other line gets the
# field-by-field reading, which decides (these patterns only make it faster).
_ROWS = {separator: re.compile(rf"[ \t]*+{_FIELD}"
                               + (rf"[ \t]*+{re.escape(separator)}[ \t]*+" if separator else r"[ \t]++")
                               + rf"{_FIELD}[ \t]*+(?:#.*)?", re.ASCII | re.IGNORECASE)
         for separator in (*_SEPARATORS, None)}
_NUMBER_HINT = " Numbers are written with ASCII digits, '.', 'e' and a sign only."


def read_csv(path: str | os.PathLike[str], *, for_fitting: bool = True) -> PointSet:
    """Load and validate points; every error names the file and, where there is one, the line."""
    name = str(path)
    raw = _read_regular_file(path, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        raise DataError(f"{name}, line {line}: the file is not UTF-8 text.", line=line, path=name) from None
    return parse_csv_text(text, source=name, for_fitting=for_fitting)


def _read_regular_file(path: str | os.PathLike[str], name: str) -> bytes:
    """The file's bytes, at most MAX_FILE_BYTES of them. A FIFO would block the open and the read until a
    writer came (and Ctrl+C with it); /dev/zero never ends: only a regular file is read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise DataError(f"{name}: cannot read the file ({reason}).", path=name) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise DataError(f"{name}: this is {_kind(mode)}, not a file; choose a CSV file.", path=name)
        with open(descriptor, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise DataError(f"{name}: cannot read the file ({error.strerror or error}).", path=name) from None
    finally:
        os.close(descriptor)
    if len(raw) > MAX_FILE_BYTES:
        raise DataError(f"{name}: the file is larger than {MAX_FILE_TEXT}, the most a points file may be.",
                        path=name)
    return raw


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def parse_csv_text(text: str, *, source: str = "<text>", for_fitting: bool = True) -> PointSet:
    """Parse CSV text (as pasted or read from a file) into a validated PointSet. With `for_fitting`
    False (a paste of a few rows) any number of finite points is accepted."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # Windows (\r\n) and old Mac (\r) line ends; numpy and the line numbers split on \n
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = _CONTENT_LINE.search(text)
    if first is None:
        raise DataError(f"{source}: no points found (the file is empty).", path=source)
    first_line = first.group()
    separator = _detect_separator(_strip_comment(first_line))
    header = all(_loose_float(field) is None for field in _split(_strip_comment(first_line), separator))
    body_offset = first.end() + 1 if header else first.start()
    body_line = text.count("\n", 0, body_offset)  # lines before the body
    if _CONTENT_LINE.search(text, body_offset) is None:
        raise DataError(f"{source}: no points found (only a header).", path=source)
    values = None
    if _is_plain(text, body_offset):
        values = _parse_fast(text, body_offset, separator)
    if values is None:  # not plain, or numpy refused it: the strict pass names the line
        values = _parse_strictly(text, body_offset, body_line, separator, source)
    points = PointSet.from_columns(values[:, 0], values[:, 1], validate=False)
    try:
        points.validate(for_fitting=for_fitting)
    except DataError as error:
        if error.row is None:
            raise DataError(f"{source}: {error}", path=source) from None
        line = _line_of_row(text, body_offset, body_line, error.row)
        message = str(error).split(": ", 1)[-1]
        raise DataError(f"{source}, line {line}: {message}", row=error.row, line=line, path=source) from None
    return points


def format_csv(points: PointSet) -> str:
    """Header `x,y`, then one point per line in the shortest form that reads back exactly."""
    rows = [f"{x!r},{y!r}" for x, y in zip(points.x.tolist(), points.y.tolist(), strict=True)]
    return "x,y\n" + "\n".join(rows) + ("\n" if rows else "")


def write_csv(points: PointSet, path: str | os.PathLike[str]) -> None:
    write_text_atomic(path, format_csv(points))


def _is_plain(text: str, start: int) -> bool:
    """Printable ASCII, tabs and line ends, without quotes or underscores: what numpy reads exactly as the
    strict pass would. A regular expression took 1 s on 40 MB; this takes 0.07 s."""
    for begin in range(start, len(text), _PLAIN_CHUNK):
        chunk = text[begin:begin + _PLAIN_CHUNK]
        if not chunk.isascii() or "_" in chunk or '"' in chunk:
            return False
        if chunk.encode("ascii").translate(None, _PLAIN_BYTES):
            return False
    return True


def _parse_fast(text: str, body_offset: int, separator: str | None) -> np.ndarray | None:
    """numpy's C parser over plain text; None where it refuses (the strict pass then says where)."""
    stream = io.StringIO(text)
    stream.seek(body_offset)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": checked by the caller
            values = np.loadtxt(stream, delimiter=separator, dtype=np.float64, ndmin=2, comments="#",
                                encoding=None)
    except ValueError:
        return None
    return values if values.size and values.shape[1] == 2 else None  # else the strict pass names the line


def _parse_strictly(text: str, body_offset: int, body_line: int, separator: str | None,
                    source: str) -> np.ndarray:
    """Every content line as exactly two ASCII numbers, or a DataError naming the first line that is not."""
    xs: list[float] = []
    ys: list[float] = []
    row = _ROWS[separator]
    for line_number, line in enumerate(text[body_offset:].split("\n"), start=body_line + 1):
        match = row.fullmatch(line)
        if match is not None:
            xs.append(float(match[1] or match[2]))
            ys.append(float(match[3] or match[4]))
            continue
        content = _strip_comment(line)
        if not content.strip(" \t"):
            continue
        fields = _split(content, separator)
        if len(fields) != 2:
            raise DataError(f"{source}, line {line_number}: expected 2 values (x, y), found {len(fields)}.",
                            line=line_number, path=source)
        for column, field in zip(("x", "y"), fields, strict=True):
            if _NUMBER.fullmatch(field) is None:
                raise DataError(f"{source}, line {line_number}: {column} is {_shown(field)}, not a number."
                                f"{_NUMBER_HINT if _loose_float(field) is not None else ''}",
                                line=line_number, path=source)
        xs.append(float(fields[0]))
        ys.append(float(fields[1]))
    return np.column_stack([np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)])


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0]


def _detect_separator(line: str) -> str | None:
    for separator in _SEPARATORS:
        if separator in line:
            return separator
    return None  # spaces and tabs


def _split(content: str, separator: str | None) -> list[str]:
    """The fields of a line without its comment: spaces and tabs around them and one pair of quotes gone."""
    if separator is None:
        stripped = content.strip(" \t")
        return [_unquote(field) for field in _SPACES.split(stripped)] if stripped else []
    return [_unquote(field) for field in content.split(separator)]


def _unquote(field: str) -> str:
    field = field.strip(" \t")
    if len(field) >= 2 and field[0] == field[-1] == '"':
        field = field[1:-1].strip(" \t")
    return field


def _loose_float(field: str) -> float | None:
    """Python's own float(): used to tell a header from data, and to spot numbers in a foreign notation."""
    try:
        return float(field)
    except ValueError:
        return None


def _shown(field: str, limit: int = 40) -> str:
    if not field:
        return "empty"
    text = repr(field)  # escapes control characters: the message stays one line
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _line_of_row(text: str, body_offset: int, body_line: int, row: int) -> int:
    """The 1-based line of the `row`-th content line of the body."""
    for index, match in enumerate(_CONTENT_LINE.finditer(text, body_offset)):
        if index == row:
            return body_line + text.count("\n", body_offset, match.start()) + 1
    return body_line + text.count("\n", body_offset) + 1
