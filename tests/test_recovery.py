"""Nothing is lost on a crash: the recovery copy while work is unsaved, its restore after a crash, the
recovery bar, and the temporary files a killed save leaves behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from engine.atomic_write import write_text_atomic
from engine.data.points import PointSet
from engine.files.project_file import Project, load_project, save_project
from engine.training.config import TrainingConfig
from tests.conftest import ROOT, run_python

COPY_DEADLINE_MS = 5_000  # the issue: a copy at most 5 s after the last edit


class Parts:
    """A document as the window builds it (no widgets) and its recovery keeper."""

    def __init__(self, folder: Path) -> None:
        from gui.session.document import Document
        from gui.session.points_model import PointsTableModel
        from gui.session.recovery import RecoveryKeeper
        from gui.session.run_history import RunHistoryModel
        from gui.session.training_session import TrainingSession

        self.points = PointsTableModel(PointSet.seed())
        self.session = TrainingSession(RunHistoryModel())
        self.document = Document(self.points, self.session)
        self.keeper = RecoveryKeeper(self.document, TrainingConfig, folder)


@pytest.fixture
def make_parts(qtbot, recovery_folder: Path) -> Iterator:
    made: list[Parts] = []

    def make() -> Parts:
        made.append(Parts(recovery_folder))
        return made[-1]

    yield make
    for parts in made:
        parts.keeper.detach()
        assert parts.session.shutdown()


def copies(folder: Path) -> list[str]:
    """The recovery files in `folder` (notes, projects, locks), sorted."""
    return sorted(path.name for path in folder.glob("recovery-*")) if folder.is_dir() else []


def leave_crashed_copy(make_parts, xs: list[float], ys: list[float], original: Path | None) -> None:
    """What a window killed with unsaved work leaves behind: its copy, and its lock free (the OS released
    it). The end-to-end test below kills a real app; this one is quicker and exact."""
    parts = make_parts()
    parts.document.path = original
    parts.points.replace_points(PointSet.from_columns(xs, ys), "Edit")
    assert parts.keeper.write_now()
    parts.keeper.detach()


# --- (a) the copy, without a window ---------------------------------------------------------------------
def test_an_edit_leaves_one_copy_within_five_seconds_however_long_the_drag(qtbot, make_parts,
                                                                         recovery_folder: Path) -> None:
    parts = make_parts()
    writes: list[None] = []
    parts.keeper.written.connect(lambda: writes.append(None))
    for step in range(40):  # a drag: many edits in a row, one undo step
        parts.points.move_point(0, 1.0 + step / 10, 5.0, drag_id=1)
        qtbot.wait(5)
    last_edit = time.monotonic()
    with qtbot.waitSignal(parts.keeper.written, timeout=COPY_DEADLINE_MS):
        pass
    assert time.monotonic() - last_edit < COPY_DEADLINE_MS / 1000
    assert len(writes) == 1, "the drag wrote one copy when it paused, not one per step"
    saved = load_project(parts.keeper.copy_path)
    assert saved.points.x.tolist() == [4.9, 2.0, 3.0, 4.0] and saved.points.y.tolist() == [5.0, 4.0, 6.0, 8.0]
    note = json.loads(parts.keeper.copy_path.with_suffix(".json").read_text("utf-8"))
    assert note["original_path"] is None and note["pid"] == os.getpid()


def test_edits_that_never_pause_still_get_a_copy(qtbot, make_parts, monkeypatch) -> None:
    from gui.session import recovery

    monkeypatch.setattr(recovery, "DEBOUNCE_MS", 500)
    monkeypatch.setattr(recovery, "MAX_DELAY_MS", 1_500)
    parts = make_parts()
    writes: list[float] = []
    parts.keeper.written.connect(lambda: writes.append(time.monotonic()))
    start = time.monotonic()
    for step in range(30):  # an edit every 100 ms for 3 s: never a 500 ms pause
        parts.points.move_point(0, float(step), 5.0, drag_id=1)
        qtbot.wait(100)
    assert writes and writes[0] - start < 2.0, "a copy came within the maximum delay, mid-drag"


def test_a_copy_that_cannot_be_written_is_said_once(qtbot, make_parts, recovery_folder: Path) -> None:
    recovery_folder.write_text("a file where the folder should be", "utf-8")
    parts = make_parts()
    failures: list[str] = []
    parts.keeper.writeFailed.connect(failures.append)
    parts.points.add_point(5, 10)
    assert not parts.keeper.write_now()
    parts.points.add_point(6, 12)
    assert not parts.keeper.write_now()
    assert len(failures) == 1 and failures[0].startswith(f"Cannot keep a recovery copy in {recovery_folder}")


def test_saving_removes_the_copy(qtbot, make_parts, recovery_folder: Path, tmp_path: Path) -> None:
    parts = make_parts()
    parts.points.add_point(5, 10)
    with qtbot.waitSignal(parts.keeper.written, timeout=COPY_DEADLINE_MS):
        pass
    assert copies(recovery_folder)
    parts.document.save(tmp_path / "fit.gdsproj", TrainingConfig())
    assert copies(recovery_folder) == []
    parts.points.add_point(6, 12)  # edited again after saving: a new copy
    with qtbot.waitSignal(parts.keeper.written, timeout=COPY_DEADLINE_MS):
        pass
    note = json.loads(parts.keeper.copy_path.with_suffix(".json").read_text("utf-8"))
    assert note["original_path"] == str(tmp_path / "fit.gdsproj")


def test_undoing_back_to_the_saved_state_or_letting_go_removes_the_copy(qtbot, make_parts,
                                                                        recovery_folder: Path) -> None:
    parts = make_parts()
    parts.points.add_point(5, 10)
    assert parts.keeper.write_now() and copies(recovery_folder)
    parts.points.undo_stack.undo()
    assert copies(recovery_folder) == []
    parts.points.add_point(5, 10)
    assert parts.keeper.write_now() and copies(recovery_folder)
    parts.keeper.discard()  # what the window does on a close after "Discard"
    assert copies(recovery_folder) == []


def test_a_live_windows_copy_is_never_taken(qtbot, make_parts, recovery_folder: Path) -> None:
    first = make_parts()
    first.points.add_point(5, 10)
    assert first.keeper.write_now()
    second = make_parts()
    assert second.keeper.restore() is None
    assert second.points.rowCount() == 4 and not second.document.is_modified()
    assert first.keeper.has_copy()


def test_a_dead_windows_copy_is_restored_modified_with_its_path(qtbot, make_parts, recovery_folder: Path,
                                                               tmp_path: Path) -> None:
    original = tmp_path / "fit.gdsproj"
    leave_crashed_copy(make_parts, [1, 2, 3], [1, 2, 4], original)
    parts = make_parts()
    report = parts.keeper.restore()
    assert report is not None and report.restored and report.original_path == original and not report.problems
    assert parts.points.y().tolist() == [1.0, 2.0, 4.0]
    assert parts.document.path == original and parts.document.is_modified()
    assert [name.rsplit(".", 1)[0] for name in copies(recovery_folder)] == [parts.keeper.key] * 3, \
        "the restored work moved into this window's own copy; the dead one's is gone"
    assert make_parts().keeper.restore() is None, "a restored copy is restored once"
    parts.document.save(original, TrainingConfig())
    assert copies(recovery_folder) == []


def test_the_copy_holds_the_runs_and_settings_a_save_would(qtbot, make_parts) -> None:
    from engine.files.project_file import SavedRun
    from engine.training.trainer import train

    config = TrainingConfig(epochs=20, learning_rate=0.02)
    result = train(PointSet.seed(), config)
    crashed = make_parts()
    crashed.document.load(Project(PointSet.seed(), config, [SavedRun(config, result)]), None)
    crashed.keeper.current_config = lambda: config
    crashed.points.add_point(5, 10)
    assert crashed.keeper.write_now()
    crashed.keeper.detach()
    parts = make_parts()
    assert parts.keeper.restore() is not None
    (run,) = parts.session.runs.runs
    assert (run.result.weight, run.result.bias, run.config.learning_rate) == (result.weight, result.bias, 0.02)
    assert parts.points.rowCount() == 5 and parts.document.is_modified()


BAD_NOTES = {
    "invalid JSON": ('{"format": "gradient-descent-studio/recovery",\n "version": 1,,}', "line 2: invalid JSON"),
    "saved_at": ('{"format": "gradient-descent-studio/recovery", "version": 1, "saved_at": "soon", '
                 '"original_path": null}', "field 'saved_at' is 'soon'"),
    "relative path": ('{"format": "gradient-descent-studio/recovery", "version": 1, "saved_at": 1e9, '
                      '"original_path": "fit.gdsproj"}', "field 'original_path' is 'fit.gdsproj'"),
    "damaged project": ('{"format": "gradient-descent-studio/recovery", "version": 1, "saved_at": 1e9, '
                        '"original_path": null}', "recovery-1-0000abcd.gdsproj"),
}


@pytest.mark.parametrize("case", BAD_NOTES)
def test_a_bad_copy_is_moved_aside_and_reported_and_the_document_stays(qtbot, make_parts, recovery_folder: Path,
                                                                     case: str) -> None:
    note, expected = BAD_NOTES[case]
    recovery_folder.mkdir()
    (recovery_folder / "recovery-1-0000abcd.json").write_text(note, "utf-8")
    (recovery_folder / "recovery-1-0000abcd.gdsproj").write_text('{"format": "nonsense"}', "utf-8")
    parts = make_parts()
    report = parts.keeper.restore()
    assert report is not None and not report.restored and len(report.problems) == 1
    problem = report.problems[0]
    assert "could not be restored" in problem and expected in problem and "recovery-1-0000abcd" in problem
    assert parts.points.rowCount() == 4 and not parts.document.is_modified() and parts.document.path is None
    assert copies(recovery_folder) == []
    assert sorted(path.name.split("-", 2)[2] for path in (recovery_folder / "damaged").iterdir()) == \
        ["recovery-1-0000abcd.gdsproj", "recovery-1-0000abcd.json"]


# --- temporary files a killed save leaves -----------------------------------------------------------------
KILLED_SAVE = """
import os, signal, sys
from engine.atomic_write import write_atomic
def write_then_die(handle):
    handle.write(b'{"half": ')
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)
write_atomic(sys.argv[1], write_then_die)
"""


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if ".gds-tmp" in path.name)


def kill_mid_save(target: Path) -> Path:
    """Save `target` in a process that SIGKILLs itself once the temporary file is written, as a crash or
    power loss would; return the temporary file it left, aged past the hour a write may take."""
    completed = run_python("-c", KILLED_SAVE, str(target))
    assert completed.returncode == -signal.SIGKILL, completed.stderr
    (left,) = [target.parent / name for name in leftovers(target.parent)]
    hour_ago = time.time() - 3700
    os.utime(left, (hour_ago, hour_ago))
    return left


def test_a_save_killed_mid_write_is_cleaned_up_by_the_next_save(tmp_path: Path) -> None:
    target = tmp_path / "fit.gdsproj"
    save_project(Project(PointSet.seed()), target)
    left = kill_mid_save(target)
    assert left.name.startswith(".fit.gdsproj.") and left.name.endswith(".gds-tmp.gdsproj")
    assert load_project(target).points == PointSet.seed(), "the killed save left the old file whole"
    young = tmp_path / ".other.csv.abcd1234.gds-tmp.csv"  # another save may be writing this one right now
    young.write_bytes(b"x")
    not_ours = tmp_path / ".notes.txt.swp"
    not_ours.write_bytes(b"x")
    os.utime(not_ours, (0, 0))
    write_text_atomic(tmp_path / "notes.txt", "saved\n")
    assert leftovers(tmp_path) == [young.name]
    assert not_ours.exists()


def test_start_up_cleans_temporary_files_in_the_recovery_folder(qtbot, make_parts, recovery_folder: Path) -> None:
    recovery_folder.mkdir()
    left = kill_mid_save(recovery_folder / "recovery-1-0000abcd.json")
    make_parts().keeper.restore()
    assert not left.exists()


# --- (b) the window -------------------------------------------------------------------------------------
def test_a_crashed_windows_work_opens_in_a_new_window_and_discard_goes_back_to_the_file(
        qtbot, make_parts, make_window, recovery_folder: Path, tmp_path: Path) -> None:
    original = tmp_path / "fit.gdsproj"
    save_project(Project(PointSet.seed()), original)
    leave_crashed_copy(make_parts, [1, 2, 3, 4, 5], [2, 4, 6, 8, 11], original)
    window = make_window()
    assert window.model.rowCount() == 5 and window.model.y().tolist()[-1] == 11.0
    assert window.isWindowModified() and window.windowTitle().startswith("fit.gdsproj[*]")
    assert window.document.path == original, "Save still goes to the file the work belongs to"
    bar = window.recovery_bar
    assert bar.isVisible() and str(original) in bar.label.text() and "Recovered unsaved changes" in bar.label.text()
    assert bar.discard_button.objectName() == "discardRecoveredButton" and bar.discard_button.isVisible()

    qtbot.mouseClick(bar.discard_button, Qt.MouseButton.LeftButton)
    assert window.model.rowCount() == 4 and window.model.y().tolist() == [2.0, 4.0, 6.0, 8.0]
    assert not window.isWindowModified() and window.document.path == original
    assert not bar.isVisible() and copies(recovery_folder) == []


def test_recovered_untitled_work_saves_to_a_new_file_and_the_bar_goes(qtbot, make_parts, make_window,
                                                                     recovery_folder: Path, tmp_path: Path) -> None:
    leave_crashed_copy(make_parts, [0, 1], [1, 3], None)
    window = make_window()
    assert window.model.x().tolist() == [0.0, 1.0] and window.windowTitle().startswith("Untitled[*]")
    assert window.isWindowModified() and window.recovery_bar.isVisible()
    assert window.files.save_project_to(tmp_path / "kept.gdsproj")
    assert load_project(tmp_path / "kept.gdsproj").points.x.tolist() == [0.0, 1.0]
    assert not window.recovery_bar.isVisible() and copies(recovery_folder) == []


def test_discarding_recovered_untitled_work_gives_a_new_document(qtbot, make_parts, make_window) -> None:
    leave_crashed_copy(make_parts, [0, 1], [1, 3], None)
    window = make_window()
    qtbot.mouseClick(window.recovery_bar.discard_button, Qt.MouseButton.LeftButton)
    assert window.model.rowCount() == 4 and not window.isWindowModified() and window.document.path is None


def test_a_bad_copy_is_reported_in_the_bar_and_the_window_starts_anyway(qtbot, make_window,
                                                                       recovery_folder: Path) -> None:
    recovery_folder.mkdir()
    (recovery_folder / "recovery-1-0000abcd.json").write_text("\x00garbage", "utf-8")
    window = make_window()
    bar = window.recovery_bar
    assert bar.isVisible() and "could not be restored" in bar.label.text()
    assert "recovery-1-0000abcd.json, line 1" in bar.label.text() and str(recovery_folder / "damaged") in \
        bar.label.text()
    assert not bar.discard_button.isVisible()
    assert window.model.rowCount() == 4 and not window.isWindowModified()
    qtbot.mouseClick(bar.dismiss_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()


def test_closing_after_discard_removes_the_copy(qtbot, make_window, recovery_folder: Path, monkeypatch) -> None:
    window = make_window()
    window.model.add_point(9, 9)
    with qtbot.waitSignal(window.recovery.written, timeout=COPY_DEADLINE_MS):
        pass
    assert copies(recovery_folder)
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Discard)
    window.close()
    assert copies(recovery_folder) == []


# --- (c) the real app, killed -----------------------------------------------------------------------------
def app_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The real app with its settings, log and recovery copies in `tmp_path`, not the user's profile."""
    home = tmp_path / "home"
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
            "GDS_RECOVERY_DIR": str(tmp_path / "recovery"), **extra}


