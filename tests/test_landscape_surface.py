"""The landscape shades the run's own loss (issue 13): MAE and Huber over (w, b) for a line, on a sample
above 20,000 points, and a slice through two chosen coefficients for a polynomial."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QComboBox

from engine.analysis.loss_surface import SAMPLE_LIMIT, Objective, line_loss_grid, sample_points, slice_loss_grid
from engine.analysis.polynomial_fit import exact_optimum
from gui.views.landscape_shading import banded
from tests.conftest import ROOT
from tests.test_gui_model import choose
from tests.test_gui_training import press_train

ARTIFACTS = ROOT / "test-artifacts"
POINTS = "1\t2.5\n2\t3.1\n3\t7.9\n4\t8.2\n5\t12.5\n6\t11.0\n7\t16.4\n"


def _direct(x: np.ndarray, y: np.ndarray, w: float, b: float, objective: Objective) -> float:
    """The loss as torch's MSELoss/L1Loss/HuberLoss write it, plus the penalty, point by point."""
    error = w * x + b - y
    if objective.loss == "mae":
        data = np.mean(np.abs(error))
    else:
        delta = objective.huber_delta
        data = np.mean([0.5 * e * e if abs(e) < delta else delta * (abs(e) - 0.5 * delta) for e in error])
    return float(data + objective.l2 * w * w + objective.l1 * abs(w))


@pytest.mark.parametrize("objective", [Objective("mae"), Objective("huber", 0.75), Objective("huber", 2.0, 0.1, 0.3),
                                       Objective("mae", l1=0.5)])
def test_the_line_surface_is_the_loss_point_by_point(objective: Objective) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(-4, 9, 301)
    y = 1.7 * x - 2 + rng.standard_t(2, 301)
    weights, biases = np.linspace(-3, 5, 9), np.linspace(-6, 4, 7)
    grid = line_loss_grid(x, y, weights, biases, objective)
    for row, column in ((0, 0), (3, 4), (6, 8), (2, 7)):
        assert grid[row, column] == pytest.approx(_direct(x, y, weights[column], biases[row], objective), rel=1e-9)


def test_a_slice_is_the_polynomial_s_loss_with_two_coefficients_changed() -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(-2, 3, 200)
    y = 0.5 * x**3 - x + 1 + rng.normal(0, 0.3, 200)
    held = (1.0, -0.8, 0.1, 0.45)
    objective = Objective("huber", 0.5, 0.02, 0.01)
    firsts, seconds = np.linspace(-2, 2, 5), np.linspace(-1, 1, 4)
    for first, second in ((1, 0), (0, 2), (3, 1), (2, 3)):
        grid = slice_loss_grid(x, y, held, first, second, firsts, seconds, objective)
        for row, column in ((0, 0), (3, 4), (1, 2)):
            c = np.array(held)
            c[first], c[second] = firsts[column], seconds[row]
            error = np.polynomial.polynomial.polyval(x, c) - y
            data = np.where(np.abs(error) < 0.5, 0.5 * error**2, 0.5 * (np.abs(error) - 0.25)).mean()
            expected = data + 0.02 * np.sum(c[1:] ** 2) + 0.01 * np.sum(np.abs(c[1:]))
            assert grid[row, column] == pytest.approx(expected, rel=1e-9)


def _degree_one_mae(qtbot, window):
    window.table.paste_text(POINTS)
    controls = window.panel.model_controls
    choose(controls.loss_combo, "mae")
    return window.landscape


def test_the_window_shades_a_line_s_mae_and_huber(qtbot, window) -> None:
    landscape = _degree_one_mae(qtbot, window)
    item = landscape.plot.getPlotItem()
    assert landscape.plot.isVisible() and "Shading: MAE" in item.titleLabel.text
    assert "sample" not in item.titleLabel.text
    weights, biases, losses = landscape.surface()
    x, y = window.model.x(), window.model.y()
    np.testing.assert_array_equal(landscape.image.image, banded(losses))
    np.testing.assert_allclose(losses, line_loss_grid(x, y, weights, biases, Objective("mae")))
    for row, column in ((0, 0), (60, 80), (119, 159)):
        assert losses[row, column] == pytest.approx(_direct(x, y, weights[column], biases[row], Objective("mae")))
    choose(window.panel.model_controls.loss_combo, "huber")
    window.panel.model_controls.huber_delta_spin.setValue(0.5)
    window.panel.model_controls.l2_spin.setValue(0.1)
    assert "Huber (δ = 0.5) + L2 penalty" in item.titleLabel.text
    weights, biases, losses = landscape.surface()
    huber = Objective("huber", 0.5, 0.1)
    np.testing.assert_array_equal(landscape.image.image, banded(losses))
    for row, column in ((5, 7), (100, 20)):
        assert losses[row, column] == pytest.approx(_direct(x, y, weights[column], biases[row], huber))
    text = landscape.hover_text_at(weights[80], biases[60])
    assert text.startswith("w =") and "loss =" in text


def test_a_screenshot_of_the_mae_landscape(qtbot, window) -> None:
    landscape = _degree_one_mae(qtbot, window)
    press_train(qtbot, window)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    QApplication.processEvents()
    ARTIFACTS.mkdir(exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "landscape-degree1-mae-1280x800.png"))
    assert landscape.image.image is not None


