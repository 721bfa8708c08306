"""The timeline: the slider shows one step of the selected run everywhere, read back from what pyqtgraph
holds (the line and the line before the step, the dot and both arrows, the loss cursor); several live runs
draw at once; a live run is followed until the user moves away; replay plays a finished run at its pace."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, Qt

from engine.data.points import PointSet
from engine.data.scaling import Standardizer
from engine.training.step_trace import StepTrace
from gui.session.replay_clock import ReplayClock
from tests.timeline_runs import config_of, feed, result_of, start_race, step_records, trained_run


def arrow_ends(arrow) -> tuple[float, float, float, float]:
    x, y = arrow.line.getData()
    assert arrow.line.isVisible() and x is not None
    return float(x[0]), float(y[0]), float(x[1]), float(y[1])


def shown_line(window) -> tuple[float, float]:
    fit = window.data_plot.fit()
    assert fit is not None and window.data_plot.fit_line.isVisible()
    return fit


def before_line(window) -> tuple[float, float]:
    line = window.data_plot.before_line
    assert line.isVisible()
    return float(np.tan(np.radians(line.angle))), float(line.pos().y())


def key(qtbot, window, which: Qt.Key) -> int:
    slider = window.timeline_bar.slider
    slider.setFocus()
    qtbot.keyClick(slider, which)
    return slider.value()


def test_a_slider_position_shows_that_step_in_every_view(qtbot, window) -> None:
    run = trained_run(window.runs, 30, optimizer="sgd")
    window.timeline.select(run)
    trace = run.trace
    assert window.selected_run() is run and window.timeline_bar.slider.maximum() == 30
    assert key(qtbot, window, Qt.Key.Key_Home) == 0
    assert shown_line(window) == trace.params_at(0) == run.initial
    assert not window.data_plot.before_line.isVisible() and not window.landscape.step_overlay.step.line.isVisible()
    assert window.loss_plot.step_cursor.value() == 0
    for expected, press in ((1, Qt.Key.Key_Right), (2, Qt.Key.Key_Right), (1, Qt.Key.Key_Left)):
        assert key(qtbot, window, press) == expected
    record = trace.record(1)
    assert record is not None
    assert shown_line(window) == pytest.approx(trace.params_at(1), rel=1e-12)
    assert before_line(window) == pytest.approx(record.before, rel=1e-12)
    overlay = window.landscape.step_overlay
    assert arrow_ends(overlay.step) == (*record.before, *record.after)
    lr, (gw, gb) = record.learning_rate, record.gradient
    assert arrow_ends(overlay.gradient) == pytest.approx((*record.before, record.before[0] - lr * gw,
                                                          record.before[1] - lr * gb), rel=1e-12)
    x, y = overlay.marker.getData()
    assert (x[0], y[0]) == trace.params_at(1)
    assert window.loss_plot.step_cursor.isVisible() and window.loss_plot.step_cursor.value() == record.epoch
    assert window.timeline_bar.label.text() == f"#{run.number} · step 1 of 30 · epoch 1"
    assert key(qtbot, window, Qt.Key.Key_PageUp) > 1  # a page of steps
    assert key(qtbot, window, Qt.Key.Key_End) == 30
    assert shown_line(window) == (run.result.weight, run.result.bias)
    if window.step_details is not None:
        assert "30" in window.step_details.plain_text()


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_the_step_taken_differs_from_the_plain_gradient_step(qtbot, window, optimizer: str) -> None:
    run = trained_run(window.runs, 20, optimizer=optimizer)
    window.show_position(12)
    record = run.trace.record(12)
    overlay = window.landscape.step_overlay
    step, gradient = arrow_ends(overlay.step), arrow_ends(overlay.gradient)
    assert step[:2] == gradient[:2] == record.before
    assert step[2:] == record.after
    assert np.hypot(step[2] - gradient[2], step[3] - gradient[3]) > 0.1 * np.hypot(step[2] - step[0],
                                                                                     step[3] - step[1])
    assert overlay.legend.isVisible()


def test_a_standardised_runs_gradient_arrow_is_in_the_users_units(qtbot, window) -> None:
    run = trained_run(window.runs, 10, optimizer="adam", standardize=True, learning_rate=0.1)
    window.show_position(4)
    record = run.trace.record(4)
    scaler = Standardizer.fitted_to(PointSet.seed())
    tw, tb = record.trained_before
    lr, (gw, gb) = record.learning_rate, record.gradient
    expected = scaler.to_original(tw - lr * gw, tb - lr * gb)  # where plain GD in the scaled space lands
    ends = arrow_ends(window.landscape.step_overlay.gradient)
    assert ends[:2] == record.before
    assert ends[2:] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert arrow_ends(window.landscape.step_overlay.step) == (*record.before, *record.after)


def test_three_live_runs_draw_at_once_and_the_timeline_follows_the_newest(qtbot, window) -> None:
    points = PointSet.seed()
    racers = start_race(window, points)
    states: dict[int, tuple] = {}
    for first in (1, 11):
        for run in racers:
            start, state = states.get(run.number, (None, None))
            records, state, end = step_records(run.config, points, 10, first=first, start=start, state=state)
            states[run.number] = (end, state)
            feed(run, records)
        window._redraw_views()  # a frame
        for run in racers:
            latest = run.path.latest
            assert window.data_plot.live_line_of(run) == pytest.approx((latest[1], latest[2]), rel=1e-12)
            w, b = window.landscape.path_of(run)
            assert (w[-1], b[-1]) == (latest[1], latest[2]) and w.size == first + 10
            _, y = window.loss_plot.curve_of(run)
            np.testing.assert_array_equal(y, run.live_losses.view())
        colours = {window.data_plot.live_lines[run.number][1].pen.color().name() for run in racers}
        assert colours == {run.color.name() for run in racers}
        dots = window.landscape.position_marker.getData()
        assert len(dots[0]) == 3
        newest = racers[-1]
        assert window.selected_run() is newest and window.timeline.position() == len(newest.trace) - 1
        qtbot.waitUntil(lambda: "training" in window.timeline_bar.label.text(), timeout=2000)  # within 0.25 s
    assert not window.timeline_bar.play_button.isEnabled(), "a live run is not replayed"


def test_moving_away_stops_following_and_end_follows_again(qtbot, window) -> None:
    points = PointSet.seed()
    run = window.runs.start_run(config_of(60))
    run.points = points
    window.session.runStarted.emit(run)
    records, state, end = step_records(run.config, points, 20)
    feed(run, records)
    window._redraw_views()
    assert window.timeline_bar.slider.value() == 20
    assert key(qtbot, window, Qt.Key.Key_Left) == 19
    feed(run, step_records(run.config, points, 20, first=21, start=end, state=state)[0])
    window._redraw_views()
    assert window.timeline_bar.slider.value() == 19 and window.timeline_bar.slider.maximum() == 40
    assert shown_line(window) == run.trace.params_at(19)
    # While a run plays the label changes at most four times a second; the newest text always follows.
    qtbot.waitUntil(lambda: "of 40" in window.timeline_bar.label.text(), timeout=2000)
    assert key(qtbot, window, Qt.Key.Key_End) == 40
    assert window.timeline.is_following()
    window.runs.finish_run(run, result_of(run))
    assert window.timeline_bar.play_button.isEnabled()
    assert "training" not in window.timeline_bar.label.text()


def test_a_thinned_trace_keeps_the_step_shown_and_says_so(qtbot, window) -> None:
    points = PointSet.seed()
    run = window.runs.start_run(config_of(64))
    run.points = points
    run.trace = StepTrace(capacity=16)
    window.session.runStarted.emit(run)
    records, state, end = step_records(run.config, points, 16)
    feed(run, records)
    window._redraw_views()
    window.timeline_bar.positionMoved.emit(9)  # the user's move: step 9
    feed(run, step_records(run.config, points, 48, first=17, start=end, state=state)[0])
    window._redraw_views()
    assert run.trace.stride == 4
    record = run.trace.record(window.timeline.position())
    assert record is not None and record.step == 9, "the step shown stays the step shown"
    assert "every 4th step kept" in window.timeline_bar.label.text()


def test_a_row_click_in_the_runs_table_selects_that_run(qtbot, window) -> None:
    first = trained_run(window.runs, 30, optimizer="sgd")
    second = trained_run(window.runs, 30, optimizer="adam")
    window.timeline.select(second)
    table = window.runs_panel.table
    rect = table.visualRect(window.runs.index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected_run() is first
    assert shown_line(window) == (first.result.weight, first.result.bias)
    assert window.data_plot.fit_line.pen.color().name() == first.color.name()
    assert window.timeline_bar.slider.maximum() == 30


def test_a_run_opened_from_a_file_without_steps_shows_its_line(qtbot, window) -> None:
    run = trained_run(window.runs, 10)
    bare = window.runs.add_finished(run.config, run.result)
    window.timeline.select(bare)
    assert not window.timeline_bar.slider.isEnabled() and not window.timeline_bar.play_button.isEnabled()
    assert shown_line(window) == (run.result.weight, run.result.bias)
    assert "no steps kept" in window.timeline_bar.label.text()


def test_play_replays_from_the_slider_to_the_end_at_the_pace(qtbot, window) -> None:
    run = trained_run(window.runs, 300)
    window.timeline.pace = lambda: 1000.0
    window.show_position(100)
    seen: list[int] = []
    window.timeline.positionShown.connect(lambda _run, position: seen.append(position))
    clock = QElapsedTimer()
    clock.start()
    with qtbot.waitSignal(window.timeline.clock.playingChanged, timeout=5000,
                          check_params_cb=lambda playing: not playing):
        window.timeline_bar.play_button.click()
        assert window.timeline_bar.play_button.text() == "Pause"
    assert clock.elapsed() >= 150, "200 steps at 1000 steps/s take 0.2 s"
    assert seen[0] == 100 and seen[-1] == 300 and seen == sorted(seen) and len(seen) > 3
    assert window.timeline_bar.slider.value() == 300 and window.timeline_bar.play_button.text() == "Play"
    assert shown_line(window) == (run.result.weight, run.result.bias)


def test_the_replay_clock_maps_time_through_the_kept_step_numbers(qtbot) -> None:
    clock = ReplayClock()
    steps = np.array([0, 1, 5, 9, 13, 17])  # a thinned trace: every 4th step after the first
    clock.play(steps, 1, pace=4.0)
    assert clock.position_after(0.0) == 1
    assert clock.position_after(0.99) == 1 and clock.position_after(1.0) == 2  # step 5 after a second
    assert clock.position_after(100.0) == 5
    clock.set_pace(0.0)  # Max: the whole run in about two seconds
    assert clock.steps_per_second() == pytest.approx(17 / 2.0)
    clock.stop()
    clock.play(steps, 5, pace=float("nan"))  # from the end: starts over; a bad pace is Max
    assert clock.position_after(0.0) == 0 and clock.steps_per_second() == pytest.approx(8.5)
    clock.stop()


def test_the_label_keeps_up_with_a_playing_run_at_most_four_times_a_second(qtbot) -> None:
    """Each new label text lays the window out again: while a run plays it changes at most every 0.25 s,
    and the newest text always arrives; a user's move shows at once."""
    from gui.views.timeline_bar import TICKING_TEXT_INTERVAL_S, TimelineBar

    bar = TimelineBar()
    qtbot.addWidget(bar)
    bar.show()
    shown: list[str] = []
    bar.set_text("step 1", ticking=True)
    shown.append(bar.label.text())
    for step in range(2, 30):  # a frame's worth apart, well within the interval
        bar.set_text(f"step {step}", ticking=True)
        shown.append(bar.label.text())
    assert set(shown) == {"step 1"}, "ticking texts wait for the interval"
    qtbot.waitUntil(lambda: bar.label.text() == "step 29", timeout=int(TICKING_TEXT_INTERVAL_S * 1000 * 20))
    assert bar.text() == "step 29" and bar.label.toolTip() == "step 29"
    bar.set_text("step 30", ticking=True)
    bar.set_text("step 12")  # the user moved the slider: no wait
    assert bar.label.text() == "step 12"
    qtbot.wait(round(TICKING_TEXT_INTERVAL_S * 2000))
    assert bar.label.text() == "step 12", "a pending ticking text never overwrites a later move"


