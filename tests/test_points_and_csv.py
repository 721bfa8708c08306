from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import IO

import numpy as np
import pytest

from engine.atomic_write import write_atomic
from engine.data import text_fields
from engine.data.csv_io import MAX_FILE_BYTES, parse_csv_text, read_csv, write_csv
from engine.data.points import PointSet
from engine.data.table_files import import_points
from engine.data.table_import import TextTable
from engine.errors import DataError
from tests.conftest import run_python


def test_seed_points_are_the_classic_example() -> None:
    assert PointSet.seed().pairs() == [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0), (4.0, 8.0)]


@pytest.mark.parametrize(("pairs", "fragment", "row"), [
    ([(1, 2), (2, float("nan"))], "Row 2: y = nan", 1),
    ([(float("inf"), 2), (2, 3)], "Row 1: x = inf", 0),
    ([(1, 2)], "At least 2 points", None),
    ([(3, 1), (3, 2), (3, 5)], "All 3 points have x = 3", None),
])
def test_invalid_points_name_the_problem_and_row(pairs: list, fragment: str, row: int | None) -> None:
    with pytest.raises(DataError) as caught:
        PointSet.from_pairs(pairs)
    assert fragment in str(caught.value)
    assert caught.value.row == row


@pytest.mark.parametrize("text", [
    "x,y\n1,2\n3,4\n",
    "\ufeffx;y\n1;2\n3;4\n",
    "1\t2\n\n3\t4\n",
    "# measured today\n1 2\n3 4\n",
    "\"x\",\"y\"\r\n\"1\",\"2\"\r\n\"3\",\"4\"\r\n",
    "x,y\r1,2\r3,4\r",  # old Mac: CR only
    "x,y\r1,2\r\n3,4",  # mixed, no line end at the end
    "x (µm);y # measured\n1;2\n3;4\n",  # a header in any language
    " 1 \t 2 \n# café\n3\t4 \n",
    "x,y\n\"1\" , \" 2 \"\n 3 ,4\n",
    "\"x\" \"y\"\n\"1\" \"2\"\n3 \"4\"\n",
])
def test_csv_dialects_all_read_the_same_points(text: str) -> None:
    assert parse_csv_text(text).pairs() == [(1.0, 2.0), (3.0, 4.0)]


@pytest.mark.parametrize(("text", "skipped"), [
    ("x,y\n1,2\n3,4,5\n5,6\n", "3 (3 values where the header has 2)"),
    ("x,y\n1,2\n3,abc\n5,6\n", "3 (y 'abc' is not a number)"),
    ("1,2\n\n3,\n5,6\n", "3 (y empty)"),
    ("x,y\n1,2\n2,inf\n5,6\n", "3 (y 'inf' is not a finite number)"),
    ("x,y\r1,2\r3,abc\r5,6\r", "3 (y 'abc' is not a number)"),
    ("x,y\r1,2\r5,6\r7,nan\r", "4 (y 'nan' is not a finite number)"),
    ("x,y\n1,2\n,4\n5,6\n", "3 (x empty)"),
    ("x,y\n1,2\n1e39,4\n5,6\n", "3 (x '1e39' is too large to train on (32-bit numbers end at about 3.4e+38))"),
])
def test_a_bad_line_is_skipped_and_named_not_the_whole_file(tmp_path: Path, text: str, skipped: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    imported = import_points(path)
    assert [str(row) for row in imported.skipped] == [skipped]
    assert imported.skipped_summary() == f"skipped 1 line: {skipped}"
    assert read_csv(path, for_fitting=False) == imported.points
    assert len(imported.points) == 2 and imported.points.pairs()[0] == (1.0, 2.0)


@pytest.mark.parametrize(("text", "message"), [
    ("", "bad.csv: no points found (the file is empty)."),
    ("x,y\n", "bad.csv: no points found (only a header)."),
    ("x,y\n3,abc\n,5\n", "bad.csv: no usable line for x = 'x' and y = 'y' (skipped 2 lines: "
                           "2 (y 'abc' is not a number), 3 (x empty))."),
    ("x,y\n1,2\n3,abc\n", "bad.csv: At least 2 points are needed to fit a line; there is 1 "
                           "(skipped 1 line: 3 (y 'abc' is not a number))."),
])
def test_a_file_without_usable_lines_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_csv(path)
    assert str(caught.value) == f"{tmp_path}/{message}"


def test_non_utf8_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"x,y\n1,2\n3,\xe94\n")
    with pytest.raises(DataError, match="line 3: the file is not UTF-8 text"):
        read_csv(path)


def test_csv_round_trip_is_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    points = PointSet.from_columns(rng.normal(size=500) * 1e6, rng.normal(size=500) / 3)
    path = tmp_path / "points.csv"
    write_csv(points, path)
    assert read_csv(path) == points
    assert oct(os.stat(path).st_mode & 0o777) != oct(0o600), "saved files get the usual permissions"


def test_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("x,y\n1,2\n", encoding="utf-8")

    def write_half_then_fail(handle: IO[bytes]) -> None:
        handle.write(b"x,y\n5,")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, write_half_then_fail)
    assert path.read_text(encoding="utf-8") == "x,y\n1,2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["points.csv"]


