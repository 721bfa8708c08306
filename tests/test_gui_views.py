"""The teaching views as a user meets them: the landscape and its paths, the exact answer, residuals,
R², the stable learning rate, the optimizer race and run history, the generator, keyboard point entry,
and the script export."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine.analysis.least_squares import Moments, least_squares
from engine.data.point_generator import GeneratorSpec
from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.trainer import train
from tests.conftest import run_python
from tests.test_gui_training import press_train


def race(qtbot, window) -> list:
    results: list = []
    window.trainingFinished.connect(results.append)
    qtbot.mouseClick(window.panel.race_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(results) == 3 and not window.runner.is_running(), timeout=60_000)
    return results


def test_the_exact_answer_and_the_surface_follow_the_points(qtbot, window) -> None:
    marker = window.landscape.optimum_marker.getData()
    assert (marker[0][0], marker[1][0]) == pytest.approx((2.0, 0.0), abs=1e-12)
    assert window.data_plot.ghost_line.isVisible()
    before = window.panel.stable_rate_label.text()
    assert "Stable below 0.1198" in before

    window.model.setData(window.model.index(3, 1), "10")  # (4, 8) → (4, 10)
    expected_w, expected_b = np.polyfit([1, 2, 3, 4], [2, 4, 6, 10], 1)
    marker = window.landscape.optimum_marker.getData()
    assert (marker[0][0], marker[1][0]) == pytest.approx((expected_w, expected_b), rel=1e-9)
    assert window.data_plot.ghost_line.angle == pytest.approx(np.degrees(np.arctan(expected_w)))
    weights, biases, losses = window.landscape.surface()
    row, column = np.unravel_index(np.argmin(losses), losses.shape)
    step_w, step_b = weights[1] - weights[0], biases[1] - biases[0]
    assert abs(weights[column] - expected_w) <= step_w and abs(biases[row] - expected_b) <= step_b
    window.model.setData(window.model.index(0, 0), "-30")  # a wider x range: a smaller stable rate
    assert window.panel.stable_rate_label.text() != before

    window.ghost_check.setChecked(False)
    assert not window.data_plot.ghost_line.isVisible() and not window.menus.ghost.isChecked()


def test_training_draws_the_path_residuals_r2_and_the_gap(qtbot, window) -> None:
    window.menus.residuals.trigger()
    assert window.residuals_check.isChecked()
    assert window.data_plot.residual_segments() == 0, "no fitted line yet: no residuals"
    result = press_train(qtbot, window)
    run = window.runs.latest()
    path = window.landscape.path_of(run)
    assert path is not None
    assert (path[0][0], path[1][0]) == (result.initial_weight, result.initial_bias)
    assert (path[0][-1], path[1][-1]) == (result.weight, result.bias)
    _, weights, biases = run.path.arrays()
    full_w, full_b = np.concatenate([[result.initial_weight], weights]), np.concatenate([[result.initial_bias], biases])
    assert full_w.size == 1001, "the run keeps every epoch of a short run, plus the start"
    # Drawn: every point in order except one in the same screen pixel as the point before it (the last kept).
    pixel_w, pixel_b = window.landscape.plot.getPlotItem().getViewBox().viewPixelSize()
    cells = np.column_stack([np.floor(full_w / pixel_w), np.floor(full_b / pixel_b)])
    keep = np.concatenate([[True], np.any(cells[1:] != cells[:-1], axis=1)])
    keep[-1] = True
    assert 2 <= path[0].size <= 1001
    np.testing.assert_array_equal(path[0], full_w[keep])
    np.testing.assert_array_equal(path[1], full_b[keep])
    position = window.landscape.position_marker.getData()
    assert (position[0][-1], position[1][-1]) == (result.weight, result.bias)
    assert window.data_plot.residual_segments() == 4
    _, seg_y = window.data_plot.residuals.getData()
    assert seg_y[1] == pytest.approx(result.weight * 1 + result.bias) and seg_y[0] == 2.0

    moments = Moments.of(PointSet.seed())
    r2 = 1 - float(moments.loss(result.weight, result.bias)) / moments.var_y
    assert window.panel.r_squared_label.text() == f"R² = {r2:.6f}"
    gap = window.panel.gap_label.text().replace("\u00a0", " ")
    assert f"|w − w*| = {abs(result.weight - 2.0):.3g}" in gap and f"|b − b*| = {abs(result.bias):.3g}" in gap

    text = window.landscape.hover_text_at(2.0, 0.0)
    shown = dict(part.replace("−", "-").split(" = ") for part in text.split(", "))
    assert float(shown["w"]) == pytest.approx(2.0, abs=1e-3) and float(shown["b"]) == pytest.approx(0.0, abs=1e-3)
    assert float(shown["loss"]) == pytest.approx(float(moments.loss(float(shown["w"]), float(shown["b"]))), rel=1e-3)


def test_an_edit_after_training_keeps_the_run_but_moves_the_answer(qtbot, window) -> None:
    result = press_train(qtbot, window)
    window.model.add_point(5.0, 0.0)
    fit = least_squares(Moments.of_columns(window.model.x(), window.model.y()))
    assert fit is not None
    assert f"y = {fit.weight:.6g}" in window.panel.gap_label.text()
    assert f"{result.weight:.6g}" in window.panel.equation_label.text(), "the trained line is still the one shown"


def test_the_optimizer_race_overlays_three_runs_and_exports_a_table(qtbot, window, tmp_path: Path) -> None:
    window.panel.epochs_spin.setValue(400)
    results = race(qtbot, window)
    assert [run.config.optimizer for run in window.runs.runs] == ["sgd", "momentum", "adam"]
    for run, result in zip(window.runs.runs, results, strict=True):
        expected = train(PointSet.seed(), TrainingConfig(optimizer=run.config.optimizer, epochs=400))
        assert (result.weight, result.bias) == (expected.weight, expected.bias)
        assert window.loss_plot.curve_of(run) is not None and window.landscape.path_of(run) is not None
    assert len(window.loss_plot.legend.items) == 3
    assert window.runs_panel.table.model().rowCount() == 3
    assert "Race 1 finished" in window.statusBar().currentMessage()

    out = tmp_path / "race.csv"
    assert window.exports.export_runs(out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["optimizer"] for row in rows] == ["sgd", "momentum", "adam"]
    assert [float(row["final_loss"]) for row in rows] == [result.final_loss for result in results]
    assert all(float(row["steps_per_s"]) > 0 and row["device"] == "cpu" for row in rows)


def test_a_racer_that_diverges_does_not_end_the_race(qtbot, window) -> None:
    window.panel.learning_rate_spin.setValue(0.5)  # above the stable rate for SGD and momentum, fine for Adam
    window.panel.epochs_spin.setValue(500)
    results = race(qtbot, window)
    assert [result.stop_reason for result in results] == ["diverged", "diverged", "completed"]
    assert window.statusBar().currentMessage() == "Race 1 finished: lowest loss #3 Adam, lr 0.5; 2 diverged (see " \
                                                  "the Runs table)."
    from gui.session.run_history import COLUMNS
    assert window.runs.index(0, COLUMNS.index("Outcome")).data() == "diverged"


def test_unticking_a_run_removes_its_curve_and_path(qtbot, window) -> None:
    race(qtbot, window)
    first = window.runs.runs[0]
    window.runs.setData(window.runs.index(0, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert window.loss_plot.curve_of(first) is None and window.landscape.path_of(first) is None
    assert len(window.loss_plot.legend.items) == 2
    window.runs_panel.findChild(type(window.panel.train_button), "showAllRunsButton").click()
    assert window.loss_plot.curve_of(first) is not None
    window.loss_plot.clear_button.click()
    assert len(window.runs.runs) == 1 and len(window.loss_plot.curves) == 1


def test_stop_during_a_race_ends_the_whole_race(qtbot, window) -> None:
    window.panel.epochs_spin.setValue(50_000_000)
    qtbot.mouseClick(window.panel.race_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > 100, timeout=20_000)
    with qtbot.waitSignal(window.session.busyChanged, timeout=2_000, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(window.panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    assert not window.runner.is_running() and len(window.runs.runs) == 3, "the racers train and stop together"
    assert all(run.result is not None and run.result.stop_reason == "stopped" for run in window.runs.runs)
    # In lockstep each racer drew its own curve while the race ran.
    assert all(window.loss_plot.curve_of(run) is not None for run in window.runs.runs)


def test_clearing_the_history_while_training_keeps_the_live_run(qtbot, window) -> None:
    press_train(qtbot, window)
    window.panel.epochs_spin.setValue(50_000_000)
    qtbot.mouseClick(window.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > 100, timeout=20_000)
    window.runs_panel.findChild(type(window.panel.train_button), "clearHistoryButton").click()
    assert [run.number for run in window.runs.runs] == [2]
    with qtbot.waitSignal(window.trainingFinished, timeout=2_000) as finished:
        window.training.stop_training()
    assert window.runs.runs[0].result is finished.args[0]
    assert window.loss_plot.curve_of(window.runs.runs[0]) is not None


def test_runs_are_saved_in_the_project_and_come_back(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    window.panel.epochs_spin.setValue(300)
    results = race(qtbot, window)
    window.runs.set_shown(window.runs.runs[1], False)
    path = tmp_path / "race.gdsproj"
    assert window.files.save_project_to(path)
    reopened = make_window()
    assert reopened.files.open_project(path)
    assert [run.config.optimizer for run in reopened.runs.runs] == ["sgd", "momentum", "adam"]
    assert [run.result.final_loss for run in reopened.runs.runs] == [result.final_loss for result in results]
    assert [run.shown for run in reopened.runs.runs] == [True, False, True]
    saved_path = reopened.landscape.path_of(reopened.runs.runs[2])
    assert saved_path is not None and saved_path[0][-1] == results[2].weight
    assert reopened.loss_plot.point_count() == 300


def test_generated_points_land_as_one_undoable_step(qtbot, window) -> None:
    window.files.generate_points(GeneratorSpec(count=250, slope=-3, intercept=2, noise=0.1, seed=5))
    assert window.model.rowCount() == 250
    fit = least_squares(Moments.of_columns(window.model.x(), window.model.y()))
    assert fit is not None and fit.weight == pytest.approx(-3, abs=0.05)
    window.menus.undo.trigger()
    assert window.model.rowCount() == 4


def test_generated_points_are_named_x_and_y_again_after_an_import(qtbot, window) -> None:
    window.model.set_column_names(("height_cm", "weight_kg"))
    window.files.generate_points(GeneratorSpec(count=20, slope=1, intercept=0, noise=0.1, seed=1))
    assert window.model.column_names() == ("x", "y"), "new data is not the imported columns"
    window.menus.undo.trigger()
    assert window.model.column_names() == ("height_cm", "weight_kg")


def test_the_generator_dialog_keeps_a_bad_spec_open_with_its_reason(qtbot) -> None:
    from gui.shell.generator_dialog import GeneratorDialog

    dialog = GeneratorDialog()
    qtbot.addWidget(dialog)
    dialog.x_min_spin.setValue(5)
    dialog.x_max_spin.setValue(1)
    dialog.accept()
    assert dialog.result() == 0 and "x range is empty" in dialog.error_label.text()
    dialog.x_max_spin.setValue(9)
    dialog.accept()
    assert dialog.spec_value is not None and dialog.spec_value.x_max == 9


def test_keyboard_only_point_entry_on_the_plot(qtbot, window) -> None:
    plot = window.data_plot
    plot.setFocus()
    qtbot.keyClick(plot, Qt.Key.Key_Right)  # the first arrow shows the crosshair at the view's centre
    assert plot.crosshair.isVisible()
    start = plot.crosshair.pos()
    qtbot.keyClick(plot, Qt.Key.Key_Right)
    qtbot.keyClick(plot, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    moved = plot.crosshair.pos()
    assert moved.x() - start.x() == pytest.approx((x1 - x0) / 40) and moved.y() - start.y() == pytest.approx(
        (y1 - y0) / 400)
    qtbot.keyClick(plot, Qt.Key.Key_Return)
    assert window.model.rowCount() == 5
    pixel_w, pixel_h = plot.view_box.viewPixelSize()  # the point lands where the crosshair is, to the pixel
    assert (window.model.x()[4], window.model.y()[4]) == plot.rounded_to_pixels(moved.x(), moved.y())
    assert abs(window.model.x()[4] - moved.x()) <= pixel_w and abs(window.model.y()[4] - moved.y()) <= pixel_h
    assert window.table.model().data(window.model.index(4, 0)) == f"{window.model.x()[4]:.10g}", "mirrored in the table"
    qtbot.keyClick(plot, Qt.Key.Key_Delete)  # the crosshair is on the new point
    assert window.model.rowCount() == 4
    window.menus.undo.trigger()
    assert window.model.rowCount() == 5


def test_every_control_has_an_accessible_name_and_a_tooltip(window) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox

    def name(control) -> str:  # Qt reads a button's text aloud when it has no accessible name of its own
        return control.accessibleName() or (control.text() if isinstance(control, QAbstractButton) else "")

    kinds = (QAbstractButton, QAbstractSpinBox, QComboBox)
    controls = [control for kind in kinds for control in window.findChildren(kind)
                if control.isVisibleTo(window) and not control.objectName().startswith("qt_")]
    assert len(controls) > 20
    missing = [control.objectName() or name(control) for control in controls
               if not name(control) or not control.toolTip()]
    assert not missing


def test_standardising_makes_a_raw_scale_trainable_and_reports_original_units(qtbot, window) -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(1000, 3000, 50)
    window.model.replace_points(PointSet.from_columns(x, 0.01 * x + 40 + rng.normal(0, 1, 50)), "data")
    fit = least_squares(Moments.of_columns(window.model.x(), window.model.y()))
    raw_bound = window.panel.stable_rate_label.text()
    assert "Stable below 2.3" in raw_bound and "e-07" in raw_bound  # unusable in raw units
    window.panel.standardize_check.setChecked(True)
    assert "Stable below 1 —" in window.panel.stable_rate_label.text()
    window.panel.learning_rate_spin.setValue(0.5)
    window.panel.epochs_spin.setValue(2000)
    result = press_train(qtbot, window)
    assert fit is not None and result.stop_reason == "completed"
    assert result.weight == pytest.approx(fit.weight, rel=1e-4) and result.bias == pytest.approx(fit.bias, rel=1e-4)


def test_export_as_python_script_from_the_menu(qtbot, window, monkeypatch, tmp_path: Path) -> None:
    window.panel.optimizer_combo.setCurrentIndex(window.panel.optimizer_combo.findData("adam"))
    window.panel.learning_rate_spin.setValue(0.05)
    result = press_train(qtbot, window)
    window.model.add_point(100, 100)  # edits after the run: the script still repeats the run
    target = tmp_path / "repeat.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.menus.export_script.trigger()
    completed = run_python(str(target), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    weight, bias = (float(value) for value in re.search(r"y = (\S+)·x \+ (\S+)", completed.stdout).groups())
    assert abs(weight - result.weight) <= 1e-6 and abs(bias - result.bias) <= 1e-6


# --- what the panel, the status line and the table say: the live run's figures, formatted for people --------
def panel_texts(panel) -> tuple[str, str, str, str]:
    return (panel.equation_label.text(), panel.r_squared_label.text(), panel.gap_label.text(),
            panel.result_label.text())


def plain(text: str) -> str:
    """Label text as read aloud: no-break spaces are spaces."""
    return text.replace("\u00a0", " ")


def assert_equation_fits(qtbot, label) -> None:
    """The equation breaks only between "y = w·x" and "± b", each half fits the label's width, and the label
    is tall enough for the lines it needs."""
    metrics, width, text = label.fontMetrics(), label.contentsRect().width(), label.text()
    lines = 1
    if metrics.horizontalAdvance(text) > width:
        assert label.wordWrap(), f"{plain(text)!r} is wider than {width} px and cannot wrap"
        halves = text.split(" ")  # where a wrapping label may break the line
        assert len(halves) == 2 and all(metrics.horizontalAdvance(half) <= width for half in halves), \
            f"{plain(text)!r} in {width} px"
        lines = 2
    qtbot.waitUntil(lambda: label.contentsRect().height() >= lines * metrics.height())


def test_while_a_run_trains_every_figure_in_the_panel_is_its_own(qtbot, window) -> None:
    from engine.analysis.least_squares import r_squared
    from gui.kit import number_format as fmt
    from gui.views.training_panel import NO_LINE

    first = press_train(qtbot, window)
    assert f"w = {fmt.number(first.weight)}" in plain(window.panel.result_label.text())
    window.panel.learning_rate_spin.setValue(0.002)  # a second run whose line differs from the first
    window.panel.epochs_spin.setValue(50_000_000)
    at_start: list[tuple[str, str, str, str]] = []
    live: list[tuple[float, float, tuple[str, str, str, str]]] = []
    window.session.runStarted.connect(lambda _run: at_start.append(panel_texts(window.panel)))
    newest: list[tuple[float, float]] = []  # the newest batch's line, until a frame shows it
    window.session.progress.connect(lambda _run, batch: newest.append((batch.weight, batch.bias)))

    shown: list[tuple[str, str, str, str]] = []

    def on_frame() -> None:
        """Connected after the window's own slot that shows the panel's figures, once the frame's plots have
        painted. The panel updates about four times a second; when it has just shown figures, they must be the
        newest batch's, all of one line. (The run's first frames may still show the cleared panel: its figures
        wait for the four-a-second update.)"""
        texts = panel_texts(window.panel)
        if newest and texts[0] != NO_LINE and (not shown or texts != shown[-1]):
            live.append((*newest[-1], texts))
            newest.clear()
        shown.append(texts)

    window._panel_after_paints.timeout.connect(on_frame)
    qtbot.mouseClick(window.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(live) >= 3, timeout=20_000)
    with qtbot.waitSignal(window.trainingFinished, timeout=5_000) as finished:
        window.training.stop_training()
    assert len(at_start) == 1 and at_start[0][:3] == ("y = w·x + b", "R² = –", ""), at_start
    earlier = f"{fmt.number(first.weight)}"
    assert "training…" in at_start[0][3] and earlier not in at_start[0][3], "nothing of the previous run is shown"
    moments = Moments.of(PointSet.seed())
    for weight, bias, (equation, r2, gap, result) in live:
        assert plain(equation) == fmt.equation(weight, bias)
        assert r2 == f"R² = {fmt.r_squared(r_squared(moments, weight, bias))}"
        assert f"|w − w*| = {fmt.gap(abs(weight - 2.0))}" in plain(gap)
        assert "training…" in result and earlier not in result, result
    second = finished.args[0]
    equation, _, _, result = panel_texts(window.panel)
    assert plain(equation) == fmt.equation(second.weight, second.bias)
    assert f"w = {fmt.number(second.weight)},  b = {fmt.number(second.bias)}" in plain(result)
    assert f"final loss = {fmt.number(second.final_loss)}" in result and "Stopped:" in result


def test_a_run_that_fails_does_not_leave_training_on_show(qtbot, window) -> None:
    press_train(qtbot, window)
    with qtbot.waitSignal(window.session.failed, timeout=60_000):  # the process refuses the run
        window.session.train(window.model.snapshot(), TrainingConfig(device="cuda:7"))
    assert window.panel.result_label.text() == "No result: the run did not finish."
    assert window.panel.equation_label.text() == "y = w·x + b", "nor the line of the run before"


def test_a_diverged_run_reads_the_same_everywhere_and_fits_the_panel(qtbot, window, monkeypatch) -> None:
    from gui.kit import number_format as fmt

    monkeypatch.setattr(window.training, "ask_about_learning_rate", lambda rate, stable: rate)
    window.panel.learning_rate_spin.setValue(1.0)
    result = press_train(qtbot, window)
    assert result.stop_reason == "diverged" and abs(result.weight) > 1e6
    last, first_bad = f"{result.epochs_run:,}", f"{result.epochs_run + 1:,}"
    words = f"diverged at epoch {first_bad}: the loss became infinite; the last finite values (epoch {last}) are shown"
    assert words in result.message
    assert words in window.notices.last_error_box.text() and words in window.panel.status_label.text()
    panel = window.panel
    assert f"Diverged at epoch {first_bad}" in panel.result_label.text()
    assert f"shown: epoch {last}" in plain(panel.result_label.text())
    assert f"last finite loss = {fmt.number(result.final_loss)}" in panel.result_label.text()
    assert re.fullmatch(r"R² = −\d\.?\d?e\+\d\d", panel.r_squared_label.text()), panel.r_squared_label.text()
    assert plain(panel.equation_label.text()) == fmt.equation(result.weight, result.bias)
    assert_equation_fits(qtbot, panel.equation_label)
    window.notices.last_error_box.close()

    axis = window.loss_plot.plot.getPlotItem().getAxis("left")
    assert axis.autoSIPrefixScale == 1.0 and "x1e" not in axis.labelString(), "no factor pulled out of the axis"
    low, high = window.loss_plot.plot.getPlotItem().getViewBox().viewRange()[1]
    assert low <= np.log10(result.loss_history.min()) and np.log10(result.final_loss) <= high
    values = [value for _spacing, ticks in axis.tickValues(low, high, 300) for value in ticks]
    labels = axis.tickStrings(values, axis.autoSIPrefixScale, 1.0)
    read = [tick_value(label) for label in labels]
    assert read == pytest.approx([10.0 ** value for value in values], rel=1e-6), "each tick reads as its loss"
    assert max(read) >= 1e20, labels


def tick_value(label: str) -> float:
    """A log-axis tick label as a number: "1", "0.01", "10⁻⁵", "2·10³⁰"."""
    if not any(digit in label for digit in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
        return float(label)
    mantissa, _, power = label.rpartition("10")
    return float(mantissa.rstrip("·") or 1) * 10.0 ** int(power.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻",
                                                                                         "0123456789-")))


def test_a_negative_bias_reads_as_a_subtraction_in_the_status_line_and_the_panel(qtbot, window) -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    window.model.replace_points(PointSet.from_columns(x, 2 * x - 90.7264), "data")
    window.panel.standardize_check.setChecked(True)
    window.panel.learning_rate_spin.setValue(0.5)
    result = press_train(qtbot, window)
    assert result.bias == pytest.approx(-90.7264, rel=1e-5)
    message = window.statusBar().currentMessage()
    assert message.startswith("Training completed: y = 2·x − 90.72") and "-" not in message.split("loss")[0]
    assert plain(window.panel.equation_label.text()).startswith("y = 2·x − 90.72")
    assert "Exact: y = 2·x − 90.7264" in window.panel.gap_label.text()
    text = window.landscape.hover_text_at(2.0, -90.0)
    assert "b = −90" in text, text


def test_the_runs_table_shows_numbers_as_the_panel_does(qtbot) -> None:
    from engine.training.results import TrainingResult
    from gui.session.run_history import COLUMNS, RunHistoryModel

    runs = RunHistoryModel()
    history = np.array([])
    result = TrainingResult(weight=np.nan, bias=np.nan, final_loss=np.nan, loss_history=history, epochs_run=0,
                            stop_reason="diverged", device="cpu", elapsed_s=0.0123456789)
    runs.add_finished(TrainingConfig(learning_rate=0.05), result)
    shown = {name: runs.index(0, column).data() for column, name in enumerate(COLUMNS)}
    assert shown["Final loss"] == "–" and shown["Learning rate"] == "0.05" and shown["Wall time (s)"] == "0.0123"


def test_screenshots_of_a_normal_a_standardised_and_a_diverged_run(qtbot, window, monkeypatch) -> None:
    """Saved under test-artifacts/ to be looked at; each asserts that the equation fits at both sizes."""
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    monkeypatch.setattr(window.training, "ask_about_learning_rate", lambda rate, stable: rate)
    for name, learning_rate, standardize in (("normal", 0.01, False), ("standardised", 0.1, True),
                                             ("diverged", 1.0, False)):
        window.panel.learning_rate_spin.setValue(learning_rate)
        window.panel.standardize_check.setChecked(standardize)
        press_train(qtbot, window)
        if window.notices.last_error_box is not None and window.notices.last_error_box.isVisible():
            window.notices.last_error_box.close()
        for width, height in ((1400, 900), (1024, 768)):
            window.resize(width, height)
            qtbot.waitUntil(lambda w=width, h=height: (window.width(), window.height()) == (w, h))
            assert_equation_fits(qtbot, window.panel.equation_label)
            path = artifacts / f"{name}-{width}x{height}.png"
            assert window.grab().save(str(path)) and path.stat().st_size > 10_000


def test_the_panel_shows_every_setting_a_config_allows(window) -> None:
    """A project may carry any valid setting; the panel must show it as it is, never clamp or crash."""
    from engine.training.config import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_LEARNING_RATE, MAX_SEED

    for config in (TrainingConfig(seed=MAX_SEED, epochs=MAX_EPOCHS, batch_size=MAX_BATCH_SIZE,
                                  learning_rate=MAX_LEARNING_RATE),
                   TrainingConfig(seed=0, epochs=1, batch_size=1, learning_rate=1e-6)):
        window.panel.set_config(config)
        assert window.panel.config() == config


def test_an_enormous_value_is_refused_in_the_cell_not_a_crash(qtbot, window) -> None:
    """x = 1e200 is finite, and the table took it: the landscape's framing then overflowed into an exception
    on every redraw, and training read it as a divergence at epoch 1."""
    messages: list[str] = []
    window.model.editRejected.connect(messages.append)
    assert not window.model.setData(window.model.index(0, 0), "1e200")
    assert window.model.x()[0] == 1.0, "the cell keeps its value"
    assert messages == ["Row 1, x: '1e200' is too large to train on: training uses 32-bit numbers, which end at "
                        "about 3.4e+38; the cell keeps its value."]
    window.table.paste_text("2e39\t1\n")
    assert window.model.rowCount() == 4 and 2e39 not in window.model.x()