def test_the_landscape_widens_to_keep_a_live_path_in_view_after_a_zoom(qtbot, window) -> None:
    """Each frame checks only the new points of the path against the view; a zoom by the user makes the
    next frame check the whole path again. Either way every point drawn stays on screen."""
    points = PointSet.seed()
    run = window.runs.start_run(config_of(120))  # plain SGD: each step goes on beyond the path so far
    run.points = points
    window.session.runStarted.emit(run)
    start, state = None, None
    landscape = window.landscape
    view_box = landscape.plot.getPlotItem().getViewBox()
    outside_once = False
    for chunk in range(12):
        records, state, start = step_records(run.config, points, 10, first=chunk * 10 + 1, start=start, state=state)
        feed(run, records)
        (w0, w1), (b0, b1) = view_box.viewRange()
        w, b = landscape._path_arrays(run)
        outside_once |= bool(w.min() < w0 or w.max() > w1 or b.min() < b0 or b.max() > b1)
        window._redraw_views()
        w, b = landscape.path_of(run)
        (w0, w1), (b0, b1) = view_box.viewRange()
        assert w0 <= w.min() and w.max() <= w1 and b0 <= b.min() and b.max() <= b1, chunk
        if chunk in (3, 7):  # the user zooms in to just the path so far; the next steps leave that view
            view_box.setRange(xRange=(w.min(), w.max()), yRange=(b.min(), b.max()), padding=0)
            if chunk == 7:
                landscape._widen_for(run)  # a frame that looks at it unchanged: the next looks at new points only
    assert outside_once, "the path never left the view: nothing was tested"
