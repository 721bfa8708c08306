"""The exact answer, the loss surface, the stable learning rate, feature scaling and the generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.analysis.least_squares import (
    Moments,
    largest_stable_learning_rate,
    least_squares,
    loss_grid,
    r_squared,
)
from engine.data.point_generator import GeneratorSpec, generate_points
from engine.data.points import PointSet
from engine.data.scaling import Standardizer
from engine.errors import ConfigError
from engine.training.config import TrainingConfig
from engine.training.optimizers import stable_learning_rate_for
from engine.training.trainer import train


def random_points(seed: int, n: int = 200, offset: float = 0.0) -> PointSet:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 5, n) + offset
    return PointSet.from_columns(x, 1.7 * x - 4.0 + rng.normal(0, 0.8, n))


def direct_mse(points: PointSet, weight: float, bias: float) -> float:
    return float(np.mean((weight * points.x + bias - points.y) ** 2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_surface_is_the_mse_at_every_grid_point(seed: int) -> None:
    points = random_points(seed, offset=1000.0 * seed)  # far from 0: the centred form must not cancel
    moments = Moments.of(points)
    fit = least_squares(moments)
    assert fit is not None
    weights = np.linspace(fit.weight - 2, fit.weight + 2, 9)
    biases = np.linspace(fit.bias - 50, fit.bias + 50, 7)
    grid = loss_grid(moments, weights, biases)
    assert grid.shape == (7, 9)
    for row, bias in enumerate(biases):
        for column, weight in enumerate(weights):
            assert grid[row, column] == pytest.approx(direct_mse(points, weight, bias), rel=1e-9)


def test_the_landscape_minimum_is_the_closed_form_optimum() -> None:
    points = random_points(5)
    moments = Moments.of(points)
    fit = least_squares(moments)
    assert fit is not None
    expected_w, expected_b = np.polyfit(points.x, points.y, 1)
    assert fit.weight == pytest.approx(expected_w, rel=1e-10) and fit.bias == pytest.approx(expected_b, rel=1e-10)
    assert fit.loss == pytest.approx(direct_mse(points, fit.weight, fit.bias), rel=1e-10)
    weights = np.linspace(fit.weight - 1, fit.weight + 1, 201)  # the optimum lies on the grid's centre
    biases = np.linspace(fit.bias - 1, fit.bias + 1, 201)
    grid = loss_grid(moments, weights, biases)
    row, column = np.unravel_index(np.argmin(grid), grid.shape)
    assert (row, column) == (100, 100)
    assert grid.min() == pytest.approx(fit.loss, rel=1e-12)


def test_no_optimum_without_two_distinct_x() -> None:
    assert least_squares(Moments.of(PointSet.from_columns([2, 2, 2], [1, 2, 3], validate=False))) is None
    assert least_squares(Moments.of(PointSet.from_columns([], [], validate=False))) is None


def test_r_squared_is_one_for_a_perfect_line_and_matches_its_definition() -> None:
    moments = Moments.of(PointSet.seed())
    assert r_squared(moments, 2.0, 0.0) == pytest.approx(1.0)
    points = random_points(3)
    moments = Moments.of(points)
    sse = np.sum((0.5 * points.x + 1 - points.y) ** 2)
    sst = np.sum((points.y - points.y.mean()) ** 2)
    assert r_squared(moments, 0.5, 1.0) == pytest.approx(1 - sse / sst, rel=1e-10)
    assert math.isnan(r_squared(Moments.of(PointSet.from_columns([1, 2], [3, 3])), 0.0, 3.0))


def test_the_stable_rate_is_two_over_the_largest_hessian_eigenvalue() -> None:
    points = random_points(4)
    design = np.column_stack([points.x, np.ones(len(points))])
    hessian = 2.0 / len(points) * design.T @ design
    expected = 2.0 / np.linalg.eigvalsh(hessian).max()
    moments = Moments.of(points)
    assert largest_stable_learning_rate(moments) == pytest.approx(expected, rel=1e-12)
    assert stable_learning_rate_for(moments, "momentum", 0.9) == pytest.approx(1.9 * expected, rel=1e-12)
    assert stable_learning_rate_for(moments, "adam", 0.9) is None


@pytest.mark.parametrize("points", [PointSet.seed(), random_points(8, n=50)], ids=["seed", "random"])
def test_gradient_descent_diverges_just_above_the_bound_and_converges_just_below(points: PointSet) -> None:
    stable = largest_stable_learning_rate(Moments.of(points))
    assert stable is not None
    above = train(points, TrainingConfig(learning_rate=1.05 * stable, epochs=20_000, device="cpu"))
    assert above.stop_reason == "diverged"
    assert f"{stable:.4g}" in above.message and above.suggested_learning_rate is not None
    assert above.suggested_learning_rate < stable
    below = train(points, TrainingConfig(learning_rate=0.95 * stable, epochs=20_000, device="cpu"))
    assert below.stop_reason == "completed"
    history = below.loss_history
    fit = least_squares(Moments.of(points))
    assert fit is not None
    assert np.isfinite(history).all() and history[-1] <= fit.loss + 1e-3 * (history[0] - fit.loss)


@pytest.mark.parametrize("seed", [0, 6])
def test_standardized_moments_are_those_of_the_scaled_points(seed: int) -> None:
    points = random_points(seed, offset=300.0)
    scaled_x, scaled_y = Standardizer.fitted_to(points).scale_columns(points)
    direct, shortcut = Moments.of_columns(scaled_x, scaled_y), Moments.of(points).standardized()
    assert (shortcut.n, shortcut.mean_x, shortcut.mean_y, shortcut.var_x, shortcut.var_y) == (len(points), 0, 0, 1, 1)
    assert shortcut.cov_xy == pytest.approx(np.corrcoef(points.x, points.y)[0, 1], rel=1e-12)
    for name in ("mean_x", "mean_y", "var_x", "var_y", "cov_xy"):
        assert getattr(shortcut, name) == pytest.approx(getattr(direct, name), abs=1e-12)
    for optimizer in ("sgd", "momentum"):
        assert stable_learning_rate_for(shortcut, optimizer, 0.9) == pytest.approx(
            stable_learning_rate_for(direct, optimizer, 0.9), rel=1e-12)


def test_standardizing_keeps_a_constant_column_constant() -> None:
    constant_x = Moments.of(PointSet.from_columns([3, 3, 3], [1, 2, 4], validate=False)).standardized()
    assert (constant_x.var_x, constant_x.var_y, constant_x.cov_xy) == (0.0, 1.0, 0.0)
    assert largest_stable_learning_rate(constant_x) == 1.0  # as the panel showed before: mean 0, var 0
    constant_y = Moments.of(PointSet.from_columns([1, 2, 4], [5, 5, 5])).standardized()
    assert (constant_y.var_x, constant_y.var_y, constant_y.cov_xy) == (1.0, 0.0, 0.0)
    empty = Moments(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert empty.standardized() == empty


def test_the_seed_bound_is_known() -> None:
    # x = 1..4: (1/n)·XᵀX = [[7.5, 2.5], [2.5, 1]]; the Hessian is twice that.
    mean_x2, mean_x = 7.5, 2.5
    largest = 2 * ((mean_x2 + 1) / 2 + math.hypot((mean_x2 - 1) / 2, mean_x))
    assert largest_stable_learning_rate(Moments.of(PointSet.seed())) == pytest.approx(2 / largest)
    assert 2 / largest == pytest.approx(2 / (8.5 + math.sqrt(8.5**2 - 4 * (7.5 - 2.5**2))), rel=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_scaled_training_reports_least_squares_in_original_units(optimizer: str) -> None:
    rng = np.random.default_rng(11)
    x = rng.uniform(1000, 5000, 300)  # raw units a plain learning rate cannot handle
    points = PointSet.from_columns(x, 0.003 * x + 250 + rng.normal(0, 2, 300))
    fit = least_squares(Moments.of(points))
    assert fit is not None
    rate = {"sgd": 0.5, "momentum": 0.1, "adam": 0.05}[optimizer]
    result = train(points, TrainingConfig(learning_rate=rate, epochs=3000, optimizer=optimizer, standardize=True,
                                          device="cpu"))
    assert result.stop_reason == "completed"
    assert result.weight == pytest.approx(fit.weight, rel=1e-4)
    assert result.bias == pytest.approx(fit.bias, rel=1e-4)
    assert result.final_loss == pytest.approx(fit.loss, rel=1e-3), "the loss is reported in y's units"
    unscaled = train(points, TrainingConfig(learning_rate=rate, epochs=50, optimizer="sgd", device="cpu"))
    assert unscaled.stop_reason == "diverged", "the same rate without scaling diverges on these units"


def test_scaled_progress_is_in_original_units() -> None:
    points = PointSet.from_columns([100.0, 200.0, 300.0], [10.0, 20.0, 30.5])
    batches = []
    result = train(points, TrainingConfig(learning_rate=0.1, epochs=400, standardize=True), on_progress=batches.append)
    weights = np.concatenate([batch.weights for batch in batches])
    losses = np.concatenate([batch.losses for batch in batches])
    assert weights[-1] == result.weight
    assert losses[-1] == pytest.approx(direct_mse(points, result.weight, result.bias), rel=1e-3)
    assert batches[0].initial_weight == result.initial_weight


def test_the_generator_is_repeatable_and_honours_its_spec() -> None:
    spec = GeneratorSpec(count=500, slope=-1.5, intercept=3.0, noise=0.5, x_min=-2, x_max=8, outliers=7, seed=9)
    points = generate_points(spec)
    assert points == generate_points(spec) and points != generate_points(GeneratorSpec(count=500, seed=10))
    assert len(points) == 500 and points.x.min() >= -2 and points.x.max() <= 8
    residuals = points.y - (-1.5 * points.x + 3.0)
    assert int(np.sum(np.abs(residuals) > 2.4)) == 7, "exactly the outliers lie ≥ 5σ off the line"
    clean = generate_points(GeneratorSpec(count=100, slope=2, intercept=1, noise=0, seed=1))
    np.testing.assert_allclose(clean.y, 2 * clean.x + 1)


@pytest.mark.parametrize(("changes", "message"), [
    ({"count": 1}, "Number of points"),
    ({"x_min": 5, "x_max": 5}, "x range is empty"),
    ({"noise": -1}, "cannot be negative"),
    ({"outliers": 60}, "Outliers"),
])
def test_the_generator_refuses_impossible_specs(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GeneratorSpec(**changes)


def test_the_stable_rate_of_enormous_x_is_no_bound_not_an_overflow() -> None:
    huge = Moments.of_columns(np.array([1e200, 2.0, 3.0]), np.array([1.0, 3.0, 5.0]))
    assert largest_stable_learning_rate(huge) is None
    assert largest_stable_learning_rate(Moments(3, 1e160, 0.0, 1.0, 1.0, 0.0)) is None
