from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import numpy as np
import pytest

from engine.atomic_write import write_atomic
from engine.data.csv_io import parse_csv_text, read_csv, write_csv
from engine.data.points import PointSet
from engine.errors import DataError


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
])
def test_csv_dialects_all_read_the_same_points(text: str) -> None:
    assert parse_csv_text(text).pairs() == [(1.0, 2.0), (3.0, 4.0)]


@pytest.mark.parametrize(("text", "message"), [
    ("x,y\n1,2\n3,4,5\n", "bad.csv, line 3: expected 2 values (x, y), found 3."),
    ("x,y\n1,2\n3,abc\n", "bad.csv, line 3: y is 'abc', not a number."),
    ("1,2\n\n3,\n", "bad.csv, line 3: y is empty, not a number."),
    ("x,y\n1,2\n2,inf\n", "bad.csv, line 3: y = inf is not a finite number."),
    ("", "bad.csv: no points found (the file is empty)."),
    ("x,y\n", "bad.csv: no points found (only a header)."),
])
def test_bad_csv_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
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
