"""Project files in the window: a refused file changes nothing the user can see (and Save still writes what
they had), a run with a wall time of 1e-320 s shows "–" instead of crashing the app, and a project of
many runs opens with one redraw."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QKeySequence

from engine.data.points import PointSet
from engine.files.project_file import MAX_FILE_BYTES, Project, SavedRun, load_project, save_project
from engine.training.config import TrainingConfig
from gui.session.run_history import COLUMNS, MAX_SHOWN
from tests.conftest import run_python
from tests.project_samples import make_project, make_result, v2_document, write_json


def table_texts(window) -> list[list[str]]:
    """Every cell of the Runs table, as the table shows it."""
    model = window.runs
    return [[model.data(model.index(row, column)) for column in range(model.columnCount())]
            for row in range(model.rowCount())]


def shown_state(window) -> dict[str, Any]:
    return {"title": window.windowTitle(), "modified": window.isWindowModified(), "path": window.document.path,
            "x": window.model.x().tolist(), "y": window.model.y().tolist(), "runs": list(window.runs.runs),
            "table": table_texts(window), "config": window.panel.config()}


def bad_files(folder: Path) -> dict[str, Path]:
    """Files the tester opened, each with other points (B's) than the open document."""
    def v2(edit) -> dict[str, Any]:
        document = v2_document()
        document["points"] = {"x": [10.0, 20.0, 30.0], "y": [1.0, 2.0, 3.0]}
        edit(document)
        return document

    files = {
        "seed": write_json(folder / "seed.gdsproj", v2(lambda d: d["config"].update(seed="abc"))),
        "config": write_json(folder / "config.gdsproj", v2(lambda d: d.update(config=[1, 2]))),
        "runs": write_json(folder / "runs.gdsproj", v2(lambda d: d.update(runs="abc"))),
        "epochs_run": write_json(folder / "epochs.gdsproj",
                                 v2(lambda d: d["runs"][0]["result"].update(epochs_run=10**400))),
        "nan": write_json(folder / "nan.gdsproj", v2(lambda d: d["runs"][0]["result"].update(weight=float("nan")))),
    }
    deep = folder / "deep.gdsproj"
    deep.write_text('{"format": "gradient-descent-studio/project", "version": 2, "points": '
                    + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    huge = folder / "huge.gdsproj"
    with open(huge, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    return {**files, "deep": deep, "huge": huge}


EXPECTED = {"seed": "config.seed: expected an int", "config": "config: expected an object",
            "runs": "runs: expected a list", "epochs_run": "runs[0].result.epochs_run: expected an int ≤",
            "nan": "runs[0].result.weight: expected a finite number", "deep": "nested too deeply",
            "huge": "at most 1,024 MB"}


def test_a_refused_file_changes_nothing_and_save_writes_the_original(qtbot, make_window, tmp_path: Path) -> None:
    original = tmp_path / "a.gdsproj"
    save_project(make_project(), original)
    window = make_window()
    assert window.files.open_project(original)
    window.model.add_point(9.0, 18.5)  # unsaved work that a bad Open must not lose
    before = shown_state(window)
    assert before["modified"] and before["title"].startswith("a.gdsproj") and len(before["runs"]) == 2

    for name, path in bad_files(tmp_path).items():
        assert not window.files.open_project(path, confirmed=True), name
        message = window.notices.last_error_box.text()
        assert message.startswith(str(path)) and EXPECTED[name] in message, message
        assert shown_state(window) == before, f"opening {name} changed the window"

    save = window.menus.save
    assert save.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)  # Ctrl+S
    save.trigger()
    assert not window.isWindowModified() and window.document.path == original
    written = load_project(original)
    assert written.points.x.tolist() == before["x"] and written.points.y.tolist() == before["y"]
    assert [run.result.loss_history.tolist() for run in written.runs] == \
        [run.result.loss_history.tolist() for run in make_project().runs]
    assert not (tmp_path / "seed.gdsproj").read_text("utf-8").startswith("PK"), "nothing was written over B"


def test_a_wall_time_of_1e_320_seconds_shows_a_dash_for_steps_per_second(qtbot, window, tmp_path: Path) -> None:
    document = v2_document()
    document["runs"][0]["result"]["elapsed_s"] = 1e-320
    path = write_json(tmp_path / "instant.gdsproj", document)
    assert window.files.open_project(path, confirmed=True)
    (row,) = table_texts(window)
    assert row[COLUMNS.index("Steps/s")] == "–" and row[COLUMNS.index("Wall time (s)")] == "0"
    window.runs_dock.show()
    window.runs_panel.table.viewport().grab()  # paints every visible cell (a crash used to happen here)
    assert window.runs.to_csv().splitlines()[1].split(",")[8] == "", "no steps/s in the CSV either"


def test_main_py_with_such_a_file_starts_and_quits_cleanly(tmp_path: Path) -> None:
    document = v2_document()
    document["runs"][0]["result"]["elapsed_s"] = 1e-320
    instant = write_json(tmp_path / "instant.gdsproj", document)
    refused = bad_files(tmp_path)["seed"]
    home = tmp_path / "home"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GDS_STARTUP_PROBE": "1", "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "GDS_RECOVERY_DIR": str(tmp_path / "recovery")}
    for path, points in ((instant, 3), (refused, 4)):
        app = run_python("main.py", str(path), env=env, timeout=90)
        assert app.returncode == 0, app.stderr[-3000:]
        assert "Traceback" not in app.stderr and "Error" not in app.stdout, app.stderr[-3000:]
        assert f"DOCUMENT {points} points" in app.stdout, app.stdout + app.stderr[-3000:]
    assert "config.seed: expected an int" in app.stderr, "the refusal is logged"


def test_many_runs_open_with_one_redraw(qtbot, window, tmp_path: Path) -> None:
    runs = [SavedRun(TrainingConfig(seed=index), make_result(50, seed=index),
                     (np.arange(1, 51), np.linspace(0, 1.75, 50), np.linspace(0, -0.25, 50))) for index in range(300)]
    path = tmp_path / "many.gdsproj"
    save_project(Project(PointSet.seed(), TrainingConfig(), runs), path)
    changes: list[None] = []
    inserted: list[tuple[int, int]] = []
    window.runs.runsChanged.connect(lambda: changes.append(None))
    window.runs.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    assert window.files.open_project(path, confirmed=True)
    assert len(changes) == 2, "one for the old runs going, one for all the new ones"
    assert inserted == [(0, 299)]
    assert [run.number for run in window.runs.runs] == list(range(1, 301))
    shown = window.runs.shown_runs()
    assert [run.number for run in shown] == list(range(301 - MAX_SHOWN, 301))
    assert len(window.loss_plot.curves) == MAX_SHOWN and len(window.landscape.paths) == MAX_SHOWN
    assert all(run.points is not None and len(run.points) == 4 for run in window.runs.runs)