NOT_ASCII_NUMBERS = " (use ASCII digits, '.', 'e' and a sign)"


@pytest.mark.parametrize(("text", "skipped"), [
    ("x,y\n1,2\n1_0,3\n", "3 (x '1_0' is not a number" + NOT_ASCII_NUMBERS + ")"),
    ("x,y\n1,2\n3,\u0663\n", "3 (y '\u0663' is not a number" + NOT_ASCII_NUMBERS + ")"),  # Arabic-Indic 3
    ("x,y\n1,2\n\uff13,4\n", "3 (x '\uff13' is not a number" + NOT_ASCII_NUMBERS + ")"),  # fullwidth 3
    ("\u0661,\u0662\n1,2\n", "1 (x '\u0661' is not a number" + NOT_ASCII_NUMBERS + ")"),  # not a header
    ("x,y\n1,2\n3,4\x0c\n", "3 (y '4\\x0c' is not a number" + NOT_ASCII_NUMBERS + ")"),
    ("x,y\n1,2\n3,0x10\n", "3 (y '0x10' is not a number)"),
    ("1 2\n3\u00a04\n", "2 (x '3\\xa04' is not a number)"),  # a no-break space separates nothing
    ("x,y\n1,2\n3," + "9" * 100 + "_9\n",  # a long field is shortened
     "3 (y '" + "9" * 35 + "...' is not a number" + NOT_ASCII_NUMBERS + ")"),
])
def test_numbers_other_than_ascii_are_skipped_with_line_and_text(text: str, skipped: str) -> None:
    table = TextTable(text, "data.csv")
    imported = table.extract(0, 1)
    assert [str(row) for row in imported.skipped] == [skipped]
    assert imported.points.pairs() == [(1.0, 2.0)]


@pytest.mark.parametrize("text", [
    '"1" + " " * 200_000 + "x\\n2 3\\n"',
    '"x,y\\n1," + "\\t" * 200_000 + "x\\n"',
    '"x y\\n" + " " * 200_000 + "1 2\\n3 4\\n"',
    '"x,y\\n" + "7" * 200_000 + "_,1\\n"',
    """'"' + " " * 200_000 + '1","2"\\n'""",
])
def test_long_runs_of_spaces_or_digits_take_linear_time(text: str) -> None:
    """A regular expression that backtracks took 3 s on 8,000 spaces and would take hours on these. It
    holds the GIL, so only a separate process can be timed out."""
    code = ("from engine.data.csv_io import parse_csv_text\nfrom engine.errors import DataError\n"
            f"try:\n    parse_csv_text({text}, for_fitting=False)\nexcept DataError:\n    pass\n")
    completed = run_python("-c", code, timeout=30)
    assert completed.returncode == 0, completed.stderr


def test_crlf_and_cr_files_name_the_same_line_for_a_utf8_error(tmp_path: Path) -> None:
    for ending in (b"\r", b"\r\n", b"\n"):
        path = tmp_path / "latin1.csv"
        path.write_bytes(ending.join([b"x,y", b"1,2", b"3,\xe94", b""]))
        with pytest.raises(DataError, match="line 3: the file is not UTF-8 text"):
            read_csv(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_csv(fifo)
        except BaseException as error:  # noqa: BLE001  # handed to the test thread
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # the regression: blocked in open(); a writer that comes and goes releases it
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("read_csv blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], DataError)
    assert str(outcome[0]) == f"{fifo}: this is a named pipe, not a file; choose a CSV file."


@pytest.mark.parametrize(("make", "kind"), [
    (lambda folder: folder, "a folder"),
    (lambda folder: Path("/dev/zero"), "a device"),
])
def test_what_is_not_a_regular_file_is_refused(tmp_path: Path, make, kind: str) -> None:
    path = make(tmp_path)
    if not path.exists():
        pytest.skip(f"{path} does not exist here")
    with pytest.raises(DataError) as caught:
        read_csv(path)
    assert str(caught.value) == f"{path}: this is {kind}, not a file; choose a CSV file."
    assert caught.value.path == str(path)


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing on disk, nothing read
    with pytest.raises(DataError, match=r"big.csv: the file is larger than 512 MB, the most a points file may be"):
        read_csv(path)


def test_a_file_that_grows_past_the_limit_is_read_no_further(tmp_path: Path, monkeypatch) -> None:
    """The size fstat reports may be stale (a file still being written, /proc): the read itself is bounded."""
    path = tmp_path / "growing.csv"
    path.write_text("x,y\n1,2\n3,4\n", encoding="utf-8")
    monkeypatch.setattr(text_fields, "MAX_FILE_BYTES", 8)
    with pytest.raises(DataError, match="larger than 512 MB"):
        read_csv(path)
    real_fstat = os.fstat

    def stale_fstat(descriptor: int) -> os.stat_result:
        values = list(real_fstat(descriptor))
        values[6] = 0  # st_size
        return os.stat_result(values)

    monkeypatch.setattr(os, "fstat", stale_fstat)
    with pytest.raises(DataError, match="larger than 512 MB"):
        read_csv(path)


def test_an_unreadable_name_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read the file"):
        read_csv(str(tmp_path / "nul\0name.csv"))
