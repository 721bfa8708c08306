"""'Export as Python script': the script, run with plain Python and torch in a fresh process, repeats the run."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from engine.data.points import PointSet
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
