"""TrainingConfig refuses every value outside the bounds the project-file schema agrees on, by type as well
as by range, and names the setting and what it allows."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.training.config import MAX_SEED, TrainingConfig

INJECTION = "0\nimport pathlib; pathlib.Path('pwned').touch()"


@pytest.mark.parametrize(("setting", "value", "fragment"), [
    ("seed", 2**31, "Seed must be a whole number from 0 to 2,147,483,647"),
    ("seed", 2**64, "Seed must be a whole number"),
    ("seed", -1, "Seed must be a whole number"),
    ("seed", -(2**70), "Seed must be a whole number"),
    pytest.param("seed", 10**5000, "not a whole number of more than 40 digits", id="seed-too-long-for-str"),
    ("seed", True, "Seed must be a whole number"),
    ("seed", 1.0, "Seed must be a whole number"),
    ("seed", INJECTION, "Seed must be a whole number"),
    ("learning_rate", 0.0, "Learning rate must be a number with 0 < rate <= 1e6"),
    ("learning_rate", -1e-3, "Learning rate must be a number with 0 < rate <= 1e6"),
    ("learning_rate", 1e39, "Learning rate must be a number with 0 < rate <= 1e6"),
    ("learning_rate", 1e6 * (1 + 1e-15), "Learning rate"),
    ("learning_rate", float("nan"), "Learning rate"),
    ("learning_rate", float("inf"), "Learning rate"),
    pytest.param("learning_rate", 10**400, "Learning rate", id="rate-overflows-float"),
    ("learning_rate", "0.01", "Learning rate"),
    ("learning_rate", True, "Learning rate"),
    ("epochs", 0, "Epochs must be a whole number from 1 to 1,000,000,000"),
    ("epochs", 10**9 + 1, "Epochs must be a whole number from 1 to 1,000,000,000"),
    ("epochs", 10.0, "Epochs"),
    ("epochs", False, "Epochs"),
    ("batch_size", 0, "Batch size must be a whole number from 1 to 1,000,000,000 (or empty for full batch)"),
    ("batch_size", 10**9 + 1, "Batch size"),
    ("batch_size", "16", "Batch size"),
    ("momentum", 1.0, "Momentum must be a number in [0, 1)"),
    ("momentum", -0.1, "Momentum must be a number in [0, 1)"),
    ("momentum", float("nan"), "Momentum"),
    ("momentum", None, "Momentum"),
    ("optimizer", "lbfgs", "Unknown optimizer 'lbfgs': choose one of sgd, momentum, nesterov, adam, adamw, rmsprop, "
                           "adagrad"),
    ("optimizer", ["sgd"], "Unknown optimizer '['sgd']': choose one of sgd, momentum, nesterov, adam, adamw, "
                           "rmsprop, adagrad"),
    ("optimizer", 1, "Unknown optimizer '1': choose one of"),
    ("path", "fast", "Unknown training path 'fast': choose one of auto, fused, autograd"),
    ("path", None, "Unknown training path None"),
    ("standardize", 1, "Feature scaling (standardize) must be true or false"),
    ("standardize", "yes", "Feature scaling"),
    ("device", "tpu", "Unknown device 'tpu': use auto, cpu, cuda, cuda:N or mps"),
    ("device", "cuda:", "Unknown device"),
    ("device", "cuda:٣", "Unknown device"),  # \d must mean ASCII digits only
    ("device", "cpu\nimport os", "Unknown device"),
    ("device", "cuda:" + "1" * 60, "at most 64 characters"),
    ("device", 0, "Device must be one of auto, cpu, cuda, cuda:N or mps"),
])
def test_each_bad_value_is_a_config_error_naming_the_setting(setting: str, value: object, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        TrainingConfig(**{setting: value})  # type: ignore[arg-type]
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_the_bounds_themselves_are_accepted() -> None:
    low = TrainingConfig(seed=0, learning_rate=5e-324, epochs=1, batch_size=1, momentum=0.0, device="cuda:12")
    high = TrainingConfig(seed=MAX_SEED, learning_rate=1e6, epochs=10**9, batch_size=10**9, momentum=0.999999,
                          device="mps", standardize=True)
    assert (low.seed, low.device, high.seed, high.epochs) == (0, "cuda:12", 2**31 - 1, 10**9)


def test_numbers_from_files_become_the_plain_types() -> None:
    config = TrainingConfig(learning_rate=1, seed=np.int64(7), epochs=np.int32(5), momentum=np.float32(0.5),
                            device=" CPU ")  # type: ignore[arg-type]
    assert type(config.learning_rate) is float and config.learning_rate == 1.0
    assert type(config.seed) is int and type(config.epochs) is int and type(config.momentum) is float
    assert config.device == "cpu"
    assert TrainingConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("data", [["seed", 1], "seed=1", None, 3])
def test_from_dict_refuses_what_is_not_a_table(data: object) -> None:
    with pytest.raises(ConfigError, match="training settings must be a table"):
        TrainingConfig.from_dict(data)  # type: ignore[arg-type]


def test_from_dict_checks_what_a_file_holds() -> None:
    with pytest.raises(ConfigError, match="Seed"):
        TrainingConfig.from_dict({"seed": INJECTION, "unknown": 1})
