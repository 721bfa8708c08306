"""The rules for reading numbers from text, shared by the table reader (table_import.py) and csv_io.py.

Accepted: UTF-8 with or without BOM; line ends \\n, \\r\\n or \\r (old Mac); comma, semicolon, tab or
whitespace separators; blank lines and `#` comments; fields in double quotes. A number is ASCII number
syntax only (`-1.5e3`, `inf`, `nan`): Python's float() would also take `1_0`, '٣' or '３', which no other
program reads as these numbers. Only a regular file of at most MAX_FILE_BYTES is read.
"""

from __future__ import annotations

import os
import re
import stat

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
NUMBER_HINT = "use ASCII digits, '.', 'e' and a sign"


def read_text(path: str | os.PathLike[str], name: str) -> str:
    """The file's text: a regular file of at most MAX_FILE_BYTES, UTF-8 with or without BOM."""
    raw = _read_regular_file(path, name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        raise DataError(f"{name}, line {line}: the file is not UTF-8 text.", line=line, path=name) from None


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


MAX_HASHES_LOOKED_AT = 8  # a line of many '#' stays linear to read
_LAST_FIELD = re.compile(r"[,;\t ]")


def _strip_comment(line: str) -> str:
    """The line without its comment. A `#` starts one at the start of a line or after a number
    ("1, 2  # outlier"), never inside a name ("Run #,Time,Score" is a header of three columns)."""
    index = line.find("#")
    for _ in range(MAX_HASHES_LOOKED_AT):
        if index < 0:
            return line
        before = line[:index].rstrip(" \t")
        if not before or _loose_float(_LAST_FIELD.split(before)[-1].strip('"')) is not None:
            return line[:index]
        index = line.find("#", index + 1)
    return line


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
