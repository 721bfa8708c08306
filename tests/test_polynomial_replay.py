"""Replay and step details for polynomial runs (and every run the line's arithmetic does not cover): each step
keeps every coefficient, so the timeline draws the curve of that step over the one before it, the landscape
slice's dot moves to it, and the step details spell out every parameter's gradient and update with numbers
that match autograd's gradient at those parameters. Traces keep it through thinning and project files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from engine.data.features import FeatureScaling, validation_split
from engine.data.points import PointSet
from engine.errors import DataError
from engine.files.project_file import Project, SavedRun, load_project, save_project
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from engine.training.parameter_explanation import TrainedColumns, explain_parameter_step
from engine.training.step_trace import StepTrace
from engine.training.trainer import TrainingRun, train
from tests.test_gui_model import choose, noisy_points, polynomial_settings
from tests.test_gui_training import press_train

POINTS = PointSet.from_columns(np.linspace(-2.0, 3.0, 12), 3.0 * np.sin(np.linspace(-2.0, 3.0, 12)) + 1.0)


def traced(points: PointSet, config: TrainingConfig) -> tuple[StepTrace, tuple[float, ...]]:
    """A run's trace as the window builds it from progress batches, and its result's coefficients."""
    batches: list = []
    result = train(points, config, on_progress=batches.append)
    trace = StepTrace()
    for batch in batches:
        trace.extend(batch.records)
    return trace, result.coefficients


@pytest.mark.parametrize("path", ["fused", "autograd"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_every_step_keeps_the_polynomial_a_run_of_that_many_epochs_ends_with(path: str, optimizer: str) -> None:
    config = TrainingConfig(degree=3, optimizer=optimizer, learning_rate=0.01, epochs=40, path=path,
                            standardize=True, l2=0.01)
    trace, final = traced(POINTS, config)
    assert trace.parameter_count == 4 and len(trace) == 41
    np.testing.assert_allclose(trace.coefficients_at(40), final, rtol=1e-12, atol=1e-12)
    for epochs in (1, 17):
        shorter = TrainingRun(POINTS, TrainingConfig(**{**config.to_dict(), "epochs": epochs})).advance()
        np.testing.assert_allclose(trace.coefficients_at(epochs), shorter.coefficients, rtol=1e-12, atol=1e-12)
    start = TrainingRun(POINTS, config).result()  # before any step
    np.testing.assert_allclose(trace.coefficients_at(0), start.coefficients, rtol=1e-12, atol=1e-12)
    record = trace.record(17)
    assert record is not None and record.parameters is not None
    assert record.parameters.coefficients_before == trace.coefficients_at(16)
    assert len(record.parameters.state) == len(OPTIMIZERS.get(optimizer).torch_state_keys)


def autograd_gradient(theta: np.ndarray, points: PointSet, config: TrainingConfig) -> np.ndarray:
    """torch's own gradient of the run's loss plus its penalty at trained θ, in float64."""
    training = points
    if config.validation_fraction:
        rows, _ = validation_split(len(points), config.validation_fraction, config.seed)
        training = PointSet.from_columns(points.x[rows], points.y[rows])
    scaling = FeatureScaling.fitted_to(training, config.degree) if config.standardize else \
        FeatureScaling.identity(config.degree)
    features, targets = (torch.tensor(column) for column in scaling.columns(training))
    weights = torch.tensor(theta[:-1], requires_grad=True)
    bias = torch.tensor(theta[-1], requires_grad=True)
    prediction = features @ weights + bias
    criterion = {"mse": torch.nn.MSELoss(), "mae": torch.nn.L1Loss(),
                 "huber": torch.nn.HuberLoss(delta=config.huber_delta / scaling.scale_y)}[config.loss]
    loss = criterion(prediction, targets) + config.l2 * weights.pow(2).sum() + config.l1 * weights.abs().sum()
    loss.backward()
    assert weights.grad is not None and bias.grad is not None
    return np.append(weights.grad.numpy(), bias.grad.item())


@pytest.mark.parametrize("settings", [
    {"degree": 3, "optimizer": "adam"}, {"degree": 4, "loss": "mae", "l1": 0.05, "optimizer": "nesterov"},
    {"degree": 2, "loss": "huber", "l2": 0.1, "optimizer": "adamw", "validation_fraction": 0.25},
    {"degree": 5, "optimizer": "adagrad", "standardize": True}, {"optimizer": "rmsprop", "loss": "mae"},
    {"degree": 3, "optimizer": "momentum", "path": "autograd", "standardize": True}])
def test_the_step_details_spell_out_every_parameter_with_autograd_s_gradient(settings: dict) -> None:
    config = TrainingConfig(epochs=6, learning_rate=0.05, **settings)
    trace, _ = traced(POINTS, config)
    columns = TrainedColumns.of_points(POINTS, config)
    names = ["w"] if config.degree == 1 else [f"w{chr(0x2080 + j)}" for j in range(1, config.degree + 1)]
    names.append("b")
    for position in (1, 2, 6):
        record = trace.record(position)
        assert record is not None
        explanation = explain_parameter_step(record, config, columns)
        text, values = explanation.plain_text(), explanation.values
        assert explanation.title == f"Step {position} · epoch {position}"
        assert f"Optimizer: {OPTIMIZERS.get(config.optimizer).label}" in text
        before = np.array(record.parameters.before if record.parameters else record.trained_before)
        truth = autograd_gradient(before, POINTS, config)
        shown = np.array([values[f"grad_{name}"] for name in names])
        np.testing.assert_allclose(shown, truth, rtol=2e-5, atol=2e-6 * np.max(np.abs(truth)))
        recomputed = np.array([values[f"recomputed_grad_{name}"] for name in names])
        np.testing.assert_allclose(recomputed, truth, rtol=1e-9, atol=1e-12)
        assert values["gradient_agreement"] < 1e-5
        for name in names:  # the rule written out gives the update the engine made (float32 rounding apart)
            assert values[f"step_{name}"] == pytest.approx(values[f"delta_{name}"], rel=1e-4, abs=1e-7)
            assert f"∂L/∂{name}: " in text
    start = explain_parameter_step(None, config, columns, initial_coefficients=trace.start_coefficients())
    assert start.title == "Before the first step" and "in your units: y = " in start.plain_text()


def test_a_mini_batch_step_names_its_batch_and_keeps_the_engine_s_gradient() -> None:
    config = TrainingConfig(degree=2, batch_size=5, epochs=2, learning_rate=0.05, optimizer="adam")
    trace, _ = traced(POINTS, config)
    record = trace.record(2)
    assert record is not None
    explanation = explain_parameter_step(record, config, TrainedColumns.of_points(POINTS, config))
    assert explanation.title == "Step 2 · epoch 1 · batch 2 of 3, 5 points"
    assert "known only inside the training process" in explanation.plain_text()
    assert "recomputed_grad_b" not in explanation.values


def test_a_thinned_polynomial_trace_keeps_each_kept_step_s_coefficients() -> None:
    config = TrainingConfig(degree=3, epochs=100, learning_rate=0.02, optimizer="momentum", standardize=True)
    whole, _ = traced(POINTS, config)
    thinned = StepTrace(capacity=8)
    for start in range(0, 100, 7):  # batches of 7 steps, as progress may arrive
        thinned.extend(whole.records().head(start + 7) if start == 0 else _slice(whole, start, start + 7))
    assert thinned.stride > 1 and thinned.initial_coefficients == whole.initial_coefficients
    steps = thinned.step_numbers()
    assert steps[-1] == 100
    for position, step in enumerate(steps.tolist()):
        assert thinned.coefficients_at(position) == whole.coefficients_at(step)
        if position:
            kept, full = thinned.record(position), whole.record(step)
            assert kept is not None and full is not None and kept.parameters == full.parameters


def _slice(trace: StepTrace, start: int, stop: int):
    records = trace.records()
    stop = min(stop, len(records))
    from dataclasses import fields

    return type(records)(**{item.name: (value[start:stop] if isinstance(value := getattr(records, item.name),
                                                                        np.ndarray) else value)
                            for item in fields(records)})


# --- project files ------------------------------------------------------------------------------------------
def polynomial_project() -> tuple[Project, StepTrace]:
    config = TrainingConfig(degree=3, optimizer="adam", epochs=12, learning_rate=0.05, standardize=True)
    batches: list = []
    result = train(POINTS, config, on_progress=batches.append)
    trace = StepTrace()
    for batch in batches:
        trace.extend(batch.records)
    return Project(POINTS, config, [SavedRun(config, result, None, trace=trace.records())]), trace


def test_a_saved_polynomial_run_replays_every_coefficient_after_opening(tmp_path: Path) -> None:
    project, trace = polynomial_project()
    path = tmp_path / "poly.gdsproj"
    save_project(project, path)
    with zipfile.ZipFile(path) as archive:
        assert "runs/0/trace_wide.npy" in archive.namelist()
    saved = load_project(path).runs[0].trace
    assert saved is not None and saved.wide is not None and saved.parameter_count == 4
    np.testing.assert_array_equal(saved.wide, trace.records().wide)
    reopened = StepTrace()
    reopened.extend(saved)
    for position in range(len(trace)):
        assert reopened.coefficients_at(position) == trace.coefficients_at(position)
    assert reopened.record(5) == trace.record(5)


@pytest.mark.parametrize("bad, expected", [("nan", "runs[0].trace.wide[3][7]"), ("columns", "runs[0].trace.wide")])
def test_a_bad_wide_table_is_refused_naming_the_field(tmp_path: Path, bad: str, expected: str) -> None:
    project, _ = polynomial_project()
    path = tmp_path / "poly.gdsproj"
    save_project(project, path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    from io import BytesIO

    wide = np.load(BytesIO(members["runs/0/trace_wide.npy"]))
    if bad == "nan":
        wide[3, 7] = np.nan
    else:
        wide = wide[:, :-1]
    buffer = BytesIO()
    np.save(buffer, wide)
    members["runs/0/trace_wide.npy"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(DataError) as caught:
        load_project(path)
    assert expected in str(caught.value)


# --- the window -----------------------------------------------------------------------------------------------
def test_the_timeline_shows_a_polynomial_step_in_the_data_plot_the_slice_and_the_step_details(
        qtbot, window) -> None:
    window.model.replace_points(noisy_points(), "generated")
    polynomial_settings(window, degree=3, fraction=0.0, epochs=40)
    press_train(qtbot, window)
    run = window.runs.latest()
    trace = run.trace
    assert len(trace) == 41 and trace.parameter_count == 4
    plot, slider = window.data_plot, window.timeline_bar.slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert plot.fit_curve.coefficients == trace.coefficients_at(0) and not plot.before_curve.isVisible()
    for _ in range(5):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 5
    record = trace.record(5)
    assert record is not None and record.parameters is not None
    drawn = plot.fit_curve.drawn()
    assert drawn is not None and plot.fit_curve.coefficients == trace.coefficients_at(5)
    np.testing.assert_allclose(drawn[1], np.polyval(trace.coefficients_at(5)[::-1], drawn[0]), rtol=1e-9)
    ghost = plot.before_curve.drawn()
    assert ghost is not None
    np.testing.assert_allclose(ghost[1], np.polyval(record.parameters.coefficients_before[::-1], ghost[0]),
                               rtol=1e-9)
    assert plot.before_curve.opts["pen"].style() == Qt.PenStyle.DashLine
    assert plot.fit_curve.coefficients != run.result.coefficients  # the step's curve, not the newest

    landscape = window.landscape
    assert landscape.slice.isVisible()
    first, second = landscape.slice.chosen()
    x, y = landscape.slice.marker.getData()
    assert (x[0], y[0]) == (trace.coefficients_at(5)[first], trace.coefficients_at(5)[second])
    landscape.slice.second_combo.setCurrentIndex(3)  # another slice: the dot stays at the step shown
    first, second = landscape.slice.chosen()
    x, y = landscape.slice.marker.getData()
    assert second == 3 and (x[0], y[0]) == (trace.coefficients_at(5)[first], trace.coefficients_at(5)[3])

    text = window.step_details.plain_text()
    assert "Step 5 · epoch 5" in text and "∂L/∂w₃" in text and "recomputed" in text
    assert "in your units: y = " in text and "Optimizer: Adam" in text
    qtbot.keyClick(slider, Qt.Key.Key_End)
    np.testing.assert_allclose(plot.fit_curve.coefficients, run.result.coefficients, rtol=1e-12, atol=1e-12)

    choose(window.panel.model_controls.loss_combo, "mse")  # a line run after it: the curves go
    window.panel.model_controls.degree_spin.setValue(1)
    press_train(qtbot, window)
    assert not plot.before_curve.isVisible() and plot.fit_curve.drawn() is None and plot.fit_line.isVisible()


# --- animation export ----------------------------------------------------------------------------------------
def test_an_animation_frame_of_a_polynomial_run_draws_its_curve_at_that_step(qtbot) -> None:
    from gui.session.run_history import Run
    from gui.views.animation_frames import FrameRenderer, RunFilm

    config = TrainingConfig(degree=3, optimizer="adam", epochs=60, learning_rate=0.05, standardize=True)
    batches: list = []
    train(POINTS, config, on_progress=batches.append)
    run = Run(1, config, points=POINTS)
    for batch in batches:
        run.trace.extend(batch.records)
        run.live_losses.extend(batch.losses)
    film = RunFilm.of(run)
    assert film is not None and film.coefficients is not None and not film.shaded
    np.testing.assert_array_equal(film.coefficients[30], run.trace.coefficients_at(30))
    assert (film.weights[30], film.biases[30]) == (film.coefficients[30][1], film.coefficients[30][0])
    loss = run.loss_values()[29]
    from gui.kit import number_format as fmt

    assert film.title(30).startswith(f"{run.label} — epoch 30 · step 30 · loss {fmt.number(loss, 5)} · c₁ ")
    renderer = FrameRenderer(film, 480, 270)
    try:
        first, frame = renderer.render(0), renderer.render(30)
        green = np.array([0x2C, 0xA0, 0x2C])  # run #1's colour

        def is_green(image: np.ndarray, x: float, y: float) -> bool:  # within a pixel of (x, y): antialiasing
            near = image[round(y) - 1:round(y) + 2, round(x) - 1:round(x) + 2, :3].astype(int)
            return bool((np.abs(near - green).sum(axis=2) < 40).any())

        (low, high), (bottom, top) = renderer.data.getViewBox().viewRange()
        samples = np.linspace(low + 0.1 * (high - low), high - 0.1 * (high - low), 9)
        values = np.polyval(film.coefficients[30][::-1], samples)
        inside = (values > bottom + 0.05 * (top - bottom)) & (values < top - 0.05 * (top - bottom))
        xs, ys = renderer.data_map.to_pixels(samples[inside], values[inside])
        assert inside.sum() >= 4
        assert all(is_green(frame, x, y) for x, y in zip(xs, ys, strict=True))  # the curve at step 30
        assert sum(is_green(first, x, y) for x, y in zip(xs, ys, strict=True)) < inside.sum()
        assert renderer.landscape.getAxis("bottom").labelText == "coefficient of x, c₁"
    finally:
        renderer.close()


def test_a_race_of_polynomials_draws_every_racer_s_curve(qtbot, window) -> None:
    from gui.views.polynomial_items import PolynomialCurve

    window.model.replace_points(noisy_points(), "generated")
    polynomial_settings(window, degree=3, fraction=0.0, epochs=1_000_000)
    window.panel.set_pace(200.0)
    qtbot.mouseClick(window.panel.race_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.data_plot.live_lines) == 3, timeout=30_000)
    racers = [run for run, _ in window.data_plot.live_lines.values()]
    qtbot.waitUntil(lambda: all(len(run.live_coefficients) == 4 for run in racers), timeout=30_000)
    window._redraw_views()  # a frame
    followed = window.selected_run()
    assert followed in racers
    assert window.landscape.slice.isVisible() and not window.landscape.note.isVisible()  # sliced while live
    for run in racers:
        item = window.data_plot.live_lines[run.number][1]
        assert isinstance(item, PolynomialCurve) and item.opts["pen"].color() == run.color
        if run is followed:  # the fitted curve draws it, at the timeline's step
            assert not item.isVisible()
            assert window.data_plot.fit_curve.drawn() is not None
        else:
            drawn = item.drawn()
            assert drawn is not None and item.coefficients == run.live_coefficients
            np.testing.assert_allclose(drawn[1], np.polyval(run.live_coefficients[::-1], drawn[0]), rtol=1e-9)
    with qtbot.waitSignal(window.trainingFinished, timeout=30_000):
        qtbot.mouseClick(window.panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.data_plot.live_lines, timeout=10_000)


def test_the_landscape_shades_the_training_points_of_a_split_and_keeps_its_view_on_other_settings(
        qtbot, window) -> None:
    from engine.analysis.least_squares import Moments, least_squares

    window.model.replace_points(noisy_points(), "generated")
    x, y = window.model.x(), window.model.y()
    window.panel.model_controls.validation_fraction_spin.setValue(0.25)
    rows, held = validation_split(x.size, 0.25, window.panel.seed_spin.value())
    assert held.size == 3
    landscape = window.landscape
    assert landscape.moments == Moments.of_columns(x[rows], y[rows])
    fit = least_squares(Moments.of_columns(x[rows], y[rows]))
    assert fit is not None
    stars = landscape.optimum_marker.getData()
    assert (stars[0][0], stars[1][0]) == pytest.approx((fit.weight, fit.bias), rel=1e-12)
    landscape.plot.getViewBox().setRange(xRange=(0.0, 1.0), yRange=(0.0, 1.0), padding=0)
    window.panel.model_controls.l2_spin.setValue(0.5)  # another setting, the same points: the user's view stays
    (low, high), _ = landscape.plot.getViewBox().viewRange()
    assert (low, high) == pytest.approx((0.0, 1.0))
    window.panel.model_controls.validation_fraction_spin.setValue(0.0)  # every point trains again
    assert landscape.moments == Moments.of_columns(x, y)


def test_beyond_the_recompute_limit_the_engine_s_gradient_stands_alone_and_says_why(monkeypatch) -> None:
    from engine.training import parameter_explanation

    config = TrainingConfig(degree=3, epochs=2, learning_rate=0.01, standardize=True, validation_fraction=0.25)
    trace, _ = traced(POINTS, config)
    monkeypatch.setattr(parameter_explanation, "GRAM_LIMIT", 5)  # 12 points: over the limit
    columns = TrainedColumns.of_points(POINTS, config)
    assert columns.n == 9 and columns.gram is None  # the training points are still counted, no pass made
    explanation = explain_parameter_step(trace.record(2), config, columns)
    assert "recomputed_grad_b" not in explanation.values
    assert "Not recomputed here: a pass over more than 5 points" in explanation.plain_text()
    assert "all 9 training points" in explanation.plain_text()


def test_the_short_last_batch_of_an_epoch_is_named_by_its_place() -> None:
    points = PointSet.from_columns(POINTS.x[:10], POINTS.y[:10])
    config = TrainingConfig(degree=2, batch_size=4, epochs=3, learning_rate=0.01, optimizer="momentum")
    trace, _ = traced(points, config)
    columns = TrainedColumns.of_points(points, config)
    titles = [explain_parameter_step(trace.record(position), config, columns).title for position in range(1, 10)]
    assert titles[2] == "Step 3 · epoch 1 · batch 3 of 3, 2 points"
    assert titles[8] == "Step 9 · epoch 3 · batch 3 of 3, 2 points"
    assert titles[3] == "Step 4 · epoch 2 · batch 1 of 3, 4 points"


def test_a_line_shown_after_a_polynomial_step_leaves_no_dashed_curve_behind(qtbot, window) -> None:
    plot = window.data_plot
    green = window.runs.start_run(TrainingConfig()).color
    plot.set_curve((1.0, 2.0, 3.0), green, (0.5, 1.5, 2.5))
    assert plot.before_curve.drawn() is not None
    plot.set_curve((1.0, 2.0, 3.5), green)  # the newest curve of a run whose steps are not all kept
    assert plot.before_curve.drawn() is None
    plot.set_curve((1.0, 2.0, 3.0), green, (0.5, 1.5, 2.5))
    plot.show_model((1.0, 2.0), 2.0, 1.0, green)  # a line's result
    assert plot.before_curve.drawn() is None and plot.fit_curve.drawn() is None and plot.fit_line.isVisible()
