"""Training, stopping, closing, projects and export from the window, as a user does them."""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.trainer import train
from tests.conftest import run_python
from tests.seed_script import plain_seed_loop

LONG_RUN = 50_000_000


def press_train(qtbot, window, timeout: int = 60_000):
    with qtbot.waitSignal(window.trainingFinished, timeout=timeout) as finished:
        qtbot.mouseClick(window.panel.train_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def start_long_run(qtbot, window) -> None:
    window.panel.epochs_spin.setValue(LONG_RUN)
    qtbot.mouseClick(window.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > 100, timeout=20_000)


def test_train_with_defaults_matches_the_plain_script(qtbot, window) -> None:
    weight, bias, _ = plain_seed_loop([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    result = press_train(qtbot, window)
    assert result.stop_reason == "completed" and result.epochs_run == 1000
    assert abs(result.weight - weight) <= 1e-6 and abs(result.bias - bias) <= 1e-6
    drawn = window.loss_plot.curve_of(window.runs.latest())
    assert drawn is not None and drawn[0][-1] == 1000 and drawn[1][-1] == pytest.approx(result.final_loss)
    assert window.loss_plot.point_count() == 1000
    assert f"{weight:.6g}" in window.panel.equation_label.text()
    assert window.data_plot.fit_line.isVisible()
    assert window.panel.train_button.isEnabled() and not window.panel.stop_button.isEnabled()


def test_edits_during_training_do_not_change_that_run(qtbot, window) -> None:
    window.panel.epochs_spin.setValue(200_000)
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000) as finished:
        window.training.start_training()
        window.model.replace_points(PointSet.from_columns([0, 1], [5, 5]), "edit while training")
    expected = train(PointSet.seed(), TrainingConfig(epochs=200_000))
    assert finished.args[0].weight == expected.weight and finished.args[0].bias == expected.bias


def test_stop_ends_a_long_run_quickly(qtbot, window) -> None:
    start_long_run(qtbot, window)
    with qtbot.waitSignal(window.trainingFinished, timeout=1_000) as finished:
        qtbot.mouseClick(window.panel.stop_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.stop_reason == "stopped" and 0 < result.epochs_run < LONG_RUN
    assert np.isfinite([result.weight, result.bias]).all()


def test_pause_holds_and_resume_continues(qtbot, window) -> None:
    start_long_run(qtbot, window)
    qtbot.mouseClick(window.panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.wait(150)
    held = window.loss_plot.point_count()
    qtbot.wait(300)
    assert window.loss_plot.point_count() == held, "no epochs while paused"
    assert window.panel.pause_button.text() == "Resume"
    qtbot.mouseClick(window.panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > held, timeout=5_000)
    with qtbot.waitSignal(window.trainingFinished, timeout=2_000):
        window.menus.stop.trigger()


def test_closing_mid_training_stops_and_waits_for_the_thread(qtbot, make_window) -> None:
    window = make_window()
    start_long_run(qtbot, window)
    process = window.runner._process
    thread = window.runner._thread
    window.close()
    assert not window.isVisible()
    assert thread.isFinished(), "the window closed before its reader thread ended"
    assert not process.is_alive() and process.exitcode == 0, "the training process quit cleanly"


def test_divergence_says_why_and_offers_the_stable_rate(qtbot, window, monkeypatch) -> None:
    asked: list[tuple[float, float]] = []

    def train_anyway(rate: float, stable: float) -> float:
        asked.append((rate, stable))
        return rate

    monkeypatch.setattr(window.training, "ask_about_learning_rate", train_anyway)
    window.panel.learning_rate_spin.setValue(1.0)
    assert "too large" in window.panel.stable_rate_label.text()
    result = press_train(qtbot, window)
    assert asked and asked[0][0] == 1.0 and asked[0][1] == pytest.approx(0.119756, rel=1e-5), "warned before training"
    assert result.stop_reason == "diverged" and np.isfinite([result.weight, result.bias]).all()
    assert "stable only below a learning rate of 0.1198" in window.panel.status_label.text()
    box = window.notices.last_error_box
    assert box is not None and "overshoots" in box.text()
    offer = box.findChild(QPushButton, "useStableRateButton")
    assert offer is not None and offer.text() == "Use learning rate 0.1"
    offer.click()
    assert window.panel.learning_rate_spin.value() == 0.1
    assert "is stable" in window.panel.stable_rate_label.text()
    assert press_train(qtbot, window).stop_reason == "completed"


def test_a_rate_above_the_bound_is_questioned_and_cancel_trains_nothing(qtbot, window, monkeypatch) -> None:
    monkeypatch.setattr(window.training, "ask_about_learning_rate", lambda rate, stable: None)
    window.panel.learning_rate_spin.setValue(0.5)
    assert not window.training.start_training()
    assert not window.runner.is_running() and not window.runs.runs


def test_a_crashed_training_process_becomes_a_dialog_and_the_app_stays_usable(qtbot, window) -> None:
    start_long_run(qtbot, window)
    os.kill(window.runner.child_pid(), signal.SIGKILL)
    qtbot.waitUntil(lambda: window.notices.last_error_box is not None and window.notices.last_error_box.isVisible(),
                    timeout=10_000)
    assert "stopped unexpectedly" in window.notices.last_error_box.text()
    assert window.panel.train_button.isEnabled() and window.model.rowCount() == 4
    window.notices.last_error_box.accept()
    window.panel.epochs_spin.setValue(1000)
    assert press_train(qtbot, window).stop_reason == "completed"


def test_an_engine_error_in_the_process_becomes_a_dialog(qtbot, window) -> None:
    window.runner.start(window.model.snapshot(), TrainingConfig(device="cuda:7"))
    qtbot.waitUntil(lambda: window.notices.last_error_box is not None, timeout=60_000)
    assert "Device 'cuda:7' is not available" in window.notices.last_error_box.text()
    assert not window.runner.is_running()


def test_too_few_points_are_refused_before_training(qtbot, window) -> None:
    window.menus.clear.trigger()
    qtbot.mouseClick(window.panel.train_button, Qt.MouseButton.LeftButton)
    assert "At least 2 points" in window.notices.last_error_box.text()
    assert not window.runner.is_running()


def test_devices_are_detected_in_the_background(qtbot, make_window) -> None:
    window = make_window(detect_devices=True)
    combo = window.panel.device_combo
    qtbot.waitUntil(lambda: combo.findData("cpu") >= 0, timeout=30_000)
    assert combo.itemData(0) == "auto" and "CPU" in combo.itemText(combo.findData("cpu"))


def test_save_and_reopen_restores_everything(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    window.table.paste_text("5\t9.5\n")
    window.panel.optimizer_combo.setCurrentIndex(window.panel.optimizer_combo.findData("adam"))
    window.panel.learning_rate_spin.setValue(0.05)
    window.panel.epochs_spin.setValue(700)
    window.panel.seed_spin.setValue(3)
    result = press_train(qtbot, window)
    path = tmp_path / "fit.gdsproj"
    assert window.isWindowModified()
    assert window.files.save_project_to(path)
    assert not window.isWindowModified() and window.windowTitle().startswith("fit.gdsproj")

    reopened = make_window()
    assert reopened.files.open_project(path)
    assert reopened.model.x().tolist() == window.model.x().tolist()
    assert reopened.model.y().tolist() == window.model.y().tolist()
    config = reopened.panel.config()
    assert (config.optimizer, config.learning_rate, config.epochs, config.seed) == ("adam", 0.05, 700, 3)
    reopened_result = reopened.session.last_result
    assert reopened_result.weight == result.weight and reopened_result.bias == result.bias
    np.testing.assert_array_equal(reopened_result.loss_history, result.loss_history)
    assert reopened.loss_plot.point_count() == 700
    assert f"{result.weight:.6g}" in reopened.panel.equation_label.text()
    assert not reopened.isWindowModified()
    assert str(path) in reopened.settings.recent_files()


def test_a_damaged_project_file_is_refused_with_a_message(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "broken.gdsproj"
    path.write_text('{"format": "gradient-descent-studio/project", "version": 1, "points": {"x": [1, "a"]', "utf-8")
    assert not window.files.open_project(path, confirmed=True)
    assert "broken.gdsproj, line 1: not a Gradient Descent Studio project" in window.notices.last_error_box.text()
    assert window.model.rowCount() == 4


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(qtbot, window, monkeypatch) -> None:
    window.model.add_point(9, 9)
    asked: list[str] = []

    def answer_cancel(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer_cancel)
    window.close()
    assert asked and "unsaved changes" in asked[0]
    assert window.isVisible() and window.model.rowCount() == 5


@pytest.mark.parametrize("suffix", [".pt", ".pt2", ".onnx", ".json"])
def test_exporting_from_the_menu_writes_a_file_that_loads(qtbot, window, monkeypatch, tmp_path: Path,
                                                          suffix: str) -> None:
    result = press_train(qtbot, window)
    target = tmp_path / f"exported{suffix}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.menus.export_model[suffix].trigger()
    qtbot.waitUntil(lambda: "Exported the model" in window.statusBar().currentMessage(), timeout=30_000)
    script = ("import json, sys; from engine.files.model_loading import predict_with_file; "
              f"print(json.dumps(predict_with_file({str(target)!r}, [0.0, 10.0]).tolist()))")
    completed = run_python("-c", script)
    assert completed.returncode == 0, completed.stderr
    predicted = json.loads(completed.stdout)
    assert predicted == pytest.approx([result.bias, 10 * result.weight + result.bias], rel=1e-6, abs=1e-6)


def test_csv_import_and_export_from_the_window(qtbot, window, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("x;y\n0;1\n1;3\n2;5\n", encoding="utf-8")
    assert window.files.import_csv(source)
    assert window.model.x().tolist() == [0.0, 1.0, 2.0]
    window.menus.undo.trigger()
    assert window.model.rowCount() == 4, "an import is one undo step"
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n3\n", encoding="utf-8")
    assert not window.files.import_csv(bad)
    assert window.notices.last_error_box.text() == (f"{bad}: no usable line for x = 'x' and y = 'y' (skipped 1 "
                                                    "line: 2 (y empty)).")
    out = tmp_path / "out.csv"
    assert window.exports.export_csv(out)
    assert out.read_text(encoding="utf-8") == "x,y\n1.0,2.0\n2.0,4.0\n3.0,6.0\n4.0,8.0\n"


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plots_export_as_images(qtbot, window, tmp_path: Path, suffix: str) -> None:
    for which in ("data", "loss", "landscape"):
        path = tmp_path / f"{which}{suffix}"
        assert window.exports.export_plot(which, path)
        assert path.stat().st_size > 500
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{which}{suffix}" for which in
                                                                ("data", "loss", "landscape"))


def test_soak_streaming_a_long_run_with_thousands_of_repaints(qtbot, window) -> None:
    """30,000 epochs on the autograd path (hundreds of progress batches), every batch forcing a
    synchronous repaint of both plots, then 600 more. A Qt binding with a reference
    counting bug aborts the process here."""
    gc.collect()  # objects of earlier tests that still hold None go now, not during the measurement
    none_refs = sys.getrefcount(None)
    repaints = [0]

    def repaint(_batch) -> None:
        window.data_plot.repaint()
        window.loss_plot.plot.repaint()
        repaints[0] += 1

    window.runner.progress.connect(repaint)
    with qtbot.waitSignal(window.trainingFinished, timeout=300_000) as finished:  # the autograd loop is slower
        window.session.train(window.model.snapshot(), TrainingConfig(epochs=30_000, path="autograd"))
    assert finished.args[0].epochs_run == 30_000
    for step in range(300):
        window.data_plot.set_fit(2 + np.sin(step / 50), 0.1)
        window.data_plot.repaint()
        window.loss_plot.plot.repaint()
        window.landscape.plot.repaint()
    assert repaints[0] > 50
    gc.collect()
    assert sys.getrefcount(None) >= none_refs - 50, "a binding that drops a reference to None per call"


@pytest.mark.parametrize("batch", [1_000_000, 777, 250_000])
def test_long_loss_curves_are_drawn_decimated_with_their_extremes(batch: int) -> None:
    from gui.kit.decimated_curve import MAX_BLOCKS, DecimatedCurve

    epochs = np.arange(1, 1_000_001, dtype=np.float64)
    losses = np.exp(-epochs / 1e5)
    losses[654_321] = 7.0  # a spike must survive
    curve = DecimatedCurve()
    for start in range(0, losses.size, batch):  # streamed in batches, as training does
        curve.extend(losses[start : start + batch])
    xs, ys = curve.arrays()
    assert len(curve) == 1_000_000
    assert xs.size <= 2 * MAX_BLOCKS + 2 * curve.block + 1 and np.all(np.diff(xs) > 0)
    assert ys.max() == 7.0 and xs[np.argmax(ys)] == 654_322
    assert ys.min() == losses.min() and xs[-1] == 1_000_000 and ys[-1] == losses[-1]
    small = DecimatedCurve.of(np.arange(10.0))
    np.testing.assert_array_equal(small.arrays()[1], np.arange(10.0))


def resident_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads memory from /proc (Linux)")
def test_a_hundred_start_stop_cycles_leak_no_threads_and_no_memory(qtbot, window) -> None:
    import threading

    window.panel.epochs_spin.setValue(LONG_RUN)

    def cycle() -> None:
        with qtbot.waitSignal(window.trainingFinished, timeout=10_000):
            window.training.start_training()
            qtbot.waitUntil(lambda: window.loss_plot.point_count() > 0, timeout=10_000)
            window.training.stop_training()
        window.runs.clear()  # what the user keeps on purpose is not a leak

    for _ in range(10):  # warm: caches, pens, the child's allocator
        cycle()
    threads, gui_mb, child_mb = threading.active_count(), resident_mb(), resident_mb(window.runner.child_pid())
    for _ in range(100):
        cycle()
    assert threading.active_count() == threads
    assert window.runner._thread is not None and window.runner.is_alive(), "one reader thread, still the same child"
    grown_gui, grown_child = resident_mb() - gui_mb, resident_mb(window.runner.child_pid()) - child_mb
    assert grown_gui < 25 and grown_child < 25, f"resident memory grew {grown_gui:.1f} MB (window), " \
                                                f"{grown_child:.1f} MB (training process) over 100 runs"
