"""Property tests: whatever text is pasted and whatever bytes a file holds, reading points gives a PointSet
or one DataError that says where; never another exception, never a number numpy guessed at."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.data.csv_io import parse_csv_text, read_csv
from engine.data.points import MAX_MAGNITUDE, PointSet
from engine.errors import DataError

# Each property runs in well under 15 s on the 2-core CI machine.
EXAMPLES = 400
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces CSV is made of, so that most examples get past the header and into the numbers; and the
# characters that broke parsers before: CR, underscores, non-ASCII digits, control characters, quotes.
TOKENS = st.sampled_from([
    "x", "y", ",", ";", "\t", " ", "\n", "\r\n", "\r", "#", '"', "1", "-2.5", "3e4", ".5", "7.", "+8", "1e999",
    "nan", "inf", "-Infinity", "1_0", "\u0663", "\uff13", "\x0c", "\x00", "\x1c", "\u00a0", "\u2028", "\ufeff",
    "é", "0x1", "e", "--1", "",
])
CSV_LIKE = st.lists(TOKENS, max_size=60).map("".join)
ANY_TEXT = st.one_of(CSV_LIKE, st.text(max_size=200))
TRAINABLE = st.floats(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE)  # what the app can train on
CSV_ROWS = st.lists(st.tuples(TRAINABLE, TRAINABLE), min_size=2, max_size=30)


def outcome(text: str, for_fitting: bool) -> PointSet | str:
    """The points, or the error message: anything else escapes and fails the property."""
    try:
        points = parse_csv_text(text, source="fuzz.csv", for_fitting=for_fitting)
    except DataError as error:
        message = str(error)
        assert message.startswith("fuzz.csv") and "\n" not in message
        if error.line is not None:
            assert message.startswith(f"fuzz.csv, line {error.line}: ")
            assert 1 <= error.line <= text.count("\n") + text.count("\r") + 1
        return message
    assert bool(all(math.isfinite(value) for pair in points.pairs() for value in pair))
    return points


@FUZZ
@given(ANY_TEXT, st.booleans())
@example("x,y\r1,2\r3,4\r", True)
@example("1_0,2\n3,4\n", True)
@example("x,y\n1,2\n3,\x0c4\n", True)
def test_any_text_gives_points_or_one_data_error(text: str, for_fitting: bool) -> None:
    outcome(text, for_fitting)


@FUZZ
@given(CSV_LIKE)
@example("x,y\n1,2\n3,4\x1c\n")
@example("1 2\n3 4\x0b\n")
def test_numpys_fast_path_accepts_exactly_what_the_strict_reader_accepts(text: str) -> None:
    """A non-ASCII comment at the end sends the text down the strict line-by-line reader; the points or the
    error must be the same as numpy's."""
    fast = outcome(text, for_fitting=False)
    strict = outcome(text + "\n# é", for_fitting=False)
    assert fast == strict


@FUZZ
@given(CSV_ROWS, st.sampled_from([",", ";", "\t", " "]), st.sampled_from(["\n", "\r\n", "\r"]))
def test_written_numbers_read_back_exactly_with_any_separator_and_line_end(
        rows: list[tuple[float, float]], separator: str, ending: str) -> None:
    text = ending.join(f"{x!r}{separator}{y!r}" for x, y in rows) + ending
    points = parse_csv_text(text, for_fitting=False)
    assert points.pairs() == rows


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.one_of(st.binary(max_size=300), CSV_LIKE.map(lambda text: text.encode("utf-8", "surrogatepass"))))
@example(b"x,y\n1,2\n3,\xe94\n")
@example(b"\xef\xbb\xbf\xef\xbb\xbfx,y\n1,2\n3,4\n")  # two BOMs
def test_any_bytes_in_a_file_give_points_or_one_data_error_naming_the_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(data)
        try:
            read_csv(path, for_fitting=False)
        except DataError as error:
            assert str(error).startswith(f"{path}") and error.path == str(path)
            assert "\n" not in str(error)
