"""Polynomial degree, losses, penalties, schedules and the validation split, set in the window as a user
sets them (issue 13): what Train sends, what a project keeps, and what the plots draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from tests.conftest import ROOT
from tests.test_gui_training import press_train

ARTIFACTS = ROOT / "test-artifacts"

SETTINGS = {"degree": 3, "loss": "huber", "huber_delta": 0.75, "l2": 0.01, "l1": 0.002, "schedule": "step",
            "step_size": 40, "gamma": 0.8, "validation_fraction": 0.25}


def choose(combo, key: str) -> None:
    index = combo.findData(key)
    assert index >= 0, key
    combo.setCurrentIndex(index)


def set_model_controls(window, settings: dict) -> None:
    controls = window.panel.model_controls
    find = window.panel.findChild
    find(QSpinBox, "degreeSpin").setValue(settings["degree"])
    choose(find(QComboBox, "lossCombo"), settings["loss"])
    find(QDoubleSpinBox, "huberDeltaSpin").setValue(settings["huber_delta"])
    find(QDoubleSpinBox, "l2Spin").setValue(settings["l2"])
    find(QDoubleSpinBox, "l1Spin").setValue(settings["l1"])
    choose(find(QComboBox, "scheduleCombo"), settings["schedule"])
    find(QSpinBox, "stepSizeSpin").setValue(settings["step_size"])
    find(QDoubleSpinBox, "gammaSpin").setValue(settings["gamma"])
    find(QDoubleSpinBox, "validationFractionSpin").setValue(settings["validation_fraction"])
    assert controls.isVisibleTo(window)


def test_every_model_control_reaches_the_run_and_the_project(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    window.table.paste_text("5\t9.5\n6\t13\n7\t12\n8\t20\n")
    window.panel.epochs_spin.setValue(200)
    choose(window.panel.optimizer_combo, "nesterov")
    window.panel.momentum_spin.setValue(0.5)
    window.panel.learning_rate_spin.setValue(0.001)
    set_model_controls(window, SETTINGS)
    result = press_train(qtbot, window)
    run_config = window.runs.latest().config
    for key, value in SETTINGS.items():
        assert getattr(run_config, key) == value, key
        assert result.config[key] == value, key
    assert (run_config.optimizer, run_config.momentum) == ("nesterov", 0.5)
    assert len(result.coefficients) == 4
    assert window.loss_plot.plot.getPlotItem().getAxis("left").labelText == "loss (Huber)"

    path = tmp_path / "model.gdsproj"
    assert window.files.save_project_to(path)
    reopened = make_window()
    assert reopened.files.open_project(path)
    config = reopened.panel.config()
    for key, value in SETTINGS.items():
        assert getattr(config, key) == value, key
    window.close()  # the remembered settings keep them too, for the next window
    remembered = make_window().panel.config()
    for key, value in SETTINGS.items():
        assert getattr(remembered, key) == value, key


def test_defaults_mean_the_line_the_app_always_fitted(qtbot, window) -> None:
    config = window.panel.config()
    assert config == TrainingConfig(device=config.device)
    assert config.step_size is None and config.gamma is None


def test_optimizers_losses_and_schedules_are_all_offered_and_settings_apply_only_where_they_mean_something(
        qtbot, window) -> None:
    panel, controls = window.panel, window.panel.model_controls
    assert [panel.optimizer_combo.itemText(i) for i in range(panel.optimizer_combo.count())] == \
        list(OPTIMIZERS.labels().values())
    assert panel.optimizer_combo.count() == 7
    for key in OPTIMIZERS:
        choose(panel.optimizer_combo, key)
        assert panel.momentum_spin.isEnabled() == (key in ("momentum", "nesterov")), key
    for loss in ("mse", "mae", "huber"):
        choose(controls.loss_combo, loss)
        assert controls.huber_delta_spin.isEnabled() == (loss == "huber")
    for schedule in ("constant", "step", "exponential", "cosine"):
        choose(controls.schedule_combo, schedule)
        assert controls.step_size_spin.isEnabled() == (schedule == "step")
        assert controls.gamma_spin.isEnabled() == (schedule in ("step", "exponential"))


def test_an_older_settings_table_loads_the_new_fields_at_their_defaults(qtbot, settings, make_window) -> None:
    import json
    settings.setValue("training/config", json.dumps({"learning_rate": 0.05, "epochs": 300, "optimizer": "adam"}))
    config = make_window().panel.config()
    assert (config.learning_rate, config.epochs, config.optimizer) == (0.05, 300, "adam")
    assert (config.degree, config.loss, config.l2, config.l1, config.schedule, config.validation_fraction) == \
        (1, "mse", 0.0, 0.0, "constant", 0.0)
    assert config.huber_delta == TrainingConfig().huber_delta and config.step_size is None


def test_keyboard_reaches_the_degree_box(qtbot, window) -> None:
    spin = window.panel.model_controls.degree_spin
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert window.panel.config().degree == 2


def test_the_stable_rate_hint_follows_degree_loss_and_penalties(qtbot, window) -> None:
    from engine.analysis.polynomial_fit import largest_stable_rate
    from engine.data.features import feature_matrix

    controls, label = window.panel.model_controls, window.panel.stable_rate_label
    controls.degree_spin.setValue(3)
    bound = largest_stable_rate(feature_matrix(window.model.x(), 3), 0.0)
    assert window.panel.stable_learning_rate() == pytest.approx(bound)
    assert f"{bound:.4g}" in label.text()
    controls.l2_spin.setValue(0.5)
    assert window.panel.stable_learning_rate() == pytest.approx(largest_stable_rate(
        feature_matrix(window.model.x(), 3), 0.5))
    choose(controls.loss_combo, "mae")
    assert window.panel.stable_learning_rate() is None and "no fixed bound" in label.text()
    choose(controls.loss_combo, "mse")
    controls.l1_spin.setValue(0.1)
    assert window.panel.stable_learning_rate() is None and "L1" in label.text()


def noisy_points(count: int = 12, seed: int = 1):
    from engine.data.point_generator import GeneratorSpec, generate_points

    return generate_points(GeneratorSpec(count=count, noise=2.0, seed=seed))


def polynomial_settings(window, *, degree: int, fraction: float, epochs: int, seed: int = 5) -> None:
    panel = window.panel
    choose(panel.optimizer_combo, "adam")
    panel.learning_rate_spin.setValue(0.05)
    panel.epochs_spin.setValue(epochs)
    panel.seed_spin.setValue(seed)
    panel.standardize_check.setChecked(True)
    panel.model_controls.degree_spin.setValue(degree)
    panel.model_controls.validation_fraction_spin.setValue(fraction)


def test_the_data_plot_draws_the_trained_polynomial_its_exact_optimum_and_the_held_out_points_hollow(
        qtbot, window) -> None:
    from engine.analysis.polynomial_fit import exact_optimum
    from engine.data.features import validation_split

    window.model.replace_points(noisy_points(), "generated")
    polynomial_settings(window, degree=3, fraction=0.25, epochs=1500)
    result = press_train(qtbot, window)
    plot = window.data_plot
    drawn = plot.fit_curve.drawn()
    assert drawn is not None and len(result.coefficients) == 4 and not plot.fit_line.isVisible()
    x, y = drawn
    (low, high), _ = plot.view_box.viewRange()
    assert x[0] == pytest.approx(low) and x[-1] == pytest.approx(high)  # across the whole view
    np.testing.assert_allclose(y, np.polyval(result.coefficients[::-1], x), rtol=1e-9, atol=1e-9)
    assert "x³" in window.panel.equation_label.text()

    train_rows, held_rows = validation_split(12, 0.25, 5)
    np.testing.assert_array_equal(plot.held_rows, held_rows)
    brushes = plot.scatter.data["brush"]
    assert all(brushes[row].color().alpha() == 0 for row in held_rows)
    assert all(brushes[row].color().alpha() == 255 for row in train_rows)

    exact = exact_optimum(window.model.x()[train_rows], window.model.y()[train_rows], 3)
    ghost = plot.ghost_curve.drawn()
    assert ghost is not None
    np.testing.assert_allclose(ghost[1], np.polyval(exact[::-1], ghost[0]), rtol=1e-9, atol=1e-9)
    assert np.max(np.abs(np.asarray(result.coefficients) - exact)) < 0.05 * np.max(np.abs(exact))  # Adam got there
    window.panel.model_controls.l2_spin.setValue(0.1)  # ridge: still closed form
    ridge = exact_optimum(window.model.x()[train_rows], window.model.y()[train_rows], 3, 0.1)
    np.testing.assert_allclose(plot.ghost_curve.coefficients, ridge)
    for key in ("mae", "huber"):  # no closed form: no ghost
        choose(window.panel.model_controls.loss_combo, key)
        assert plot.ghost_curve.drawn() is None and not plot.ghost_line.isVisible()
    choose(window.panel.model_controls.loss_combo, "mse")
    window.panel.model_controls.l1_spin.setValue(0.1)
    assert plot.ghost_curve.drawn() is None


def test_the_curve_follows_the_run_while_it_trains(qtbot, window) -> None:
    window.model.replace_points(noisy_points(), "generated")
    polynomial_settings(window, degree=5, fraction=0.0, epochs=3_000_000)
    window.panel.set_pace(0.0)
    qtbot.mouseClick(window.panel.train_button, Qt.MouseButton.LeftButton)
    run = window.runs.latest()
    qtbot.waitUntil(lambda: window.data_plot.fit_curve.drawn() is not None and len(run.live_losses) > 100,
                    timeout=30_000)
    seen = window.data_plot.fit_curve.coefficients
    qtbot.waitUntil(lambda: window.data_plot.fit_curve.coefficients != seen, timeout=30_000)
    assert len(window.data_plot.fit_curve.coefficients) == 6
    assert window.data_plot.fit_curve.coefficients in (run.live_coefficients, run.coefficients())
    with qtbot.waitSignal(window.trainingFinished, timeout=30_000):
        qtbot.mouseClick(window.panel.stop_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(window.data_plot.fit_curve.coefficients, run.result.coefficients)


def test_training_and_validation_loss_are_drawn_tabled_and_kept_in_the_project(
        qtbot, make_window, tmp_path: Path) -> None:
    from gui.kit import number_format as fmt
    from gui.session.run_history import COLUMNS

    window = make_window()
    window.model.replace_points(noisy_points(), "generated")
    polynomial_settings(window, degree=3, fraction=0.25, epochs=1500)
    result = press_train(qtbot, window)
    run = window.runs.latest()
    assert result.validation_history is not None and result.validation_history.size == 1500
    drawn = window.loss_plot.validation_curve_of(run)
    assert drawn is not None
    np.testing.assert_array_equal(drawn[0], np.arange(1, 1501))
    np.testing.assert_allclose(drawn[1], result.validation_history)
    curve = window.loss_plot.validation[run.number][0]
    assert curve.opts["pen"].style() == Qt.PenStyle.DashLine
    assert curve.opts["pen"].color().rgb() == run.color.rgb()
    assert f"#{run.number} validation" in [label.text for _, label in window.loss_plot.legend.items]
    training = window.loss_plot.curve_of(run)
    assert training is not None and not np.allclose(training[1], drawn[1])  # two different curves
    shown = {name: window.runs.index(0, column).data() for column, name in enumerate(COLUMNS)}
    assert shown["Validation loss"] == fmt.number(result.validation_loss)
    assert shown["Final loss"] == fmt.number(result.final_loss)
    assert f"validation loss = {fmt.number(result.validation_loss)}" in window.panel.result_label.text()

    path = tmp_path / "poly.gdsproj"
    assert window.files.save_project_to(path)
    reopened = make_window()
    assert reopened.files.open_project(path)
    again = reopened.runs.latest()
    assert again.result.coefficients == result.coefficients and again.result.validation_loss == result.validation_loss
    np.testing.assert_allclose(reopened.loss_plot.validation_curve_of(again)[1], result.validation_history)
    x, y = reopened.data_plot.fit_curve.drawn()
    np.testing.assert_allclose(y, np.polyval(result.coefficients[::-1], x), rtol=1e-9, atol=1e-9)


def test_a_line_without_a_split_draws_no_validation_curve(qtbot, window) -> None:
    press_train(qtbot, window)
    run = window.runs.latest()
    assert window.loss_plot.validation_curve_of(run) is None and run.validation_values() is None
    assert window.data_plot.fit_line.isVisible() and window.data_plot.fit_curve.drawn() is None
    assert window.data_plot.held_rows.size == 0


def test_the_overfitting_lesson_validation_turns_up_while_training_falls(qtbot, window) -> None:
    """Degree 9 through a dozen of the generator's noisy points, 30 % held out: the drawn validation curve
    bottoms out early and ends clearly higher, while the training curve keeps falling."""
    from engine.data.point_generator import GeneratorSpec, generate_points

    window.model.replace_points(generate_points(GeneratorSpec(count=12, noise=1.0, seed=0)), "generated")
    polynomial_settings(window, degree=9, fraction=0.3, epochs=3000, seed=0)
    press_train(qtbot, window)
    run = window.runs.latest()
    epochs, validation = window.loss_plot.validation_curve_of(run)
    _, training = window.loss_plot.curve_of(run)
    best = int(np.argmin(validation))
    assert epochs[best] < 0.25 * epochs[-1], "the validation loss is lowest early in the run"
    assert validation[-1] > 3.0 * validation[best], "and ends clearly higher"
    assert training[-1] < 0.5 * training[best], "while the training loss kept falling"
    assert window.data_plot.held_rows.size == 3 and window.data_plot.fit_curve.drawn() is not None
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1280, 800), (1024, 768)):  # to be looked at: the lesson as a learner sees it
        window.resize(width, height)
        qtbot.waitUntil(lambda size=(width, height): (window.width(), window.height()) == size)
        qtbot.wait(100)
        window.grab().save(str(ARTIFACTS / f"overfitting-degree-9-{width}x{height}.png"))


def test_the_learning_rate_plot_draws_the_schedule_and_follows_its_settings(qtbot, window) -> None:
    from pyqtgraph import PlotWidget

    from engine.training.schedules import SCHEDULES

    plot = window.findChild(PlotWidget, "learningRatePlot")
    assert plot is not None and not plot.isVisible()  # a constant rate: nothing to show
    panel, controls = window.panel, window.panel.model_controls
    panel.learning_rate_spin.setValue(0.2)
    panel.epochs_spin.setValue(400)
    epochs, rates = plot.drawn()
    assert epochs.size == 400 and np.all(rates == 0.2)  # constant
    for schedule in ("step", "exponential", "cosine"):
        choose(controls.schedule_combo, schedule)
        if schedule == "step":
            controls.step_size_spin.setValue(50)
            controls.gamma_spin.setValue(0.5)
        config = panel.config()
        expected, rate = [], 0.2
        for epoch in range(1, 401):
            expected.append(rate)
            rate = SCHEDULES.get(schedule).next_rate(rate, 0.2, epoch, config)
        epochs, rates = plot.drawn()
        assert plot.isVisible()
        np.testing.assert_allclose(rates, expected)
        assert rates[-1] < rates[0]
    choose(controls.schedule_combo, "step")
    assert plot.drawn()[1][50] == pytest.approx(0.1) and plot.drawn()[1][49] == pytest.approx(0.2)
    panel.epochs_spin.setValue(800)
    assert plot.drawn()[0].size == 800


@pytest.mark.parametrize("schedule", ["constant", "step", "exponential", "cosine"])
def test_a_long_run_s_rates_are_the_schedule_s_own_at_the_epochs_drawn(schedule: str) -> None:
    from engine.training.schedules import SCHEDULES
    from gui.views.learning_rate_plot import MAX_ITERATED, scheduled_rates

    config = TrainingConfig(epochs=3 * MAX_ITERATED, learning_rate=0.1, schedule=schedule, gamma=0.9999)
    epochs, rates = scheduled_rates(config)
    assert epochs[0] == 1 and epochs[-1] == config.epochs and epochs.size <= MAX_ITERATED
    stepped, rate = {}, 0.1
    for epoch in range(1, config.epochs + 1):
        stepped[epoch] = rate
        rate = SCHEDULES.get(schedule).next_rate(rate, 0.1, epoch, config)
    np.testing.assert_allclose(rates, [stepped[int(epoch)] for epoch in epochs], rtol=1e-9, atol=1e-15)


def test_the_landscape_says_what_it_shows_for_each_model(qtbot, window) -> None:
    landscape, controls = window.landscape, window.panel.model_controls
    assert landscape.plot.isVisible() and not landscape.note.isVisible()
    assert not landscape.plot.getPlotItem().titleLabel.isVisible()
    choose(controls.loss_combo, "huber")
    assert "Shading: Huber (δ = " in landscape.plot.getPlotItem().titleLabel.text
    controls.degree_spin.setValue(4)
    assert not landscape.plot.isVisible() and landscape.note.isVisible()
    assert "degree 4" in landscape.note.text() and "5 coefficients" in landscape.note.text()
    assert "slice" in landscape.note.text()
    controls.degree_spin.setValue(1)
    choose(controls.loss_combo, "mse")
    assert landscape.plot.isVisible() and not landscape.note.isVisible()
    assert not landscape.plot.getPlotItem().titleLabel.isVisible()
