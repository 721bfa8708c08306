"""The Runs table's columns while runs train: the live epochs are refreshed a few times a second without
the table measuring every cell again, and every number still shows whole."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.training.config import TrainingConfig
from gui.session.run_history import COLUMNS, RunHistoryModel
from gui.views.runs_table import RunsPanel


@pytest.fixture
def panel(qtbot):
    model = RunHistoryModel()
    view = RunsPanel(model)
    qtbot.addWidget(view)
    view.resize(900, 220)
    view.show()
    qtbot.waitExposed(view)
    return view


def _fits(panel, row: int, column: int) -> bool:
    text = panel.runs.data(panel.runs.index(row, column), Qt.ItemDataRole.DisplayRole)
    return panel.table.columnWidth(column) >= panel.table.fontMetrics().horizontalAdvance(text)


def test_a_live_runs_epochs_show_whole_as_they_grow(qtbot, panel) -> None:
    epochs = COLUMNS.index("Epochs")
    runs = [panel.runs.start_run(TrainingConfig()) for _ in range(3)]
    for count in (9, 12_345, 9_999_999):
        for run in runs:
            run.live_losses.extend(np.ones(count - run.live_losses.view().size))
        panel.runs.refresh_live()
        qtbot.wait(10)
        assert all(_fits(panel, row, epochs) for row in range(3))


def test_refreshing_the_live_epochs_reads_only_what_changed(qtbot, monkeypatch) -> None:
    """The header does not size every column to its contents again on each refresh (it read every cell of
    the table: ~600 reads with six runs, several milliseconds in one frame, four times a second)."""
    reads: list[tuple[int, int]] = []
    original = RunHistoryModel.data
    monkeypatch.setattr(RunHistoryModel, "data", lambda self, index, role=Qt.ItemDataRole.DisplayRole:
                        reads.append((index.row(), index.column())) or original(self, index, role))
    panel = RunsPanel(RunHistoryModel())
    qtbot.addWidget(panel)
    panel.resize(900, 220)
    panel.show()
    qtbot.waitExposed(panel)
    runs = [panel.runs.start_run(TrainingConfig()) for _ in range(6)]
    qtbot.wait(10)
    reads.clear()
    for run in runs:
        run.live_losses.extend(np.ones(50))
    panel.runs.refresh_live()
    qtbot.wait(10)
    assert reads, "the changed cells are read again"
    epochs = COLUMNS.index("Epochs")
    assert {column for _, column in reads} <= {epochs - 1, epochs, epochs + 1}, "only the epochs (as repainted)"
