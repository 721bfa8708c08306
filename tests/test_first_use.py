"""What a first-time user tripped over (issue 12's follow-up), each as the user would notice it: Ctrl+Right
after a Step click, the starting line off-screen, a one-step loss curve with nothing drawn, an older run
picked but the newest one's result shown, racers' dots that looked like old runs, a progress bar at 0 %
after a step, and buttons that moved when the optimizer changed."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from engine.data.points import PointSet
from gui.kit import number_format as fmt
from tests.timeline_runs import (
    B0,
    W0,
    config_of,
    feed,
    result_of,
    start_race,
    step_records,
    trained_run,
)


def test_ctrl_right_steps_again_after_a_step_button_click(qtbot, window) -> None:
    steps: list[bool] = []
    window.panel.stepRequested.disconnect()
    window.menus.step.triggered.disconnect()
    window.menus.step.triggered.connect(lambda *_: steps.append(True))
    window.panel.stepRequested.connect(lambda: steps.append(True))
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus)
    qtbot.mouseClick(window.panel.step_button, Qt.MouseButton.LeftButton)
    window.panel.set_running(True)  # the step runs: its button is disabled meanwhile
    window.panel.set_running(False)
    assert steps == [True]
    assert window.table.hasFocus(), f"the focus went to {window.focusWidget().objectName()!r}"
    with qtbot.waitSignal(window.menus.step.triggered, timeout=2_000):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert steps == [True, True]


def test_the_starting_line_is_inside_the_data_plot(qtbot, window) -> None:
    run = trained_run(window.runs, 20)
    assert run.initial == (W0, B0)
    window.timeline.select(run)
    window.show_position(0)
    view_box = window.data_plot.view_box

    def line_inside() -> bool:
        (_, _), (y0, y1) = view_box.viewRange()
        return all(y0 <= W0 * x + B0 <= y1 for x in (1.0, 4.0))

    qtbot.waitUntil(line_inside, timeout=2_000)
    (_, _), (y0, y1) = view_box.viewRange()
    assert y0 <= 2.0 and y1 >= 8.0, "the points stay in view too"


def test_a_single_step_shows_a_dot_on_the_loss_plot(qtbot, window) -> None:
    one = trained_run(window.runs, 1)
    curve = window.loss_plot.curves[one.number][0]
    x, y = curve.getData()
    assert curve.opts["symbol"] == "o" and curve.isVisible() and len(x) == 1
    assert y[0] == pytest.approx(math.log10(one.loss_values()[0]))
    plot = window.loss_plot.plot
    qtbot.waitUntil(lambda: plot.isVisible() and plot.width() > 100)
    image = plot.grab().toImage()
    centre = plot.mapFromScene(curve.mapToScene(QPointF(float(x[0]), float(y[0]))))
    colour = QColor(one.color)
    near = [QColor(image.pixel(centre.x() + dx, centre.y() + dy)) for dx in range(-2, 3) for dy in range(-2, 3)]
    assert any(abs(pixel.red() - colour.red()) + abs(pixel.green() - colour.green())
               + abs(pixel.blue() - colour.blue()) < 40 for pixel in near), "the dot is painted in the run's colour"
    long = trained_run(window.runs, 200)
    assert window.loss_plot.curves[long.number][0].opts["symbol"] is None, "a long curve is a line only"


def test_picking_an_older_run_shows_its_result_and_draws_it_bold(qtbot, window) -> None:
    first = trained_run(window.runs, 30, optimizer="sgd")
    second = trained_run(window.runs, 30, optimizer="adam", learning_rate=0.05)
    window.timeline.select(second)  # as after the second run: the newest selected, its result shown
    window.panel.show_result(second.result)
    table = window.runs_panel.table
    rect = table.visualRect(window.runs.index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected_run() is first
    text = window.panel.result_label.text().replace("\u00a0", " ")
    assert f"w = {fmt.number(first.result.weight)}" in text and "30 epochs" in text
    assert fmt.number(second.result.weight) not in text
    alphas = {run.number: window.loss_plot.curves[run.number][0].opts["pen"].color().alpha() for run in (first, second)}
    assert alphas[first.number] > alphas[second.number], alphas  # the selected run drawn opaque, the other faded
    assert window.loss_plot.curves[first.number][0].zValue() > window.loss_plot.curves[second.number][0].zValue()
    assert window.landscape.paths[first.number].opts["pen"].color().alpha() > \
        window.landscape.paths[second.number].opts["pen"].color().alpha()


def test_every_racer_has_the_same_filled_dot_in_its_colour(qtbot, window) -> None:
    points = PointSet.seed()
    racers = start_race(window, points)
    for run in racers:
        feed(run, step_records(run.config, points, 10)[0])
    window._redraw_views()
    styles = window.landscape.dot_styles()
    assert sorted(styles) == sorted((run.color.name(), True, 13.0) for run in racers)
    for run in racers:
        window.runs.finish_run(run, result_of(run))
    assert all(not filled and size < 13 for _, filled, size in window.landscape.dot_styles()), "ended: rings"


def test_while_a_live_run_is_followed_its_line_is_drawn_once(qtbot, window) -> None:
    points = PointSet.seed()
    run = window.runs.start_run(config_of(60))
    run.points = points
    window.session.runStarted.emit(run)
    records, state, end = step_records(run.config, points, 20)
    feed(run, records)
    window._redraw_views()
    own_line = window.data_plot.live_lines[run.number][1]
    latest = run.path.latest
    assert not own_line.isVisible(), "the fitted line already draws the followed run"
    assert window.data_plot.fit() == (latest[1], latest[2])
    assert window.data_plot.live_line_of(run) == (latest[1], latest[2])
    window.timeline_bar.positionMoved.emit(5)  # the user looks back: the live line shows where it is now
    feed(run, step_records(run.config, points, 5, first=21, start=end, state=state)[0])
    window._redraw_views()
    latest = run.path.latest
    assert own_line.isVisible() and window.data_plot.live_line_of(run) == pytest.approx((latest[1], latest[2]))


def test_after_one_step_the_panel_reads_right(qtbot, window) -> None:
    run = trained_run(window.runs, 1)
    window.panel.show_started(1000, "cpu")
    window.panel.show_result(run.result)
    assert window.panel.progress_bar.text() == "100%"
    assert "Completed: 1 epoch in" in window.panel.result_label.text().replace("\u00a0", " ")
    window.panel.show_started(1000, "cpu")
    window.panel.show_result(replace(run.result, epochs_run=1000))
    assert "1,000 epochs" in window.panel.result_label.text()


def test_choosing_adam_moves_no_button(qtbot, window) -> None:
    panel = window.panel
    qtbot.waitUntil(lambda: panel.train_button.isVisible())

    def places() -> list[QPoint]:
        return [button.mapTo(panel, QPoint(0, 0)) for button in (panel.train_button, panel.step_button,
                                                                   panel.race_button)]

    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    qtbot.wait(50)  # no signal says a layout settled; the moved geometry is only visible after it
    before = places()
    for optimizer in ("adam", "momentum", "sgd"):
        panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData(optimizer))
        qtbot.waitUntil(lambda: not panel.layout().geometry().isEmpty())
        panel.layout().activate()
        assert places() == before, optimizer
