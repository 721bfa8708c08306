"""Step traces in project files (engine/files/project_trace.py): a saved run comes back with every kept step
exactly, so "Replay any run" works for a run opened from a file; an older file opens with no trace; a bad
trace is refused naming the file and the field."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.files import project_file
from engine.files.project_file import load_project, save_project
from engine.files.project_trace import MAX_TRACE_ROWS
from engine.training.step_trace import StepRecords, StepTrace
from tests.project_samples import make_project, make_records, make_trace, v2_document, write_json
from tests.test_project_files import FUZZ, _outcome, npy, npy_with_header, refusal, rewrite

INTS, FLOATS = "runs/0/trace_ints.npy", "runs/0/trace_floats.npy"
FIELDS = [field.name for field in dataclasses.fields(StepRecords)]


def assert_same(got: StepRecords | None, want: StepRecords) -> None:
    assert got is not None
    for name in FIELDS:
        a, b = getattr(got, name), getattr(want, name)
        if not isinstance(b, np.ndarray):  # a line's trace: no wide block
            assert a == b, name
            continue
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), name


@pytest.fixture
def traced(tmp_path: Path) -> Path:
    path = tmp_path / "fit.gdsproj"
    save_project(make_project(traced=True), path)
    return path


def tables(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        return (np.load(archive.open(INTS), allow_pickle=False).copy(),
                np.load(archive.open(FLOATS), allow_pickle=False).copy())


# --- what Save writes comes back ----------------------------------------------------------------------------
def test_every_trace_column_comes_back_exactly(traced: Path) -> None:
    project = make_project(traced=True)
    with zipfile.ZipFile(traced) as archive:
        document = json.loads(archive.read("project.json"))
    assert document["runs"][0]["trace"] == {"ints": INTS, "floats": FLOATS}
    ints, floats = tables(traced)
    assert ints.shape == (10, 3) and ints.dtype == np.int64 and floats.shape == (10, 16)

    first, empty = load_project(traced).runs
    assert project.runs[0].trace is not None and project.runs[1].trace is not None
    assert_same(first.trace, project.runs[0].trace)
    assert_same(empty.trace, project.runs[1].trace)  # a run that diverged before its first step
    replay = StepTrace()
    assert first.trace is not None
    replay.extend(first.trace)
    assert replay.params_at(0) == (-0.0075, 0.5364) and replay.record(10) is not None


def test_a_thinned_trace_round_trips_the_steps_it_kept(tmp_path: Path) -> None:
    trace = make_trace(100, capacity=8)
    assert trace.stride > 1
    project = make_project()
    project.runs[0].trace = trace.records()
    save_project(project, tmp_path / "thinned.gdsproj")
    loaded = load_project(tmp_path / "thinned.gdsproj").runs[0].trace
    assert_same(loaded, trace.records())
    assert loaded is not None and loaded.steps.tolist() == [1, 17, 33, 49, 65, 81, 97, 100]
    reopened = StepTrace(capacity=8)
    reopened.extend(loaded)
    assert np.array_equal(reopened.step_numbers(), trace.step_numbers())
    for got, want in zip(reopened.columns(), trace.columns(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_full_length_trace_round_trips(tmp_path: Path) -> None:
    records = make_records(MAX_TRACE_ROWS)
    project = make_project()
    project.runs[0].trace = records
    save_project(project, tmp_path / "long.gdsproj")
    assert_same(load_project(tmp_path / "long.gdsproj").runs[0].trace, records)


def test_files_without_traces_open_with_none(traced: Path, tmp_path: Path) -> None:
    save_project(make_project(), tmp_path / "plain.gdsproj")  # as version 3 was written before traces
    assert [run.trace for run in load_project(tmp_path / "plain.gdsproj").runs] == [None, None]
    with zipfile.ZipFile(traced) as archive:
        document = json.loads(archive.read("project.json"))
    for run in document["runs"]:
        del run["trace"]
    assert [run.trace for run in load_project(rewrite(traced, document=document)).runs] == [None, None]
    assert load_project(write_json(tmp_path / "v2.gdsproj", v2_document())).runs[0].trace is None


def test_traces_beyond_the_budget_drop_from_the_oldest_run(tmp_path: Path, monkeypatch) -> None:
    project = make_project()
    project.runs[0].trace, project.runs[1].trace = make_records(10), make_records(20)
    monkeypatch.setattr(project_file, "TRACE_BYTES_BUDGET", 25 * 152)
    save_project(project, tmp_path / "budget.gdsproj")
    older, newer = load_project(tmp_path / "budget.gdsproj").runs
    assert older.trace is None and newer.trace is not None and len(newer.trace) == 20


def test_a_fortran_ordered_table_is_read_in_its_order(traced: Path) -> None:
    _, floats = tables(traced)
    loaded = load_project(rewrite(traced, members={FLOATS: npy(np.asfortranarray(floats))})).runs[0].trace
    assert_same(loaded, make_records(10))


# --- what opening refuses -------------------------------------------------------------------------------------
def _int_edit(column: int, row: int, value: int):
    def edit(ints: np.ndarray, floats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ints[row, column] = value
        return ints, floats
    return edit


def _float_edit(column: int, row: int, value: float):
    def edit(ints: np.ndarray, floats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        floats[row, column] = value
        return ints, floats
    return edit


BAD_TRACES = [
    (_int_edit(0, 0, 0), "runs[0].trace.steps[0]: expected a step number ≥ 1, got 0."),
    (_int_edit(0, 4, 4), "runs[0].trace.steps[4]: expected step numbers in increasing order, got 4 after 4."),
    (_int_edit(0, 9, 2), "runs[0].trace.steps[9]: expected step numbers in increasing order, got 2 after 9."),
    (_int_edit(1, 0, 0), "runs[0].trace.epochs[0]: expected an epoch ≥ 1, got 0."),
    (_int_edit(1, 5, 1), "runs[0].trace.epochs[5]: expected epochs that never decrease, got 1 after 3."),
    (_int_edit(2, 3, 0), "runs[0].trace.batch_sizes[3]: expected a batch size ≥ 1, got 0."),
    (_int_edit(2, 3, 10**11), "runs[0].trace.batch_sizes[3]: expected a batch size ≤ 50,000,000"),
    (_float_edit(0, 2, np.nan), "runs[0].trace.losses[2]: expected a finite number, got nan."),
    (_float_edit(0, 2, -1.0), "runs[0].trace.losses[2]: expected a finite number ≥ 0, got -1.0."),
    (_float_edit(1, 7, np.inf), "runs[0].trace.before[7][0]: expected a finite number, got inf."),
    (_float_edit(4, 1, -np.inf), "runs[0].trace.after[1][1]: expected a finite number, got -inf."),
    (_float_edit(5, 3, np.nan), "runs[0].trace.trained_before[3][0]"),
    (_float_edit(8, 3, np.nan), "runs[0].trace.trained_after[3][1]"),
    (_float_edit(10, 6, np.inf), "runs[0].trace.gradients[6][1]: expected a finite number, got inf."),
    (_float_edit(14, 9, np.nan), "runs[0].trace.states[9][3]: expected a finite number, got nan."),
    (_float_edit(15, 0, np.nan), "runs[0].trace.learning_rates[0]: expected a finite number, got nan."),
    (_float_edit(15, 0, 0.0), "runs[0].trace.learning_rates[0]: expected a finite number > 0, got 0.0."),
    (lambda ints, floats: (ints, floats[:9]), "runs[0].trace.floats: member runs/0/trace_floats.npy has 9 rows; "
                                              "expected 10."),
    (lambda ints, floats: (ints, floats[:, :15]), "runs[0].trace.floats: member runs/0/trace_floats.npy holds "
                                                  "float64 values of shape (10, 15); expected a 2-D array of 16"),
    (lambda ints, floats: (ints.astype(np.int32), floats), "runs[0].trace.ints: member runs/0/trace_ints.npy holds "
                                                           "int32 values"),
    (lambda ints, floats: (ints[:, 0].copy(), floats), "runs[0].trace.ints: member runs/0/trace_ints.npy holds int64 "
                                                       "values of shape (10,); expected a 2-D array of 3 columns"),
    (lambda ints, floats: (ints, floats.astype(">f8")), "holds big-endian float64 values"),
]


@pytest.mark.parametrize(("edit", "expected"), BAD_TRACES, ids=[expected[:44] for _, expected in BAD_TRACES])
def test_a_bad_trace_field_is_refused_naming_the_field(traced: Path, edit, expected: str) -> None:
    ints, floats = edit(*tables(traced))
    message = refusal(rewrite(traced, members={INTS: npy(ints), FLOATS: npy(floats)}))
    assert message.startswith(f"{traced}: ") and expected in message, message


def test_a_trace_longer_than_a_run_keeps_is_refused(traced: Path) -> None:
    steps = np.arange(1, MAX_TRACE_ROWS + 2, dtype=np.int64)
    ints = np.column_stack([steps, steps, np.ones_like(steps)])
    message = refusal(rewrite(traced, members={INTS: npy(ints)}))
    assert f"runs[0].trace.ints: has {MAX_TRACE_ROWS + 1:,} rows; at most {MAX_TRACE_ROWS:,} are allowed." in message
    bigger = np.vstack([ints, ints[:200]])
    assert "runs[0].trace.ints: member runs/0/trace_ints.npy declares" in refusal(rewrite(traced,
                                                                                          members={INTS: npy(bigger)}))


def _trace_document(traced: Path, value: Any) -> Any:
    with zipfile.ZipFile(traced) as archive:
        document = json.loads(archive.read("project.json"))
    document["runs"][0]["trace"] = value
    return document


@pytest.mark.parametrize(("value", "expected"), [
    ({"ints": INTS}, 'runs[0].trace: the field "floats" is missing.'),
    ({"ints": INTS, "floats": "../x.npy"}, "runs[0].trace.floats: expected the name of a .npy member"),
    ({"ints": INTS, "floats": "runs/5/trace_floats.npy"}, "runs[0].trace.floats: the file has no member "
                                                          "runs/5/trace_floats.npy."),
    ([1, 2], "runs[0].trace: expected an object or null, got a list of 2 values."),
])
def test_a_bad_trace_entry_is_refused_naming_the_field(traced: Path, value: Any, expected: str) -> None:
    assert expected in refusal(rewrite(traced, document=_trace_document(traced, value)))


@settings(max_examples=100, **FUZZ)
@given(member=st.sampled_from([INTS, FLOATS]), header=st.builds(
    lambda descr, order, shape: f"{{'descr': {descr!r}, 'fortran_order': {order}, 'shape': {shape}, }}".encode(),
    st.sampled_from(["<f8", "<i8", ">i8", "|O", "V8"]), st.booleans(),
    st.tuples(st.integers(-2, 12), st.integers(-2, 17)) | st.tuples(st.integers(-2, 2**64)) | st.just(())),
    data=st.binary(max_size=1400))
def test_any_trace_header_gives_a_project_or_one_data_error(traced: Path, member: str, header: bytes,
                                                           data: bytes) -> None:
    _outcome(rewrite(traced, members={member: npy_with_header(header, data)}))
