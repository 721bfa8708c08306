"""The engine on a GPU. Skipped, with the reason, on machines without one (CI has none)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.devices import list_devices, resolve_device
from engine.training.optimizers import OPTIMIZERS
from engine.training.trainer import train

HAS_MPS = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
ACCELERATORS = [
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="no CUDA device on this machine")),
    pytest.param("mps", marks=pytest.mark.skipif(not HAS_MPS, reason="no Apple MPS device on this machine")),
]


@pytest.mark.gpu
@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_gpu_training_agrees_with_the_cpu(device: str, optimizer: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 10_000)
    points = PointSet.from_columns(x, 0.5 * x + 2 + rng.normal(scale=0.2, size=x.size))
    base = {"optimizer": optimizer, "epochs": 300, "learning_rate": 0.05}
    cpu = train(points, TrainingConfig(device="cpu", **base))
    gpu = train(points, TrainingConfig(device=device, **base))
    assert gpu.device.startswith(device)
    assert gpu.weight == pytest.approx(cpu.weight, rel=1e-4) and gpu.bias == pytest.approx(cpu.bias, rel=1e-4)


@pytest.mark.gpu
@pytest.mark.parametrize("device", ACCELERATORS)
def test_gpu_is_listed_and_auto_picks_it(device: str) -> None:
    assert any(info.id.startswith(device) for info in list_devices())
    assert resolve_device("auto").startswith(device)


@pytest.mark.gpu
@pytest.mark.parametrize("device", ACCELERATORS)
def test_gpu_mini_batches_and_stop(device: str) -> None:
    result = train(PointSet.seed(), TrainingConfig(device=device, batch_size=2, epochs=200))
    assert result.stop_reason == "completed" and np.isfinite([result.weight, result.bias]).all()
    on_cpu = train(PointSet.seed(), TrainingConfig(device="cpu", batch_size=2, epochs=200))
    # The same batches on every device (and in the exported script): the permutations are drawn on the CPU.
    assert result.weight == pytest.approx(on_cpu.weight, rel=1e-5)
    assert result.bias == pytest.approx(on_cpu.bias, rel=1e-5)


POLYNOMIAL_CASES = [  # (optimizer, loss, schedule, degree, batch size, l2, l1, validation fraction)
    ("sgd", "mse", "constant", 3, None, 0.0, 0.0, 0.0),
    ("momentum", "mse", "step", 9, None, 0.01, 0.0, 0.2),
    ("nesterov", "huber", "cosine", 3, 64, 0.0, 0.001, 0.0),
    ("adam", "mae", "exponential", 9, None, 0.0, 0.0, 0.3),
    ("adamw", "mse", "cosine", 10, 256, 0.01, 0.001, 0.0),
    ("rmsprop", "huber", "constant", 5, None, 0.0, 0.0, 0.1),
    ("adagrad", "mse", "step", 9, None, 0.1, 0.0, 0.0),
]


@pytest.mark.gpu
@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("case", POLYNOMIAL_CASES, ids=["-".join(map(str, case[:4])) for case in POLYNOMIAL_CASES])
def test_gpu_polynomials_agree_with_the_cpu(device: str, case: tuple) -> None:
    optimizer, loss, schedule, degree, batch_size, l2, l1, fraction = case
    rng = np.random.default_rng(2)
    x = rng.uniform(-3, 5, 4_000)
    points = PointSet.from_columns(x, np.sin(x) + 0.1 * x**2 + rng.normal(scale=0.2, size=x.size))
    base = {"optimizer": optimizer, "loss": loss, "schedule": schedule, "degree": degree, "batch_size": batch_size,
            "l2": l2, "l1": l1, "validation_fraction": fraction, "standardize": True, "epochs": 8,
            "learning_rate": 0.01}
    for path in ("fused", "autograd"):
        cpu = train(points, TrainingConfig(device="cpu", path=path, **base))
        gpu = train(points, TrainingConfig(device=device, path=path, **base))
        assert gpu.device.startswith(device) and gpu.stop_reason == "completed"
        scale = max(abs(c) for c in cpu.coefficients)
        # Short runs: Adam-like and sign-based (MAE, Huber, L1) updates turn float32's last-bit differences
        # between devices into visible ones over long runs, as they do between the two loops (test_model_grid).
        np.testing.assert_allclose(gpu.coefficients, cpu.coefficients, rtol=1e-4, atol=1e-5 * scale, err_msg=path)
        assert (gpu.validation_loss is None) == (fraction == 0.0)
