"""The loss plot draws what was computed: the data handed to pyqtgraph, what pyqtgraph maps for display and
the view's range are read back and compared with the run's loss history, on both axes, while a run streams,
after it, and in a reopened project."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.training.config import TrainingConfig
from engine.training.results import TrainingResult
from gui.kit.decimated_curve import DecimatedCurve
from tests.test_gui_training import press_train


def drawn(plot, run) -> tuple[np.ndarray, np.ndarray]:
    """The x and y the loss plot handed to pyqtgraph for `run`."""
    x, y = plot.curves[run.number][0].getOriginalDataset()
    assert x is not None and y is not None, f"run #{run.number} has no curve"
    return x, y


def y_view(plot) -> tuple[float, float]:
    """The loss range the view shows, in losses (not in pyqtgraph's log10 units)."""
    low, high = plot.plot.getPlotItem().getViewBox().viewRange()[1]
    return (10.0 ** low, 10.0 ** high) if plot.log_scale.isChecked() else (low, high)


def assert_drawn_as_computed(plot, run) -> None:
    """Every loss of `run` reaches the screen: the curve ends at the final loss, holds the lowest and the
    highest, and the view's range holds them too."""
    history = run.result.loss_history
    x, y = drawn(plot, run)
    where = f"run #{run.number}, {'log' if plot.log_scale.isChecked() else 'linear'} axis"
    assert x[-1] == history.size and y[-1] == history[-1] == run.result.final_loss, where
    assert y.min() == history.min() and y.max() == history.max(), where
    if history.size <= 1000:  # short runs are drawn point for point
        np.testing.assert_array_equal(y, history, err_msg=where)
    _, shown = plot.curves[run.number][0].getData()  # after pyqtgraph's own log mapping
    shown = 10.0 ** shown if plot.log_scale.isChecked() else shown
    assert shown.min() == pytest.approx(history.min(), rel=1e-9), where
    low, high = y_view(plot)
    assert low <= history.min() and history.max() <= high, f"{where}: view {low:g}…{high:g}"


@pytest.mark.parametrize(("standardize", "learning_rate", "epochs"), [
    (True, 0.1, 1000), (True, 0.1, 200), (False, 0.05, 300)])  # the shorter runs arrive in two batches
def test_a_finished_run_is_drawn_down_to_its_final_loss_on_both_axes(qtbot, window, standardize: bool,
                                                                     learning_rate: float, epochs: int) -> None:
    window.panel.standardize_check.setChecked(standardize)
    window.panel.learning_rate_spin.setValue(learning_rate)
    window.panel.epochs_spin.setValue(epochs)
    # A frame after every batch, as on a machine where the frame timer fires between them: the timing of
    # the tester's flat curve, made certain.
    window.session.progress.connect(lambda _run, _batch: window.loss_plot.redraw())
    result = press_train(qtbot, window)
    run = window.runs.runs[-1]
    assert result.stop_reason == "completed" and run.result is result
    if standardize:
        assert result.final_loss < 1e-10, "the tester's case: the loss falls a dozen decades in one batch"
    else:
        assert result.final_loss < 1e-2 * result.loss_history[0], "the loss falls a few decades"
    plot = window.loss_plot
    assert_drawn_as_computed(plot, run)
    plot.log_scale.setChecked(False)
    assert_drawn_as_computed(plot, run)
    plot.log_scale.setChecked(True)
    assert_drawn_as_computed(plot, run)


def test_every_frame_of_a_streaming_run_shows_every_loss_received(qtbot, window, monkeypatch) -> None:
    received: list[np.ndarray] = []
    window.session.progress.connect(lambda _run, batch: received.append(np.array(batch.losses)))
    plot = window.loss_plot
    frames: list[str] = []
    wrong: list[str] = []
    redraw = plot.redraw

    def checked_redraw() -> None:
        redraw()
        if plot.live is None or plot.live_run is None or not received:
            return
        losses = np.concatenate(received)
        x, y = drawn(plot, plot.live_run)
        frames.append(f"{losses.size} epochs")
        if not (x[-1] == losses.size and y[-1] == losses[-1] and y.min() == losses.min()):
            wrong.append(f"frame {len(frames)}: drawn down to {y.min():g}, ending at {y[-1]:g} (epoch {x[-1]:g}); "
                         f"received down to {losses.min():g}, ending at {losses[-1]:g} (epoch {losses.size})")

    monkeypatch.setattr(plot, "redraw", checked_redraw)
    window.panel.standardize_check.setChecked(True)
    window.panel.learning_rate_spin.setValue(0.1)
    window.panel.epochs_spin.setValue(60_000)
    press_train(qtbot, window)
    assert len(frames) >= 2, "the run streamed over several frames"
    assert not wrong, wrong[:3]
    assert_drawn_as_computed(plot, window.runs.runs[-1])


def test_a_reopened_project_draws_each_run_as_computed(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    window.panel.epochs_spin.setValue(100)
    press_train(qtbot, window)  # a loss that stops near 0.01 ...
    window.panel.standardize_check.setChecked(True)
    window.panel.learning_rate_spin.setValue(0.1)
    window.panel.epochs_spin.setValue(1000)
    press_train(qtbot, window)  # ... then one that falls to 1e-14: drawn after the first, on its axis
    path = tmp_path / "two runs.gdsproj"
    assert window.files.save_project_to(path)
    reopened = make_window()
    assert reopened.files.open_project(path)
    runs = reopened.runs.runs
    assert [run.result.final_loss for run in runs] == [run.result.final_loss for run in window.runs.runs]
    for log in (True, False, True):
        reopened.loss_plot.log_scale.setChecked(log)
        for run in runs:
            assert_drawn_as_computed(reopened.loss_plot, run)


def finished_run(runs, losses: list[float]):
    history = np.array(losses)
    result = TrainingResult(weight=2.0, bias=0.0, final_loss=float(history[-1]), loss_history=history,
                            epochs_run=history.size, stop_reason="completed", device="cpu", elapsed_s=0.1)
    return runs.add_finished(TrainingConfig(), result)


def test_a_loss_of_exactly_zero_is_drawn_inside_the_log_axis(qtbot) -> None:
    from gui.session.run_history import RunHistoryModel
    from gui.views.loss_plot import LossPlotWidget

    runs = RunHistoryModel()
    plot = LossPlotWidget(runs)
    qtbot.addWidget(plot)
    first = finished_run(runs, [10.0, 1.0, 0.1])
    second = finished_run(runs, [5.0, 1e-3, 1e-6, 0.0, 0.0])
    _, y = drawn(plot, second)
    np.testing.assert_array_equal(y[:3], [5.0, 1e-3, 1e-6], err_msg="positive losses are drawn as they are")
    zero_at = y[3]
    assert 0 < zero_at < 1e-6 and (y[3:] == zero_at).all()
    low, high = y_view(plot)
    assert low < zero_at and high >= 10.0, "the zeros sit inside the view, below the lowest loss"
    np.testing.assert_array_equal(drawn(plot, first)[1], [10.0, 1.0, 0.1])
    plot.log_scale.setChecked(False)
    np.testing.assert_array_equal(drawn(plot, second)[1], [5.0, 1e-3, 1e-6, 0.0, 0.0])
    assert y_view(plot)[0] <= 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e300), min_size=1, max_size=3000),
       st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=20), st.integers(2, 64))