def test_the_real_app_killed_after_an_edit_gives_the_work_back_on_the_next_start(tmp_path: Path) -> None:
    folder = tmp_path / "recovery"
    with open(tmp_path / "first-run.log", "w", encoding="utf-8") as log:
        app = subprocess.Popen([sys.executable, "main.py"], cwd=ROOT,
                               env=app_environment(tmp_path, GDS_TEST_EDIT="5,7"), stdout=subprocess.PIPE,
                               stderr=log, text=True, start_new_session=True)
        watchdog = threading.Timer(60, lambda: os.killpg(app.pid, signal.SIGKILL))
        watchdog.start()
        try:
            assert app.stdout is not None
            line = app.stdout.readline()
            assert line.startswith("EDITED 5 points"), line + (tmp_path / "first-run.log").read_text("utf-8")
            time.sleep(8)  # the scenario: killed 8 s after the edit, nothing saved
            os.killpg(app.pid, signal.SIGKILL)  # the app and its training process, as a power cut would
            app.wait(timeout=30)
        finally:
            watchdog.cancel()
            if app.poll() is None:
                os.killpg(app.pid, signal.SIGKILL)
                app.wait()
    assert app.returncode == -signal.SIGKILL
    (copy,) = folder.glob("recovery-*.gdsproj")
    assert load_project(copy).points.x.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]

    second = run_python("main.py", env=app_environment(tmp_path, GDS_STARTUP_PROBE="1"), timeout=60)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "DOCUMENT 5 points, modified=True, recovered=True" in second.stdout, second.stdout + second.stderr[-3000:]
    assert len(list(folder.glob("recovery-*.json"))) == 1, "the probe quit without asking: the work stays for next time"
    assert list((tmp_path / "home" / "data").rglob("studio.log")), "the app's profile stayed in tmp_path"
