"""Point edits as plain data, without Qt: every edit's inverse restores the columns bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data.point_edits import (
    InsertPoints,
    MovePoint,
    PointEdit,
    RemoveRows,
    ReplacePoints,
    SetValue,
)
from engine.errors import DataError

X = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
Y = np.array([2.0, 4.0, 6.0, 8.0, 10.0, -0.0])


def bits(column: np.ndarray) -> np.ndarray:
    """The exact bit patterns: -0.0 differs from 0.0 and every NaN payload counts."""
    assert column.dtype == np.float64 and column.ndim == 1
    return np.ascontiguousarray(column).view(np.uint64)


def assert_same(actual: tuple[np.ndarray, np.ndarray], expected: tuple[np.ndarray, np.ndarray]) -> None:
    assert np.array_equal(bits(actual[0]), bits(expected[0])), (actual[0], expected[0])
    assert np.array_equal(bits(actual[1]), bits(expected[1])), (actual[1], expected[1])


def round_trip(edit: PointEdit, x: np.ndarray = X, y: np.ndarray = Y) -> tuple[np.ndarray, np.ndarray]:
    """Apply `edit`, check its inverse restores x and y exactly and leaves the inputs untouched."""
    before = (x.copy(), y.copy())
    new_x, new_y, inverse = edit.apply(x, y)
    assert_same((x, y), before)
    back_x, back_y, again = inverse.apply(new_x, new_y)
    assert_same((back_x, back_y), before)
    assert_same(again.apply(back_x, back_y)[:2], (new_x, new_y))
    return new_x, new_y


def test_set_value_round_trips_and_names_the_cell() -> None:
    assert round_trip(SetValue(2, 1, 7.5))[1].tolist() == [2.0, 4.0, 7.5, 8.0, 10.0, -0.0]
    assert round_trip(SetValue(5, 1, 0.0))[1][5] == 0.0
    assert SetValue(2, 0, 1.0).text == "Edit x of point 3"
    assert SetValue(0, 1, 1.0).text == "Edit y of point 1"


def test_set_value_passes_the_other_column_through() -> None:
    new_x, new_y, _ = SetValue(0, 0, 9.0).apply(X, Y)
    assert new_y is Y and new_x is not X


@pytest.mark.parametrize("row", [0, 3, 6], ids=["start", "middle", "end"])
def test_insert_round_trips_at_start_middle_and_end(row: int) -> None:
    new_x, new_y = round_trip(InsertPoints(row, np.array([10.0, 11.0]), np.array([20.0, 21.0])))
    assert new_x[row:row + 2].tolist() == [10.0, 11.0] and new_y[row:row + 2].tolist() == [20.0, 21.0]
    assert new_x.size == 8


def test_insert_texts() -> None:
    assert InsertPoints(0, [1.0], [2.0]).text == "Add point"
    assert InsertPoints(0, [1.0, 2.0], [2.0, 3.0]).text == "Add points"
    assert InsertPoints(0, [1.0], [2.0], "Paste 1 point").text == "Paste 1 point"


def test_insert_inverse_is_a_contiguous_removal() -> None:
    _, _, inverse = InsertPoints(2, [7.0, 8.0, 9.0], [0.0, 0.0, 0.0]).apply(X, Y)
    assert isinstance(inverse, RemoveRows) and inverse.rows.tolist() == [2, 3, 4] and inverse.contiguous


@pytest.mark.parametrize("rows", [[0], [5], [1, 2, 3], [0, 2, 5], [4, 0, 1], [1, 3, 3], [0, 1, 2, 3, 4, 5]])
def test_remove_round_trips_contiguous_and_scattered_rows(rows: list[int]) -> None:
    new_x, _ = round_trip(RemoveRows(rows))
    assert new_x.tolist() == [v for i, v in enumerate(X.tolist()) if i not in rows]


def test_undoing_a_scattered_removal_reinserts_at_the_old_rows() -> None:
    new_x, new_y, inverse = RemoveRows([4, 0, 2]).apply(X, Y)
    assert isinstance(inverse, InsertPoints) and inverse.rows is not None
    assert inverse.rows.tolist() == [0, 2, 4] and inverse.xs.tolist() == [1.0, 3.0, 5.0]
    assert inverse.apply(new_x, new_y)[0].tolist() == X.tolist()
    _, _, contiguous = RemoveRows([2, 3]).apply(X, Y)
    assert isinstance(contiguous, InsertPoints) and contiguous.rows is None and contiguous.row == 2


def test_remove_texts() -> None:
    assert RemoveRows([3]).text == "Delete point"
    assert RemoveRows([0, 2, 4]).text == "Delete 3 points"
    assert RemoveRows([1, 1]).text == "Delete point", "a row named twice is deleted once"


def test_move_round_trips_and_a_drag_merges_into_one_move() -> None:
    assert round_trip(MovePoint(1, 2.5, 5.0, drag_id=7))[0][1] == 2.5
    first, later = MovePoint(1, 2.2, 4.4, 7), MovePoint(1, 2.5, 5.0, 7)
    merged = first.merge(later)
    assert merged == later and merged.text == "Move point 2"
    assert first.merge(MovePoint(1, 3.0, 3.0, drag_id=8)) is None, "another drag"
    assert first.merge(MovePoint(2, 3.0, 3.0, drag_id=7)) is None, "another point"
    assert first.merge(SetValue(1, 0, 3.0)) is None
    # The whole drag applied step by step, undone by the inverse of its first step only.
    x1, y1, inverse = first.apply(X, Y)
    x2, y2, _ = later.apply(x1, y1)
    assert_same(inverse.apply(x2, y2)[:2], (X, Y))
    assert_same(merged.apply(X, Y)[:2], (x2, y2))


def test_replace_round_trips_and_keeps_the_callers_text() -> None:
    new_x, new_y = round_trip(ReplacePoints(np.array([0.5]), np.array([1.5]), "Import data.csv"))
    assert (new_x.tolist(), new_y.tolist()) == ([0.5], [1.5])
    round_trip(ReplacePoints(np.array([]), np.array([]), "Clear all points"))
    assert ReplacePoints([], [], "Generate 100 points").text == "Generate 100 points"


def test_edits_never_write_into_arrays_and_hold_read_only_ones() -> None:
    xs = np.array([1.0, 2.0])
    edit = InsertPoints(0, xs, xs)
    xs[0] = 99.0
    assert edit.xs.tolist() == [1.0, 2.0], "a writable array handed over is copied"
    new_x = SetValue(0, 0, 5.0).apply(X, Y)[0]
    assert not new_x.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        new_x[0] = 1.0


@pytest.mark.parametrize("edit", [SetValue(6, 0, 1.0), SetValue(-1, 1, 1.0), MovePoint(6, 0.0, 0.0, 1),
                                  MovePoint(-1, 0.0, 0.0, 1), InsertPoints(7, [1.0], [1.0]),
                                  InsertPoints(-1, [1.0], [1.0]), RemoveRows([6]), RemoveRows([-1, 2]),
                                  InsertPoints(0, [1.0, 2.0], [1.0, 2.0], rows=[0, 8])],
                         ids=repr)
def test_a_row_out_of_range_is_a_data_error(edit: PointEdit) -> None:
    with pytest.raises(DataError, match="out of range"):
        edit.apply(X, Y)


def test_bad_shapes_are_data_errors() -> None:
    with pytest.raises(DataError, match="x has 6 values but y has 5"):
        SetValue(0, 0, 1.0).apply(X, Y[:5])
    with pytest.raises(DataError, match="x has 6 values but y has 5"):
        ReplacePoints([1.0], [2.0]).apply(X, Y[:5])
    with pytest.raises(DataError):
        InsertPoints(0, [1.0, 2.0], [1.0])
    with pytest.raises(DataError):
        ReplacePoints([1.0, 2.0], [1.0])
    with pytest.raises(DataError):
        SetValue(0, 2, 1.0)
    with pytest.raises(DataError):
        InsertPoints(0, [1.0, 2.0], [1.0, 2.0], rows=[3, 3])
    with pytest.raises(DataError, match="out of range"):
        SetValue(0, 0, 1.0).apply(np.array([]), np.array([]))


def test_a_million_points_scattered_removal_is_undone_exactly() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=1_000_000), rng.normal(size=1_000_000)
    rows = rng.choice(x.size, size=200_000, replace=False)
    new_x, new_y, inverse = RemoveRows(rows).apply(x, y)
    assert new_x.size == 800_000
    assert_same(inverse.apply(new_x, new_y)[:2], (x, y))


# --- random sequences of edits -------------------------------------------------------------------------
values = st.floats(allow_nan=True, allow_infinity=True, width=64)


@st.composite
def edit_for(draw: st.DrawFn, size: int) -> PointEdit:
    """Any edit that applies to `size` points."""
    kinds = ["insert", "replace"] + (["set", "move", "remove"] if size else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "set":
        return SetValue(draw(st.integers(0, size - 1)), draw(st.integers(0, 1)), draw(values))
    if kind == "move":
        return MovePoint(draw(st.integers(0, size - 1)), draw(values), draw(values), draw(st.integers(0, 2)))
    if kind == "remove":
        return RemoveRows(draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=size)))
    count = draw(st.integers(0 if kind == "replace" else 1, 5))
    xs, ys = draw(st.lists(values, min_size=count, max_size=count)), draw(st.lists(values, min_size=count,
                                                                                   max_size=count))
    if kind == "replace":
        return ReplacePoints(xs, ys, "Replace")
    return InsertPoints(draw(st.integers(0, size)), xs, ys)


@settings(max_examples=200, deadline=None)
@given(start=st.lists(st.tuples(values, values), max_size=8), data=st.data())
def test_random_edits_undone_in_reverse_restore_the_columns_and_redo_repeats_them(
        start: list[tuple[float, float]], data: st.DataObject) -> None:
    x = np.array([p[0] for p in start], dtype=np.float64)
    y = np.array([p[1] for p in start], dtype=np.float64)
    states, inverses = [(x, y)], []
    for _ in range(data.draw(st.integers(1, 12))):
        edit = data.draw(edit_for(int(x.size)))
        x, y, inverse = edit.apply(x, y)
        states.append((x, y))
        inverses.append(inverse)
    redos = []
    for inverse, expected in zip(reversed(inverses), reversed(states[:-1]), strict=True):
        x, y, redo = inverse.apply(x, y)
        assert_same((x, y), expected)
        redos.append(redo)
    for redo, expected in zip(reversed(redos), states[1:], strict=True):
        x, y, _ = redo.apply(x, y)
        assert_same((x, y), expected)
