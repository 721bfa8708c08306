"""The zip container of a version 3 project: `project.json` (deflated) beside one .npy member per long
array (stored), and the checks that make reading one safe.

Why stored: a 10-million-epoch loss history is 80 MB of float64 whose low bits are noise; deflate saves
little on it and costs seconds on every save and open (bench/project_files.py measures both). Why the
checks: a zip can declare a member of terabytes, or millions of members, in a few bytes. Before anything
is read, the central directory, each member's declared size and each array's header are checked against
limits, and a member's values are taken only once its header says they are a 1-D float64 or int64 array of
the right length (or a 2-D C- or Fortran-ordered table of the right width, for a run's step trace): nothing is
ever unpickled, and nothing is allocated that the file does not hold.
"""

from __future__ import annotations

import io
import json
import re
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from engine.files.project_schema import MAX_RUNS, FieldError

JSON_MEMBER = "project.json"
ZIP_MAGIC = b"PK\x03\x04"
ARRAY_COMPRESSION = zipfile.ZIP_STORED  # bench/project_files.py compares ZIP_DEFLATED
MAX_JSON_BYTES = 64 * 2**20  # project.json of 10,000 runs is under 20 MB
MAX_ARRAY_BYTES = 2 * 2**30  # all arrays together, uncompressed: what opening may allocate
MAX_MEMBERS = 6 * MAX_RUNS + 16  # per run: loss history, 3 path arrays, 2 trace tables
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 512
MAX_HEADER_BYTES = 4096  # numpy writes 128 bytes for a 1-D array
FLOAT64 = np.dtype("<f8")
INT64 = np.dtype("<i8")
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError)  # RuntimeError: an encrypted member
# numpy parses a header with ast and, for an old-style one, tokenize: a header of just "(" raised TokenError
# (found by tests/test_project_files.py's fuzzing).
_HEADER_ERRORS = (*_READ_ERRORS, TypeError, KeyError, SyntaxError, RecursionError, MemoryError, tokenize.TokenError)
_PLAIN_HEADER = re.compile(rb"\{'descr': '(<f8|<i8)', 'fortran_order': False, "
                           rb"'shape': \(([0-9]{1,15}),(?: ([0-9]{1,15}))?\), \} *\n")
_PLAIN_DTYPES = {b"<f8": FLOAT64, b"<i8": INT64}
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def write_project_zip(handle: IO[bytes], document: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """project.json, then each array as a .npy member. Members carry a fixed date: the same project makes
    the same bytes."""
    text = json.dumps(document, allow_nan=True).encode("utf-8")  # NaN: a run's final loss before any epoch
    with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
        archive.writestr(_member_info(JSON_MEMBER, zipfile.ZIP_DEFLATED), text)
        for name, array in arrays.items():
            with archive.open(_member_info(name, ARRAY_COMPRESSION), "w", force_zip64=array.nbytes > 2**30) as out:
                np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)


