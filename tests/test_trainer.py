from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.data.points import PointSet
from engine.errors import ConfigError, DataError, DeviceError
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from engine.training.results import ProgressBatch, TrainingControl
from engine.training.trainer import train
from tests.seed_script import plain_seed_loop


@pytest.mark.parametrize("path", ["fused", "autograd"])
def test_defaults_reproduce_the_plain_pytorch_script(path: str) -> None:
    weight, bias, loss = plain_seed_loop([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    result = train(PointSet.seed(), TrainingConfig(path=path, device="cpu"))
    assert result.stop_reason == "completed" and result.epochs_run == 1000
    assert (result.weight, result.bias) == (weight, bias), "the default run is the plain script bit for bit"
    assert result.final_loss == pytest.approx(loss, rel=1e-4)
    assert result.path == path and result.device == "cpu"


@pytest.mark.parametrize("seed", [1, 7, 123])
def test_other_seeds_and_data_match_the_plain_script(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xs, ys = rng.uniform(-2, 2, 20).tolist(), rng.normal(size=20).tolist()
    weight, bias, _ = plain_seed_loop(xs, ys, epochs=300, lr=0.05, seed=seed)
    result = train(PointSet.from_columns(xs, ys), TrainingConfig(epochs=300, learning_rate=0.05, seed=seed))
    assert result.weight == pytest.approx(weight, abs=1e-6)
    assert result.bias == pytest.approx(bias, abs=1e-6)


# RMSprop is left out of this long run: at its fixed point it divides the gradient by the root of a
# vanishing running square, so the two loops' last-bit differences in the gradient grow to 1e-4 after
# ~150 epochs (they agree exactly before). tests/test_model_grid.py holds it to 1e-5 over short runs.
@pytest.mark.parametrize("optimizer", [key for key in OPTIMIZERS if key != "rmsprop"])
@pytest.mark.parametrize("batch_size", [None, 7])
def test_fused_path_agrees_with_autograd(optimizer: str, batch_size: int | None) -> None:
    rng = np.random.default_rng(42)
    x = rng.uniform(-3, 3, 50)
    points = PointSet.from_columns(x, 1.5 * x - 0.7 + rng.normal(scale=0.3, size=50))
    base = {"optimizer": optimizer, "batch_size": batch_size, "epochs": 200, "learning_rate": 0.02, "seed": 5}
    fused = train(points, TrainingConfig(path="fused", **base))
    autograd = train(points, TrainingConfig(path="autograd", **base))
    assert fused.weight == pytest.approx(autograd.weight, rel=1e-5)
    assert fused.bias == pytest.approx(autograd.bias, rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(fused.loss_history, autograd.loss_history, rtol=1e-5)


def test_progress_arrives_in_batches_that_add_up_to_the_history() -> None:
    batches: list[ProgressBatch] = []
    result = train(PointSet.seed(), TrainingConfig(epochs=20000), on_progress=batches.append)
    assert 1 <= len(batches) < 20000 / 50, "progress must be batched, not one call per epoch"
    epochs = np.concatenate([batch.epochs for batch in batches])
    np.testing.assert_array_equal(epochs, np.arange(1, 20001))
    np.testing.assert_array_equal(np.concatenate([batch.losses for batch in batches]), result.loss_history)
    assert (batches[-1].weight, batches[-1].bias) == (result.weight, result.bias)


def test_stop_request_ends_within_one_step_and_keeps_what_was_trained() -> None:
    control = TrainingControl()
    seen: list[int] = []

    def stop_after_first_batch(batch: ProgressBatch) -> None:
        seen.append(int(batch.epochs[-1]))
        control.request_stop()

    result = train(PointSet.seed(), TrainingConfig(epochs=10_000_000), stop_after_first_batch, control)
    assert result.stop_reason == "stopped"
    assert result.epochs_run == seen[0], "no step may run after the stop request"
    assert len(result.loss_history) == result.epochs_run
    assert np.isfinite(result.weight)


def test_pause_holds_the_run_until_resumed() -> None:
    control = TrainingControl()
    control.pause()
    outcome: dict = {}
    worker = threading.Thread(target=lambda: outcome.update(r=train(PointSet.seed(), control=control)))
    worker.start()
    worker.join(timeout=0.3)
    assert worker.is_alive(), "a paused run must wait"
    control.resume()
    worker.join(timeout=30)
    assert outcome["r"].stop_reason == "completed" and outcome["r"].epochs_run == 1000


def test_a_too_large_learning_rate_diverges_with_advice() -> None:
    result = train(PointSet.seed(), TrainingConfig(learning_rate=1.0, epochs=5000))
    assert result.stop_reason == "diverged"
    assert result.epochs_run < 5000
    assert "smaller" in result.message and "learning rate" in result.message
    assert np.isfinite([result.weight, result.bias, result.final_loss]).all()
    assert np.isfinite(result.loss_history).all()


def test_mini_batches_are_seeded_and_reproducible() -> None:
    config = TrainingConfig(batch_size=2, epochs=50, seed=3)
    first, second = train(PointSet.seed(), config), train(PointSet.seed(), config)
    assert (first.weight, first.bias) == (second.weight, second.bias)
    other = train(PointSet.seed(), TrainingConfig(batch_size=2, epochs=50, seed=4))
    assert (other.weight, other.bias) != (first.weight, first.bias)


def test_bad_inputs_raise_the_engines_errors() -> None:
    with pytest.raises(DataError):
        train(PointSet.from_columns([1, 1], [2, 3], validate=False))
    with pytest.raises(DeviceError, match="cuda:9"):
        train(PointSet.seed(), TrainingConfig(device="cuda:9"))
    with pytest.raises(ConfigError, match="Learning rate"):
        TrainingConfig(learning_rate=0)
    with pytest.raises(ConfigError, match="optimizer"):
        TrainingConfig(optimizer="lbfgs")
