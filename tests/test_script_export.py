"""'Export as Python script': the script, run with plain Python and torch in a fresh process, repeats the run."""

from __future__ import annotations

import ast
import os
import re
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from engine.data.points import PointSet
from engine.errors import ConfigError
from engine.files.script_export import INLINE_POINTS, export_script
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from engine.training.trainer import train
from tests.conftest import run_python

LINE = re.compile(r"y = (\S+)·x \+ (\S+)")


def run_script(path: Path) -> tuple[float, float]:
    completed = run_python(str(path), cwd=path.parent)  # its own folder, as a user would run it
    assert completed.returncode == 0, completed.stderr
    match = LINE.search(completed.stdout)
    assert match, completed.stdout
    return float(match.group(1)), float(match.group(2))


CASES = {
    "defaults": (PointSet.seed(), TrainingConfig()),
    "adam-minibatch": (None, TrainingConfig(optimizer="adam", learning_rate=0.05, epochs=150, batch_size=16, seed=4)),
    "momentum-scaled": (None, TrainingConfig(optimizer="momentum", learning_rate=0.05, epochs=300, standardize=True,
                                             seed=2)),
    # Every registered optimizer on the seed points with the defaults: a new entry is exported and checked here.
    **{f"{key}-seed": (PointSet.seed(), TrainingConfig(optimizer=key)) for key in OPTIMIZERS
       if key != TrainingConfig().optimizer},
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_exported_script_reproduces_the_run(case: str, tmp_path: Path) -> None:
    points, config = CASES[case]
    if points is None:
        rng = np.random.default_rng(3)
        x = rng.uniform(10, 60, 100)
        points = PointSet.from_columns(x, 0.4 * x + 7 + rng.normal(0, 1, 100))
    result = train(points, config)
    script = tmp_path / "train_model.py"
    assert export_script(points, config, script) == [script]
    source = script.read_text(encoding="utf-8")
    assert "nn.Linear(1, 1)" in source and "nn.MSELoss()" in source and "gradient_descent_studio" not in source
    assert OPTIMIZERS.get(config.optimizer).script_line in source.splitlines()
    weight, bias = run_script(script)
    assert abs(weight - result.weight) <= 1e-6 and abs(bias - result.bias) <= 1e-6


COEFFICIENTS = re.compile(r"coefficients \(constant term first\): (\[.*\])")
MODEL_CASES = {
    "cubic-adam-huber-penalties-cosine-split-minibatch-scaled": TrainingConfig(
        degree=3, standardize=True, optimizer="adam", learning_rate=0.05, epochs=200, loss="huber",
        huber_delta=0.7, l2=0.01, l1=0.002, schedule="cosine", validation_fraction=0.25, batch_size=8, seed=5),
    "quadratic-rmsprop-mae-step": TrainingConfig(degree=2, optimizer="rmsprop", learning_rate=0.001, epochs=50,
                                                 loss="mae", schedule="step"),
    "line-nesterov-split-exponential": TrainingConfig(optimizer="nesterov", learning_rate=0.0005, epochs=100,
                                                      validation_fraction=0.2, schedule="exponential", gamma=0.99),
    "degree9-adamw-l1-scaled": TrainingConfig(degree=9, standardize=True, optimizer="adamw", l1=0.001,
                                              learning_rate=0.01, epochs=150),
    "adagrad-l2-step-minibatch": TrainingConfig(degree=4, standardize=True, optimizer="adagrad", l2=0.1,
                                                learning_rate=0.1, epochs=60, schedule="step", step_size=7,
                                                gamma=0.8, batch_size=16),
}


@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_the_script_repeats_polynomials_losses_penalties_schedules_and_the_split(case: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(10, 60, 40)
    points = PointSet.from_columns(x, 0.001 * (x - 35) ** 3 - 0.2 * x + 7 + rng.normal(0, 1, 40))
    config = MODEL_CASES[case]
    result = train(points, config)
    script = tmp_path / "train_model.py"
    export_script(points, config, script)
    source = script.read_text(encoding="utf-8")
    assert f"nn.Linear({'DEGREE' if not config.is_classic else 1}, 1)" in source
    assert OPTIMIZERS.get(config.optimizer).script_line in source.splitlines()
    completed = run_python(str(script), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    match = COEFFICIENTS.search(completed.stdout)
    assert match, completed.stdout
    coefficients = np.array(ast.literal_eval(match.group(1)))
    scale = float(np.max(np.abs(result.coefficients)))
    np.testing.assert_allclose(coefficients, result.coefficients, rtol=1e-6, atol=1e-6 * scale)
    assert ("validation loss" in completed.stdout) == (config.validation_fraction > 0)


def test_many_points_go_to_a_csv_beside_the_script(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, INLINE_POINTS + 1)
    points = PointSet.from_columns(x, 3 * x - 1 + rng.normal(0, 0.1, x.size))
    config = TrainingConfig(learning_rate=0.1, epochs=200)
    result = train(points, config)
    script = tmp_path / "fit.py"
    written = export_script(points, config, script)
    assert written == [script, tmp_path / "fit.csv"]
    assert script.stat().st_size < 5000, "the points are not inlined"
    weight, bias = run_script(script)
    assert abs(weight - result.weight) <= 1e-6 and abs(bias - result.bias) <= 1e-6


INJECTION = "0\nimport pathlib; pathlib.Path('pwned').touch()"


def many_points(count: int = INLINE_POINTS + 1) -> PointSet:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, count)
    return PointSet.from_columns(x, 3 * x - 1 + rng.normal(0, 0.1, x.size))


def forged_config(**changes: object) -> TrainingConfig:
    """A TrainingConfig whose values never went through its checks, as a bug or a hand-made object could
    make one."""
    config = object.__new__(TrainingConfig)
    for field in fields(TrainingConfig):
        object.__setattr__(config, field.name, changes.get(field.name, getattr(TrainingConfig(), field.name)))
    return config


@pytest.mark.parametrize("config", [
    forged_config(seed=INJECTION),
    forged_config(epochs="1\nimport os"),
    forged_config(learning_rate=float("nan")),
    forged_config(momentum="0.9; import os", optimizer="momentum"),
    forged_config(optimizer="sgd\nimport os"),
    SimpleNamespace(**{**TrainingConfig().to_dict(), "seed": INJECTION}),
    SimpleNamespace(seed=0),  # not a whole set of settings
], ids=["seed", "epochs", "rate", "momentum", "optimizer", "namespace", "incomplete"])
@pytest.mark.parametrize("points", [PointSet.seed(), many_points()], ids=["inline", "csv"])
def test_settings_that_do_not_validate_are_refused_and_nothing_is_written(
        config: TrainingConfig, points: PointSet, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        export_script(points, config, tmp_path / "train.py")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("config", [
    TrainingConfig(),
    TrainingConfig(optimizer="momentum", momentum=0.5, learning_rate=1, seed=2**31 - 1, batch_size=3, epochs=7),
    TrainingConfig(optimizer="adam", standardize=True, learning_rate=1e-300),
    TrainingConfig(degree=5, loss="huber", huber_delta=2.5, l2=0.5, l1=1e-3, schedule="step", step_size=3, gamma=0.25,
                   validation_fraction=0.3, standardize=True),
], ids=["defaults", "momentum", "adam", "polynomial"])
@pytest.mark.parametrize("points", [PointSet.seed(), many_points()], ids=["inline", "csv"])
def test_every_setting_in_the_script_is_a_literal(config: TrainingConfig, points: PointSet, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    export_script(points, config, script)
    module = ast.parse(script.read_text(encoding="utf-8"))
    assert isinstance(module.body[0], ast.Expr) and isinstance(module.body[0].value, ast.Constant)  # docstring
    inline = len(points) <= INLINE_POINTS
    constants: dict[str, object] = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if (name.isupper() and name != "DATA") or (inline and name in ("xs", "ys")):
                constants[name] = ast.literal_eval(node.value)  # raises for anything but a literal
    settings = {"LEARNING_RATE": config.learning_rate, "EPOCHS": config.epochs, "SEED": config.seed,
                "BATCH_SIZE": config.batch_size}
    if config.optimizer == "momentum":
        settings["MOMENTUM"] = config.momentum
    if not config.is_classic:
        settings |= {"DEGREE": config.degree, "HUBER_DELTA": config.huber_delta, "L2": config.l2, "L1": config.l1,
                     "STEP_SIZE": config.step_size, "GAMMA": config.gamma,
                     "VALIDATION_FRACTION": config.validation_fraction}
    assert {name: constants[name] for name in settings} == settings
    assert set(constants) - set(settings) <= {"xs", "ys"}
    if inline:
        assert (constants["xs"], constants["ys"]) == (points.x.tolist(), points.y.tolist())


def test_the_data_file_never_replaces_a_file_the_user_has(tmp_path: Path) -> None:
    points = many_points()
    config = TrainingConfig(learning_rate=0.1, epochs=200)
    script = tmp_path / "fit.py"
    theirs = {tmp_path / "fit.csv": b"x,y\n1,2\n", tmp_path / "fit-data.csv": b"their own data\n"}
    for path, content in theirs.items():
        path.write_bytes(content)
    written = export_script(points, config, script)
    assert written == [script, tmp_path / "fit-data-2.csv"]
    assert all(path.read_bytes() == content for path, content in theirs.items())
    assert "with_name('fit-data-2.csv')" in script.read_text(encoding="utf-8")
    result = train(points, config)
    weight, bias = run_script(script)
    assert abs(weight - result.weight) <= 1e-6 and abs(bias - result.bias) <= 1e-6
    again = export_script(points, config, script)  # a second export keeps the first one's data, too
    assert again == [script, tmp_path / "fit-data-3.csv"]


def test_a_failed_script_write_leaves_no_data_file(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.mkdir()  # the script cannot replace a folder
    with pytest.raises(OSError):
        export_script(many_points(), TrainingConfig(), script)
    assert sorted(os.listdir(tmp_path)) == ["train.py"]