def _member_info(name: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = compression
    return info


class ProjectZip:
    """An open version 3 file. `document()` is project.json's contents; `array()` reads one member.
    Raises FieldError for anything wrong, naming the field that refers to the member."""

    def __init__(self, handle: IO[bytes], file_size: int) -> None:
        _check_directory(handle, file_size)
        try:
            self.archive = zipfile.ZipFile(handle)
        except _READ_ERRORS as error:
            raise FieldError("", f"not a readable zip file ({error}).") from None
        self.budget = MAX_ARRAY_BYTES

    def close(self) -> None:
        self.archive.close()

    def document(self) -> Any:
        data = self._read(JSON_MEMBER, MAX_JSON_BYTES, JSON_MEMBER)
        try:
            return json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise FieldError(JSON_MEMBER, "not UTF-8 text.") from None
        except json.JSONDecodeError as error:
            raise FieldError(JSON_MEMBER, f"line {error.lineno}: invalid JSON ({error.msg}).",
                             line=error.lineno) from None
        except RecursionError:
            raise FieldError(JSON_MEMBER, "lists or objects nested too deeply.") from None
        except ValueError as error:  # an int of more than 4,300 digits
            raise FieldError(JSON_MEMBER, f"invalid JSON ({error}).") from None

    def array(self, name: str, dtype: np.dtype[Any], where: str, length: int | None, most: int,
              width: int | None = None) -> np.ndarray:
        """Member `name` as a 1-D array of `dtype` (or, given `width`, a 2-D one of `width` columns): of `length`
        values (rows) when given, else of at most `most`."""
        values = (most if length is None else min(length, most)) * (width or 1)
        limit = min(self.budget, MAX_HEADER_BYTES + dtype.itemsize * values)
        data = self._read(name, limit, where)
        try:
            found, shape, fortran, offset = _header(data)
        except _HEADER_ERRORS as error:
            raise FieldError(where, f"member {name} is not a .npy array ({error}).") from None
        if found != dtype or len(shape) != (1 if width is None else 2) or (width is not None and shape[1] != width):
            order = "big-endian " if found.byteorder == ">" else ""
            kind = "1-D array" if width is None else f"2-D array of {width} columns"
            raise FieldError(where, f"member {name} holds {order}{found.name} values of shape {shape}; expected a "
                                    f"{kind} of {dtype.name}.")
        count = shape[0] * (width or 1)  # Python ints: a header may claim 2**64 rows
        if count < 0 or offset + count * dtype.itemsize != len(data):
            raise FieldError(where, f"member {name} is {len(data):,} bytes, which does not match its header.")
        if length is not None and shape[0] != length:
            raise FieldError(where, f"member {name} has {shape[0]:,} {'values' if width is None else 'rows'}; "
                                    f"expected {length:,}.")
        self.budget -= len(data)
        # The header is checked and agrees with the size: the rest is exactly `count` values of `dtype`.
        # (np.load would parse the header again, 0.1 ms a member: half the time of opening 1,000 runs.)
        flat = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
        if width is None:
            return flat.copy()
        return np.array(flat.reshape(shape, order="F" if fortran else "C"), order="C")  # a copy, writable

    def _read(self, name: str, limit: int, where: str) -> bytes:
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise FieldError(where, f"the file has no member {name}.") from None
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FieldError(where, f"member {name} is encrypted or compressed in a way this app does not write.")
        if info.file_size > limit:
            raise FieldError(where, f"member {name} declares {info.file_size:,} bytes, more than the "
                                    f"{limit:,} it may hold (arrays of one project: {MAX_ARRAY_BYTES:,} in all).")
        try:
            with self.archive.open(info) as member:
                data = member.read(info.file_size + 1)  # bounded even if the declared size lies
        except _READ_ERRORS as error:
            raise FieldError(where, f"member {name} is damaged ({error}).") from None
        if len(data) != info.file_size:
            raise FieldError(where, f"member {name} is damaged (its size does not match).")
        return data


def _header(data: bytes) -> tuple[np.dtype[Any], tuple[int, ...], bool, int]:
    """The dtype, the shape, whether it is in Fortran order and where the values start. The header numpy
    writes for a 1-D or 2-D float64 or int64 array is matched directly; any other goes through numpy's parser
    (ast.literal_eval, ~70 µs a member)."""
    if data[:8] == b"\x93NUMPY\x01\x00" and len(data) >= 10:
        end = 10 + int.from_bytes(data[8:10], "little")
        plain = _PLAIN_HEADER.fullmatch(data, 10, end)
        if plain is not None:
            shape: tuple[int, ...] = (int(plain[2]),) if plain[3] is None else (int(plain[2]), int(plain[3]))
            return _PLAIN_DTYPES[plain[1]], shape, False, end
    buffer = io.BytesIO(data)
    version = np.lib.format.read_magic(buffer)
    if version not in _HEADER_READERS:
        raise ValueError(f".npy format version {version}")
    shape, fortran, found = _HEADER_READERS[version](buffer, max_header_size=MAX_HEADER_BYTES)
    return found, shape, bool(fortran), buffer.tell()


def _check_directory(handle: IO[bytes], file_size: int) -> None:
    """Refuse a central directory with more members than a project can have before zipfile reads it
    (it would build an object per member: millions from a few megabytes)."""
    tail_size = min(file_size, 22 + 65_535)  # the end record plus the longest comment
    handle.seek(file_size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise FieldError("", "not a readable zip file (no end of central directory).")
    entries, size = struct.unpack("<HI", tail[at + 10: at + 16])
    count, directory = int(entries), int(size)
    if at >= 20 and tail[at - 20: at - 16] == b"PK\x06\x07":  # zip64: the counts live in another record
        (offset,) = struct.unpack("<Q", tail[at - 12: at - 4])
        handle.seek(min(offset, file_size))
        record = handle.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            count, directory = (int(value) for value in struct.unpack("<QQ", record[32:48]))
    if count > MAX_MEMBERS or directory > MAX_DIRECTORY_BYTES:
        raise FieldError("", f"the zip lists {count:,} members in {directory:,} bytes; a project has at most "
                             f"{MAX_MEMBERS:,}.")
    handle.seek(0)