def test_many_points_are_shaded_from_a_sample_the_title_names(qtbot, window) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 10, 30_000)
    lines = "\n".join(f"{a:.4f}\t{2 * a + 1 + b:.4f}" for a, b in zip(x, rng.normal(0, 1, x.size), strict=True))
    window.table.paste_text(lines + "\n")
    choose(window.panel.model_controls.loss_combo, "mae")
    title = window.landscape.plot.getPlotItem().titleLabel.text
    total = window.model.x().size
    assert total > 30_000 and f"MAE over a sample of {SAMPLE_LIMIT:,} of {total:,} points" in title
    sample = sample_points(window.model.x(), window.model.y())
    weights, biases, losses = window.landscape.surface()
    np.testing.assert_allclose(losses, line_loss_grid(sample.x, sample.y, weights, biases, Objective("mae")))
    choose(window.panel.model_controls.loss_combo, "mse")  # MSE is exact over every point: no sample
    assert not window.landscape.plot.getPlotItem().titleLabel.isVisible()


def _degree_three_run(qtbot, window, loss: str = "mse"):
    window.table.paste_text(POINTS)
    controls = window.panel.model_controls
    controls.degree_spin.setValue(3)
    choose(controls.loss_combo, loss)
    window.panel.epochs_spin.setValue(300)
    window.panel.learning_rate_spin.setValue(1e-6 if loss == "mse" else 1e-4)  # MSE: below its stable rate
    press_train(qtbot, window)
    return window.landscape.slice


def test_a_polynomial_run_shows_a_slice_the_combos_choose(qtbot, window) -> None:
    piece = _degree_three_run(qtbot, window, "mae")
    first = window.findChild(QComboBox, "sliceFirstCoefficientCombo")
    second = window.findChild(QComboBox, "sliceSecondCoefficientCombo")
    assert piece.isVisible() and not window.landscape.plot.isVisible() and not window.landscape.note.isVisible()
    assert [first.itemText(i) for i in range(first.count())] == ["c0 (constant)", "c1 (x)", "c2 (x²)", "c3 (x³)"]
    assert (first.currentIndex(), second.currentIndex()) == (1, 0)
    assert "Slice through c1 and c0, the other coefficients held at the run's current values" in piece.title()
    coefficients = window.runs.latest().coefficients()
    marker = piece.marker.getData()
    assert (marker[0][0], marker[1][0]) == pytest.approx((coefficients[1], coefficients[0]))
    before = piece.image.image.copy()
    choose_index(first, 2)
    assert "Slice through c2 and c0" in piece.title()
    assert piece.plot.getPlotItem().getAxis("bottom").labelText == "c2 (x²)"
    choose_index(second, 1)
    assert "Slice through c2 and c1" in piece.title()
    firsts, seconds, losses = piece.surface()
    x, y = window.model.x(), window.model.y()
    np.testing.assert_allclose(losses, slice_loss_grid(x, y, coefficients, 2, 1, firsts, seconds, Objective("mae")))
    np.testing.assert_array_equal(piece.image.image, banded(losses))
    assert piece.image.image.shape != before.shape or not np.array_equal(piece.image.image, before)
    choose_index(first, 1)  # the same coefficient twice is no plane: the other takes the one left
    assert (first.currentIndex(), second.currentIndex()) == (1, 2)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    QApplication.processEvents()
    ARTIFACTS.mkdir(exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "landscape-degree3-slice-1280x800.png"))


def choose_index(combo: QComboBox, index: int) -> None:
    combo.setCurrentIndex(index)


@pytest.mark.parametrize("pair", [(1, 0), (3, 2), (0, 3)])
def test_an_mse_slice_through_the_exact_optimum_is_lowest_at_it(qtbot, window, pair: tuple[int, int]) -> None:
    piece = _degree_three_run(qtbot, window)
    x, y = window.model.x(), window.model.y()
    exact = exact_optimum(x, y, 3)
    assert exact is not None
    start = exact.copy()
    start[pair[0]] += 0.7 * max(1.0, abs(exact[pair[0]]))  # the run elsewhere in the two chosen, optimal in the rest
    start[pair[1]] -= 0.4 * max(1.0, abs(exact[pair[1]]))
    piece.show_run(tuple(start), Objective("mse"), sample_points(x, y), tuple(exact))
    choose_index(piece.first_combo, pair[0])
    choose_index(piece.second_combo, pair[1])
    firsts, seconds, losses = piece.surface()
    row, column = np.unravel_index(np.argmin(losses), losses.shape)
    at_exact = slice_loss_grid(x, y, tuple(exact), *pair, exact[[pair[0]]], exact[[pair[1]]], Objective("mse"))
    assert float(at_exact[0, 0]) <= float(losses.min()) * (1 + 1e-12)  # nothing on the grid is below it
    # a narrow tilted valley's lowest cell may sit a few cells along the valley from its true bottom
    assert abs(firsts[column] - exact[pair[0]]) <= 5 * (firsts[1] - firsts[0])
    assert abs(seconds[row] - exact[pair[1]]) <= 5 * (seconds[1] - seconds[0])


def test_tab_reaches_the_slice_combos_after_the_data_plot(qtbot, window) -> None:
    from tests.test_keyboard import _focus, _tab

    _degree_three_run(qtbot, window)
    _focus(qtbot, window, window.data_plot)
    assert [_tab(qtbot) for _ in range(4)] == ["sliceFirstCoefficientCombo", "sliceSecondCoefficientCombo",
                                               "landscapeSlicePlot", "logScaleCheck"]