def test_decimation_keeps_the_extremes_and_the_newest_loss(values: list[float], cuts: list[int],
                                                           max_blocks: int) -> None:
    losses = np.array(values)
    curve = DecimatedCurve(max_blocks=max_blocks)
    start = 0
    for cut in [*cuts, losses.size]:  # batches of any size, as the training process sends them
        curve.extend(losses[start:start + cut])
        start += cut
        if start >= losses.size:
            break
    x, y = curve.arrays()
    assert x[-1] == losses.size and y[-1] == losses[-1]
    assert y.min() == losses.min() and y.max() == losses.max()
    assert (np.diff(x) > 0).all() and np.isin(x, np.arange(1, losses.size + 1)).all()
    np.testing.assert_array_equal(y, losses[x.astype(int) - 1], err_msg="every drawn point is an epoch's loss")


def test_a_falling_live_loss_keeps_its_axis_for_several_decades_and_ends_fitted_tightly(qtbot) -> None:
    """A loss converging geometrically crosses a decade every few tenths of a second; each new range lays the
    axis out again. While the run trains the view makes room below the loss, so it changes only every few
    decades, and every frame still shows every loss; once the run ends the view fits the losses again."""
    from gui.session.run_history import RunHistoryModel
    from gui.views.loss_plot import LIVE_LOG_ROOM, LossPlotWidget

    runs = RunHistoryModel()
    plot = LossPlotWidget(runs)
    qtbot.addWidget(plot)
    run = runs.start_run(TrainingConfig(epochs=3000))
    plot.start_run(run, 3000)
    losses = 10.0 * 0.9 ** np.arange(3000)  # a decade every ~22 epochs
    ranges = []
    for start in range(0, 600, 2):  # frames of two epochs: down to ~1e-26
        run.live_losses.extend(losses[start:start + 2])
        plot.redraw()
        ranges.append(tuple(plot.plot.getPlotItem().getViewBox().viewRange()[1]))
        low, high = y_view(plot)
        assert low <= losses[:start + 2].min() and losses[:start + 2].max() <= high, f"frame {len(ranges)}"
    decades = np.log10(losses[0]) - np.log10(losses[599])
    changes = sum(1 for before, after in itertools.pairwise(ranges) if before != after)
    assert changes <= decades / (LIVE_LOG_ROOM + 1) + 2, f"{changes} new ranges for {decades:.0f} decades"
    history = losses[:600]
    result = TrainingResult(weight=2.0, bias=0.0, final_loss=float(history[-1]), loss_history=history,
                            epochs_run=history.size, stop_reason="completed", device="cpu", elapsed_s=0.1)
    runs.finish_run(run, result)
    plot.finish_run(run)
    bottom, top = plot.plot.getPlotItem().getViewBox().viewRange()[1]
    span = np.ceil(np.log10(history.max())) - np.floor(np.log10(history.min()))
    assert (top - bottom) == pytest.approx(span * 1.04, rel=0.01), "fitted to whole decades (2 % padding each side)"
