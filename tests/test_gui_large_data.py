"""Many points in the window: a CSV of 100,000 rows imports, draws as a density image, trains, and the
table serves every row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.data.csv_io import write_csv
from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.trainer import train
from tests.test_gui_training import press_train

COUNT = 100_000


def test_a_large_csv_imports_draws_as_density_and_trains(qtbot, window, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(-5, 5, COUNT)
    points = PointSet.from_columns(x, 0.7 * x - 2 + rng.normal(0, 0.3, COUNT))
    source = tmp_path / "big.csv"
    write_csv(points, source)
    assert window.files.import_csv(source)
    assert window.model.rowCount() == COUNT
    assert window.table.model().data(window.model.index(COUNT - 1, 1)) == f"{points.y[-1]:.10g}"

    plot = window.data_plot
    qtbot.waitUntil(lambda: plot.is_dense())
    plot.getPlotItem().getViewBox().autoRange(padding=0.05)
    assert int(plot.density.counts.sum()) == COUNT, "every point lands in a cell of the view"
    assert not plot.scatter.isVisible()
    window.residuals_check.setChecked(True)
    assert plot.residual_segments() == 0, "no residual segments for 100,000 points"

    window.panel.epochs_spin.setValue(50)
    window.panel.learning_rate_spin.setValue(0.05)
    result = press_train(qtbot, window)
    expected = train(points, TrainingConfig(epochs=50, learning_rate=0.05))
    assert result.weight == pytest.approx(expected.weight, abs=1e-6)
    assert result.bias == pytest.approx(expected.bias, abs=1e-6)
    assert window.loss_plot.point_count() == 50

    window.menus.undo.trigger()
    assert window.model.rowCount() == 4 and not plot.is_dense() and plot.scatter.isVisible()
