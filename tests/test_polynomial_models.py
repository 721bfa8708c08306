"""Polynomials beyond the grid: the seeded validation split, standardised powers reported in the user's
units, the closed-form optimum and the largest stable learning rate (against numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.analysis.least_squares import Moments, largest_stable_learning_rate
from engine.analysis.polynomial_fit import exact_optimum, hessian, largest_stable_rate, mse
from engine.data.features import FeatureScaling, feature_matrix, validation_split
from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.optimizers import stable_learning_rate_for_features
from engine.training.results import ProgressBatch
from engine.training.trainer import train

_rng = np.random.default_rng(5)
X = np.sort(_rng.uniform(-1.0, 1.0, 30))
Y = np.cos(3.0 * X) + _rng.normal(scale=0.15, size=30)
POINTS = PointSet.from_columns(X, Y)


def losses_of(residual: np.ndarray, loss: str, delta: float = 1.0) -> float:
    size = np.abs(residual)
    if loss == "mse":
        return float(np.mean(residual**2))
    if loss == "mae":
        return float(np.mean(size))
    return float(np.mean(np.where(size < delta, 0.5 * residual**2, delta * (size - 0.5 * delta))))


def predict(coefficients: tuple[float, ...] | np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.polynomial.polynomial.polyval(x, np.asarray(coefficients))


# --- the validation split ----------------------------------------------------------------------------------
def test_the_split_is_drawn_with_the_seed_and_holds_out_the_fraction() -> None:
    train_rows, held = validation_split(30, 0.25, seed=4)
    again = validation_split(30, 0.25, seed=4)
    other = validation_split(30, 0.25, seed=5)
    assert held.size == 7 and train_rows.size == 23  # floor(0.25 · 30)
    assert np.array_equal(train_rows, again[0]) and np.array_equal(held, again[1])
    assert not np.array_equal(held, other[1])
    assert sorted(np.concatenate([train_rows, held]).tolist()) == list(range(30))
    assert np.all(np.diff(held) > 0) and np.all(np.diff(train_rows) > 0)
    assert validation_split(30, 0.0, seed=4)[1].size == 0
    assert validation_split(1, 0.5, seed=4)[0].tolist() == [0]  # one point always stays for training


@pytest.mark.parametrize("path", ["fused", "autograd"])
def test_a_run_trains_on_the_training_points_only_and_scores_the_held_out_ones(path: str) -> None:
    settings = {"degree": 3, "loss": "huber", "huber_delta": 0.2, "optimizer": "adam", "learning_rate": 0.05,
                "l2": 0.001, "seed": 4, "path": path, "device": "cpu"}
    batches: list[ProgressBatch] = []
    split = train(POINTS, TrainingConfig(epochs=40, validation_fraction=0.25, **settings),  # type: ignore[arg-type]
                  on_progress=batches.append)
    train_rows, held = validation_split(len(POINTS), 0.25, seed=4)
    alone = train(PointSet.from_columns(X[train_rows], Y[train_rows]), TrainingConfig(epochs=40, **settings))  # type: ignore[arg-type]
    np.testing.assert_allclose(split.coefficients, alone.coefficients, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(split.loss_history, alone.loss_history, rtol=1e-6)
    assert alone.validation_loss is None and alone.validation_history is None
    # Epoch 40's validation loss: the held-out points' Huber loss (no penalty) where epoch 40 started.
    before = train(POINTS, TrainingConfig(epochs=39, validation_fraction=0.25, **settings))  # type: ignore[arg-type]
    expected = losses_of(predict(before.coefficients, X[held]) - Y[held], "huber", 0.2)
    assert split.validation_history is not None and split.validation_history.shape == (40,)
    assert split.validation_loss == split.validation_history[-1] == pytest.approx(expected, rel=1e-5)
    streamed = np.concatenate([batch.validation_losses for batch in batches if batch.validation_losses is not None])
    np.testing.assert_array_equal(streamed, split.validation_history)
    assert split.summary()["validation_loss"] == split.validation_loss
    assert len(split.summary()["coefficients"]) == 4


# --- standardised powers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("degree", [1, 4])
def test_standardised_runs_report_coefficients_and_losses_in_the_users_units(loss: str, degree: int) -> None:
    """A run that barely moves: its loss history is the loss of its reported polynomial over the user's
    points in the user's units (Huber's δ included), so the conversion of both is exact."""
    x = np.linspace(100.0, 140.0, 25)
    y = 0.02 * (x - 120.0) ** 2 + 3.0 * x + np.sin(x)
    config = TrainingConfig(degree=degree, loss=loss, huber_delta=2.5, standardize=True, learning_rate=1e-9,
                            epochs=2, device="cpu")
    result = train(PointSet.from_columns(x, y), config)
    expected = losses_of(predict(result.coefficients, x) - y, loss, 2.5)
    assert result.loss_history[-1] == pytest.approx(expected, rel=1e-5)


def test_a_standardised_cubic_reaches_the_least_squares_cubic_in_the_users_units() -> None:
    x = np.linspace(50.0, 80.0, 40)
    y = 1e-3 * (x - 60.0) ** 3 - 0.5 * x + np.cos(x)
    result = train(PointSet.from_columns(x, y), TrainingConfig(degree=3, standardize=True, optimizer="momentum",
                                                               learning_rate=0.1, epochs=3000, device="cpu"))
    best = exact_optimum(x, y, 3)
    assert best is not None and result.stop_reason == "completed"
    np.testing.assert_allclose(predict(result.coefficients, x), predict(best, x), rtol=1e-4, atol=1e-3)
    assert result.final_loss == pytest.approx(mse(best, x, y), rel=1e-3)


def test_feature_scaling_round_trips_a_polynomial() -> None:
    points = PointSet.from_columns(np.linspace(-3.0, 9.0, 13), np.linspace(0.0, 1.0, 13))
    scaling = FeatureScaling.fitted_to(points, 5)
    features, _ = scaling.columns(points)
    np.testing.assert_allclose(features.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(features.std(axis=0), 1.0, rtol=1e-12)
    weights, bias = np.array([0.3, -0.2, 0.1, 0.05, -0.01]), 0.7
    trained = scaling.mean_y + scaling.scale_y * (features @ weights + bias)
    np.testing.assert_allclose(predict(scaling.to_original(weights, bias), points.x), trained, rtol=1e-9)


# --- the exact optimum and the stable rate -------------------------------------------------------------------
@pytest.mark.parametrize("degree", [1, 2, 5])
def test_the_exact_optimum_is_numpys_least_squares_and_ridge(degree: int) -> None:
    best = exact_optimum(X, Y, degree)
    assert best is not None
    np.testing.assert_allclose(best, np.polynomial.polynomial.polyfit(X, Y, degree), rtol=1e-8, atol=1e-10)
    design = np.column_stack([np.ones_like(X), feature_matrix(X, degree)])  # constant first, as returned
    penalty = np.diag([0.0] + [1.0] * degree)
    ridge = np.linalg.solve(design.T @ design + len(X) * 0.05 * penalty, design.T @ Y)
    found = exact_optimum(X, Y, degree, l2=0.05)
    assert found is not None
    np.testing.assert_allclose(found, ridge, rtol=1e-8, atol=1e-10)
    objective = lambda c: mse(c, X, Y) + 0.05 * float(np.sum(c[1:] ** 2))  # noqa: E731
    assert objective(found) < objective(found + np.r_[0.0, 0.01, np.zeros(degree - 1)])


def test_no_single_best_polynomial_through_too_few_distinct_points() -> None:
    assert exact_optimum(np.array([1.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]), 3) is None
    assert exact_optimum(np.array([1.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]), 3, l2=0.1) is not None
    assert exact_optimum(np.empty(0), np.empty(0), 2) is None


def test_the_largest_stable_rate_is_two_over_the_hessians_largest_eigenvalue() -> None:
    features = feature_matrix(X, 4)
    design = np.column_stack([features, np.ones_like(X)])
    matrix = 2.0 / len(X) * design.T @ design + 2.0 * 0.1 * np.diag([1.0] * 4 + [0.0])
    np.testing.assert_allclose(hessian(features, 0.1), matrix, rtol=1e-12)
    assert largest_stable_rate(features, 0.1) == pytest.approx(2.0 / max(np.linalg.eigvals(matrix).real), rel=1e-10)
    line = largest_stable_learning_rate(Moments.of(POINTS))
    assert line is not None and largest_stable_rate(feature_matrix(X, 1)) == pytest.approx(line, rel=1e-10)
    for optimizer in ("adam", "adamw", "rmsprop", "adagrad"):
        assert stable_learning_rate_for_features(features, optimizer, 0.9) is None
    assert stable_learning_rate_for_features(features, "sgd", 0.9, loss="mae") is None
    assert stable_learning_rate_for_features(features, "sgd", 0.9, loss="huber") is None
    assert stable_learning_rate_for_features(features, "sgd", 0.9, l1=0.01) is None
    assert stable_learning_rate_for_features(features, "sgd", 0.9, l2=0.1) == largest_stable_rate(features, 0.1)


def test_plain_gradient_descent_converges_just_below_the_bound_and_diverges_just_above() -> None:
    stable = stable_learning_rate_for_features(feature_matrix(X, 3), "sgd", 0.0, l2=0.01)
    assert stable is not None
    below = train(POINTS, TrainingConfig(degree=3, l2=0.01, learning_rate=0.95 * stable, epochs=3000, device="cpu"))
    above = train(POINTS, TrainingConfig(degree=3, l2=0.01, learning_rate=1.05 * stable, epochs=3000, device="cpu"))
    assert below.stop_reason == "completed" and math.isfinite(below.final_loss)
    assert above.stop_reason == "diverged"
    assert f"stable only below a learning rate of {stable:.4g}" in above.message


def test_the_overfitting_lesson_validation_turns_up_and_l2_pulls_it_back() -> None:
    """Degree 9 on the generator's noisy points: the training loss keeps falling while the held-out loss,
    after an early minimum, climbs far above it; an L2 penalty keeps it much lower."""
    from engine.data.point_generator import GeneratorSpec, generate_points

    points = generate_points(GeneratorSpec(count=16, noise=2.0, seed=0))
    settings = {"degree": 9, "standardize": True, "optimizer": "adam", "learning_rate": 0.1, "epochs": 5000,
                "validation_fraction": 0.25, "seed": 1}
    free = train(points, TrainingConfig(**settings))  # type: ignore[arg-type]
    assert free.validation_history is not None
    turn = int(np.argmin(free.validation_history))
    assert turn < settings["epochs"] // 4  # type: ignore[operator]
    assert free.validation_history[-1] > 3 * free.validation_history[turn]
    assert free.loss_history[-1] < 0.5 * free.loss_history[turn], "training still improves past the turn"
    ridge = train(points, TrainingConfig(**settings, l2=0.01))  # type: ignore[arg-type]
    assert ridge.validation_loss is not None and free.validation_loss is not None
    assert ridge.validation_loss < 0.5 * free.validation_loss


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine"])
@pytest.mark.parametrize("path", ["fused", "autograd"])
def test_each_steps_record_holds_the_learning_rate_the_schedule_gave_its_epoch(schedule: str, path: str) -> None:
    import torch
    from torch import nn, optim

    from engine.training.schedules import SCHEDULES
    from engine.training.step_trace import StepTrace

    config = TrainingConfig(schedule=schedule, step_size=2, gamma=0.7, epochs=7, batch_size=12, learning_rate=0.2,
                            degree=2, path=path, device="cpu")
    batches: list[ProgressBatch] = []
    train(POINTS, config, on_progress=batches.append)
    trace = StepTrace()
    for batch in batches:
        assert batch.records is not None
        trace.extend(batch.records)
    records = trace.records()
    reference = optim.SGD(nn.Linear(1, 1).parameters(), lr=0.2)
    scheduler = SCHEDULES.get(schedule).make_scheduler(reference, config)
    assert scheduler is not None
    expected = []
    for _ in range(7):
        expected.append(reference.param_groups[0]["lr"])
        with torch.no_grad():
            reference.step()
        scheduler.step()
    assert records.epochs.tolist() == [epoch for epoch in range(1, 8) for _ in range(3)]  # 30 points: 3 batches
    np.testing.assert_allclose(records.learning_rates, np.repeat(expected, 3), rtol=1e-12)
