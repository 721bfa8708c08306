"""The training process may hang or die; the window never does. Each test stops (SIGSTOP) or kills
(SIGKILL) the real child and checks what a user sees: a notice that offers a restart and goes away by
itself when the process answers again, a Stop that always ends the run, exports that are named when lost
and written after the restart, and an app that quits within seconds whatever the child's state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from engine.training.results import TrainingResult
from gui.session.lost_work import PendingExport, lost_exports_message
from tests.conftest import ROOT
from tests.test_gui_training import LONG_RUN, press_train, start_long_run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="stops the child with SIGSTOP (POSIX)")
READY_TIMEOUT_MS = 60_000  # a fresh child imports torch and warms up
NOTICE_TIMEOUT_MS = 6_000  # "within a few seconds": three of silence, then the next check


def ready_window(qtbot, make_window):
    window = make_window()
    with qtbot.waitSignal(window.runner.devicesReady, timeout=READY_TIMEOUT_MS):
        window.detect_devices()
    return window


def notice_shown(window) -> bool:
    box = window.process_notice.box
    return box is not None and box.isVisible()


def restart_button(window) -> QPushButton:
    button = window.process_notice.box.findChild(QPushButton, "restartTrainingButton")
    assert button is not None and button.isVisible() and button.text() == "Restart training process"
    return button


def process_gone(pid: int) -> bool:
    """No such process, or only its exit status left (a zombie is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_a_stopped_process_is_noticed_and_the_notice_goes_when_it_answers_again(qtbot, make_window) -> None:
    window = ready_window(qtbot, make_window)
    pid = window.runner.child_pid()
    os.kill(pid, signal.SIGSTOP)
    try:
        qtbot.waitUntil(lambda: notice_shown(window), timeout=NOTICE_TIMEOUT_MS)
        box = window.process_notice.box
        assert box.text() == f"The training process is not answering (pid {pid}). Restart it?"
        assert box.windowModality() == Qt.WindowModality.NonModal, "the window stays usable"
        restart_button(window)
        assert window.panel.train_button.isEnabled()
        qtbot.mouseClick(box.findChild(QPushButton, "keepWaitingButton"), Qt.MouseButton.LeftButton)
        assert window.process_notice.box is None
        status_restart = window.findChild(QPushButton, "restartTrainingStatusButton")
        assert status_restart.isVisible(), "the offer stays in the status bar"
    finally:
        os.kill(pid, signal.SIGCONT)
    qtbot.waitUntil(lambda: not status_restart.isVisible(), timeout=NOTICE_TIMEOUT_MS)
    assert window.runner.child_pid() == pid, "nothing was restarted"
    assert press_train(qtbot, window).stop_reason == "completed"


def test_stop_ends_the_run_even_when_the_process_does_not_answer(qtbot, make_window) -> None:
    window = ready_window(qtbot, make_window)
    start_long_run(qtbot, window)
    os.kill(window.runner.child_pid(), signal.SIGSTOP)
    started = time.monotonic()
    with qtbot.waitSignal(window.trainingFinished, timeout=5_000) as finished:
        qtbot.mouseClick(window.panel.stop_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - started < 4
    result: TrainingResult = finished.args[0]
    assert result.stop_reason == "stopped" and 0 < result.epochs_run < LONG_RUN
    assert result.loss_history.size == result.epochs_run, "it keeps every epoch that was trained"
    assert window.statusBar().currentMessage() == ("The training process did not confirm the stop within 2 s, so "
                                                   f"the run was stopped here. It keeps the {result.epochs_run:,} "
                                                   "epochs trained before.")
    assert window.panel.train_button.isEnabled() and not window.runner.is_running()
    assert window.runs.runs[-1].result is result
    qtbot.waitUntil(lambda: notice_shown(window), timeout=NOTICE_TIMEOUT_MS)


def test_restart_replaces_the_process_ends_the_live_run_and_keeps_the_history(qtbot, make_window) -> None:
    window = ready_window(qtbot, make_window)
    window.panel.epochs_spin.setValue(1000)
    first = press_train(qtbot, window)
    start_long_run(qtbot, window)
    old = window.runner.child_pid()
    os.kill(old, signal.SIGSTOP)
    qtbot.waitUntil(lambda: notice_shown(window), timeout=NOTICE_TIMEOUT_MS)
    with qtbot.waitSignal(window.runner.devicesReady, timeout=READY_TIMEOUT_MS), \
            qtbot.waitSignal(window.trainingFinished, timeout=5_000) as ended:
        qtbot.mouseClick(restart_button(window), Qt.MouseButton.LeftButton)
        assert process_gone(old), "the stopped process was killed and reaped"
        assert window.runner.child_pid() not in (None, old)
        assert window.process_notice.box is None
    assert ended.args[0].stop_reason == "stopped" and ended.args[0].epochs_run > 0
    assert f"(pid {old}) was restarted" in ended.args[0].message
    assert [run.result for run in window.runs.runs] == [first, ended.args[0]], "the run history is kept"
    window.panel.epochs_spin.setValue(1000)
    assert press_train(qtbot, window).stop_reason == "completed"
    assert not notice_shown(window)


@pytest.mark.parametrize("during_run", [False, True], ids=["idle", "during-a-run"])
def test_an_export_lost_with_the_process_is_named_and_written_after_the_restart(
        qtbot, make_window, tmp_path: Path, during_run: bool) -> None:
    window = ready_window(qtbot, make_window)
    window.panel.epochs_spin.setValue(1000)
    result = press_train(qtbot, window)
    if during_run:
        start_long_run(qtbot, window)
    old = window.runner.child_pid()
    os.kill(old, signal.SIGSTOP)  # it cannot answer the export before it dies
    target = tmp_path / "model.json"
    window.exports.export_model(target)
    assert window.runner.pending_exports() == [str(target)]
    os.kill(old, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.notices.last_error_box is not None
                    and window.notices.last_error_box.isVisible(), timeout=10_000)
    box = window.notices.last_error_box
    assert box.windowTitle() == ("Training failed" if during_run else "Export interrupted")
    assert "stopped unexpectedly (exit code -9)" in box.text()
    assert "The export of model.json was lost when the training process stopped; it will be retried." in box.text()
    assert "Nothing else was lost" not in box.text()
    assert not window.runner.is_running() and window.panel.train_button.isEnabled()
    qtbot.waitUntil(target.exists, timeout=READY_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Exported the model" in window.statusBar().currentMessage(), timeout=5_000)
    assert window.runner.child_pid() != old and window.runner.pending_exports() == []
    written = json.loads(target.read_text(encoding="utf-8"))
    assert (written["weight"], written["bias"]) == (result.weight, result.bias), "the model trained before"


def test_lost_exports_are_named_retried_once_then_given_up() -> None:
    def pending(name: str, lost: int) -> PendingExport:
        return PendingExport(result=None, path=f"/tmp/out/{name}", lost=lost)  # type: ignore[arg-type]

    assert lost_exports_message([], "stopped") == ""
    assert lost_exports_message([pending("a.onnx", 1), pending("b.pt", 1)], "was restarted") == (
        "The exports of a.onnx and b.pt were lost when the training process was restarted; they will be retried.")
    assert lost_exports_message([pending("a.onnx", 2)], "stopped") == (
        "The export of a.onnx was lost again when the training process stopped and was not written; "
        "export again to try once more.")


QUIT_PROBE = """
import os, signal, sys, time
from PySide6.QtCore import QTimer
import gui.app as app_module

class StopsItsChild(app_module.MainWindow):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.runner.devicesReady.connect(self.stop_child_then_close)

    def stop_child_then_close(self, _devices):
        pid = self.runner.child_pid()
        os.kill(pid, signal.SIGSTOP)
        print(f"STOPPED {pid} {time.time():.3f}", flush=True)
        QTimer.singleShot(0, self.close)

app_module.MainWindow = StopsItsChild
sys.exit(app_module.run_app([]))
"""


def test_the_app_quits_within_seconds_when_its_training_process_is_stopped(tmp_path: Path) -> None:
    """The whole app, as main.py runs it: closing the window must not wait on a SIGSTOPped child (nor may
    multiprocessing's exit handler)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    app = subprocess.Popen([sys.executable, "-c", QUIT_PROBE], cwd=ROOT, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        output, errors = app.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        app.kill()
        output, errors = app.communicate()
        for line in output.splitlines():
            if line.startswith("STOPPED "):
                os.kill(int(line.split()[1]), signal.SIGKILL)
        pytest.fail(f"the app did not exit (after the child was stopped?)\n{output}\n{errors[-3000:]}")
    exited = time.time()
    stopped = [line.split() for line in output.splitlines() if line.startswith("STOPPED ")]
    assert stopped, f"the child never became ready\n{errors[-3000:]}"
    pid, stopped_at = int(stopped[0][1]), float(stopped[0][2])
    assert app.returncode == 0, errors[-3000:]
    assert exited - stopped_at < 15, f"the app took {exited - stopped_at:.1f} s to exit"
    assert process_gone(pid), "the stopped training process outlived the app"
