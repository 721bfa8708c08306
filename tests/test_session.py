"""The training session and the document without a window: what they hold and what they emit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.data.point_generator import GeneratorSpec
from engine.data.points import PointSet
from engine.errors import DataError
from engine.training.config import TrainingConfig
from engine.training.optimizers import RACED
from engine.training.trainer import train


@pytest.fixture
def parts(qtbot):
    """A points model, a runs model, a session and a document, as the window builds them (no widgets)."""
    from gui.session.document import Document
    from gui.session.points_model import PointsTableModel
    from gui.session.run_history import RunHistoryModel
    from gui.session.training_session import TrainingSession

    points = PointsTableModel(PointSet.seed())
    runs = RunHistoryModel()
    session = TrainingSession(runs)
    document = Document(points, session)
    yield points, runs, session, document
    assert session.shutdown(), "the training process outlived the session"
    assert not session.runner.is_alive()


def record(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args[0] if len(args) == 1 else args))
    return seen


def test_a_run_streams_then_finishes_with_what_the_engine_computes(qtbot, parts) -> None:
    points, runs, session, _document = parts
    config = TrainingConfig(epochs=200)
    started, batches, busy = record(session.runStarted), record(session.progress), record(session.busyChanged)
    messages = record(session.message)
    with qtbot.waitSignal(session.runFinished, timeout=60_000) as finished:
        assert session.train(points.snapshot(), config)
        assert not session.train(points.snapshot(), config), "a second Train while one runs starts nothing"
    result = finished.args[0]
    expected = train(PointSet.seed(), config)
    assert (result.weight, result.bias) == (expected.weight, expected.bias)
    np.testing.assert_array_equal(result.loss_history, expected.loss_history)
    assert busy == [True, False]
    assert [run.number for run in started] == [1] and runs.runs == started
    assert runs.runs[0].result is result and session.last_result is result and session.live_run is None
    assert batches and batches[-1][0] is runs.runs[0] and int(batches[-1][1].epochs[-1]) == 200
    assert runs.runs[0].trace.steps_run == 200 and len(runs.runs[0].trace) == 201
    epochs, weights, _biases = runs.runs[0].path.arrays()
    assert int(epochs[-1]) == 200 and weights[-1] == result.weight, "the run's path reaches its last step"
    assert session.current_line() == (result.weight, result.bias)
    assert messages and messages[-1].startswith("Training completed: y = ")
    assert session.unsaved_result


def test_a_race_runs_every_optimizer_in_lockstep_then_reports_the_best(qtbot, parts) -> None:
    points, runs, session, _document = parts
    busy, finished, running = record(session.busyChanged), record(session.runFinished), record(session.runningChanged)
    with qtbot.waitSignal(session.message, timeout=120_000) as summary:
        assert session.race(points.snapshot(), TrainingConfig(epochs=300, learning_rate=0.01))
    assert [run.config.optimizer for run in runs.runs] == list(RACED)
    assert {run.race for run in runs.runs} == {1}
    assert len(finished) == len(RACED)
    assert busy == [True, False], "the views stream through the whole race, not racer by racer"
    assert running == [True, False], "the racers train together, in one job"
    for run in runs.runs:
        assert run.result is not None and run.result.epochs_run == 300
        assert (run.result.weight, run.result.bias) == (lambda alone: (alone.weight, alone.bias))(
            train(PointSet.seed(), TrainingConfig(epochs=300, optimizer=run.config.optimizer)))
    best = min(runs.runs, key=lambda run: run.result.final_loss if run.result else np.inf)
    assert summary.args[0] == f"Race 1 finished: lowest loss {best.label}."


def test_stop_ends_the_run_and_the_race(qtbot, parts) -> None:
    points, runs, session, _document = parts
    session.runner.prepare()
    qtbot.waitSignal(session.runner.devicesReady, timeout=60_000).wait()
    with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
        session.race(points.snapshot(), TrainingConfig(epochs=50_000_000))
        qtbot.waitUntil(lambda: len(runs.runs[0].path.arrays()[0]) > 0, timeout=30_000)
        session.stop()
    assert len(runs.runs) == len(RACED), "the racers trained together and stop together"
    for run in runs.runs:
        assert run.result is not None and run.result.stop_reason == "stopped"
        assert 0 < run.result.epochs_run < 50_000_000
    epochs = {run.result.epochs_run for run in runs.runs if run.result is not None}
    assert max(epochs) - min(epochs) <= 1, "in lockstep: no racer ran ahead"


def test_step_takes_one_step_of_the_same_run_and_continue_goes_on_from_there(qtbot, parts) -> None:
    """Epochs = 5, Step three times, then Continue: one run, one row, its optimizer state kept, equal to the
    same run trained in one go."""
    points, runs, session, _document = parts
    config = TrainingConfig(epochs=5, optimizer="momentum")
    finished = record(session.runFinished)
    for expected_steps in (1, 2, 3):
        with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
            assert session.step(points.snapshot(), config)
        assert finished[-1].epochs_run == expected_steps and finished[-1].stop_reason == "completed"
        assert len(runs.runs) == 1 and runs.runs[0].trace.steps_run == expected_steps
    alone = train(PointSet.seed(), TrainingConfig(epochs=3, optimizer="momentum"))
    assert (finished[-1].weight, finished[-1].bias) == (alone.weight, alone.bias)
    assert session.can_continue()
    with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
        assert session.continue_training(5)
    result = finished[-1]
    whole = train(PointSet.seed(), TrainingConfig(epochs=8, optimizer="momentum"))
    assert (result.weight, result.bias) == (whole.weight, whole.bias) and result.epochs_run == 8
    np.testing.assert_array_equal(result.loss_history, whole.loss_history)
    run = runs.runs[0]
    assert len(runs.runs) == 1 and run.result is result and run.trace.steps_run == 8
    assert run.loss_values().size == 8


def test_step_after_the_settings_changed_starts_a_new_run(qtbot, parts) -> None:
    points, runs, session, _document = parts
    for config in (TrainingConfig(epochs=5), TrainingConfig(epochs=5, learning_rate=0.02)):
        with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
            assert session.step(points.snapshot(), config)
    assert len(runs.runs) == 2 and [run.trace.steps_run for run in runs.runs] == [1, 1]
    points.setData(points.index(0, 1), "3")  # an edited point: the next Step starts over too
    with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
        assert session.step(points.snapshot(), TrainingConfig(epochs=5, learning_rate=0.02))
    assert len(runs.runs) == 3


def test_a_diverged_run_is_reported_with_a_rate_that_converges(qtbot, parts) -> None:
    points, _runs, session, _document = parts
    with qtbot.waitSignal(session.diverged, timeout=60_000) as diverged:
        session.train(points.snapshot(), TrainingConfig(learning_rate=5.0, epochs=1000))
    result = diverged.args[0]
    assert result.stop_reason == "diverged" and result.suggested_learning_rate is not None
    assert result.suggested_learning_rate < 5.0


def test_document_save_open_and_the_modified_state(qtbot, parts, tmp_path: Path) -> None:
    points, runs, session, document = parts
    changes = record(document.changed)
    assert not document.is_modified() and document.display_name() == "Untitled"
    points.add_point(5.0, 10.5)
    assert document.is_modified() and changes, "an edit marks the document modified and says so"
    with qtbot.waitSignal(session.runFinished, timeout=60_000):
        session.train(points.snapshot(), TrainingConfig(epochs=100, seed=4))
    trained_steps = runs.runs[0].trace.records()
    path = tmp_path / "fit.gdsproj"
    document.save(path, TrainingConfig(epochs=100, seed=4))
    assert not document.is_modified() and document.display_name() == "fit.gdsproj"
    assert document.folder() == tmp_path

    loaded = record(document.loaded)
    document.new(TrainingConfig(epochs=7))
    assert document.path is None and points.rowCount() == 4 and runs.runs == []
    assert loaded[-1].config.epochs == 7 and session.last_result is None

    project = document.open(path)
    assert document.path == path and not document.is_modified()
    assert points.x().tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert [run.config.seed for run in runs.runs] == [4] and loaded[-1] is project
    assert session.last_result is not None and session.last_result.epochs_run == 100
    reopened = runs.runs[0].trace
    assert len(reopened) == 101 and reopened.params_at(0) == (session.last_result.initial_weight,
                                                               session.last_result.initial_bias)
    np.testing.assert_array_equal(reopened.records().gradients, trained_steps.gradients)  # replay survives
    points.undo_stack.undo()
    assert points.rowCount() == 5, "an opened document starts with no undo history"


def test_a_bad_file_leaves_the_document_as_it_was(parts, tmp_path: Path) -> None:
    points, _runs, _session, document = parts
    points.add_point(9.0, 9.0)
    bad = tmp_path / "broken.gdsproj"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match=r"broken\.gdsproj"):
        document.open(bad)
    assert document.path is None and document.is_modified() and points.rowCount() == 5
    csv = tmp_path / "bad.csv"
    csv.write_text("x,y\n1,2\n3\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3"):
        document.import_points(csv)
    assert points.rowCount() == 5


def test_import_and_generate_are_one_undo_step_each(parts, seed_csv: Path) -> None:
    points, _runs, _session, document = parts
    replaced = record(document.pointsReplaced)
    document.generate(GeneratorSpec(count=50, slope=1.5, intercept=-1, noise=0.2, seed=2))
    assert points.rowCount() == 50 and points.undo_stack.undoText() == "Generate 50 points"
    document.import_points(seed_csv)
    assert points.rowCount() == 4 and points.undo_stack.undoText() == f"Import {seed_csv.name}"
    points.undo_stack.undo()
    assert points.rowCount() == 50
    document.clear_points()
    assert points.rowCount() == 0
    assert len(replaced) == 2


def test_step_after_the_runs_were_cleared_starts_a_new_run(qtbot, parts) -> None:
    """Runs ▸ Clear forgets the stepped run: Step starts over instead of advancing a run nobody sees."""
    points, runs, session, _document = parts
    for _ in range(2):
        with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
            assert session.step(points.snapshot(), TrainingConfig(epochs=5))
    runs.clear()
    assert not session.can_continue()
    with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
        assert session.step(points.snapshot(), TrainingConfig(epochs=5))
    assert len(runs.runs) == 1 and runs.runs[0].trace.steps_run == 1


def test_the_runs_table_counts_a_live_runs_epochs_while_it_trains(qtbot, parts) -> None:
    points, runs, session, _document = parts
    session.set_pace(200.0)
    epochs_column = 4
    seen: list[int] = []
    runs.dataChanged.connect(lambda *_: seen.append(int(runs.data(runs.index(0, epochs_column)) or 0)))
    with qtbot.waitSignal(session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
        session.train(points.snapshot(), TrainingConfig(epochs=300))
    growing = [value for value in seen if 0 < value < 300]
    assert len(growing) >= 3 and growing == sorted(growing), seen
