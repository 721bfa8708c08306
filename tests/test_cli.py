"""The command line as a script or a person uses it: a fresh process each time."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cli.commands import json_summary
from engine.data.csv_io import write_csv
from engine.data.points import PointSet
from engine.files.script_export import INLINE_POINTS
from tests.conftest import ROOT, run_python

QUICK_S = 60  # a refusal takes a second or two; a regression that hangs or trains 1e9 epochs fails here


def test_train_json_prints_the_fitted_line() -> None:
    completed = run_python("main.py", "train", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["weight"] == pytest.approx(2, abs=0.05)
    assert result["bias"] == pytest.approx(0, abs=0.1)
    assert result["epochs_run"] == 1000 and result["stop_reason"] == "completed" and result["device"] == "cpu"
    assert result["coefficients"] == [result["bias"], result["weight"]] and result["validation_loss"] is None
    assert "Traceback" not in completed.stderr


def test_train_a_polynomial_with_every_new_setting(tmp_path: Path) -> None:
    """Each flag reaches its setting: the JSON is the engine's own result for the same config, number for number."""
    from engine.training.config import TrainingConfig
    from engine.training.trainer import train

    x = np.linspace(-1.0, 1.0, 16)
    points = PointSet.from_columns(x, x**3 - 0.5 * x + 0.1 * np.sin(7 * x))
    data = tmp_path / "cubic.csv"
    write_csv(points, data)
    completed = run_python("main.py", "train", str(data), "--degree", "3", "--loss", "huber", "--huber-delta", "0.5",
                           "--l2", "0.001", "--l1", "0.002", "--optimizer", "nesterov", "--momentum", "0.8",
                           "--schedule", "step", "--step-size", "50", "--gamma", "0.9", "--validation-fraction",
                           "0.25", "--lr", "0.05", "--epochs", "300", "--seed", "3", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    expected = train(points, TrainingConfig(
        degree=3, loss="huber", huber_delta=0.5, l2=0.001, l1=0.002, optimizer="nesterov", momentum=0.8,
        schedule="step", step_size=50, gamma=0.9, validation_fraction=0.25, learning_rate=0.05, epochs=300, seed=3))
    assert result["coefficients"] == list(expected.coefficients) and len(result["coefficients"]) == 4
    assert result["validation_loss"] == expected.validation_loss and result["validation_loss"] > 0
    assert (result["bias"], result["weight"]) == tuple(result["coefficients"][:2])
    text = run_python("main.py", "train", str(data), "--degree", "2", "--validation-fraction", "0.2", "--lr", "0.1")
    assert text.returncode == 0 and "·x^2" in text.stdout and "validation loss" in text.stdout


def test_train_reads_a_csv_and_exports(tmp_path: Path) -> None:
    data = tmp_path / "line.csv"
    data.write_text("x;y\n0;1\n1;3\n2;5\n3;7\n", encoding="utf-8")
    model = tmp_path / "line.onnx"
    completed = run_python("main.py", "train", str(data), "--optimizer", "adam", "--lr", "0.1", "--epochs",
                           "3000", "--export", str(model), "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["weight"] == pytest.approx(2, abs=1e-2) and result["bias"] == pytest.approx(1, abs=1e-2)
    assert model.stat().st_size > 0


def test_train_standardized_exports_a_script_that_repeats_the_run(tmp_path: Path) -> None:
    data = tmp_path / "big-units.csv"
    data.write_text("x,y\n1000,13\n2000,22\n3000,33\n4000,41\n", encoding="utf-8")
    script = tmp_path / "repeat.py"
    completed = run_python("main.py", "train", str(data), "--standardize", "--lr", "0.3", "--epochs", "500",
                           "--export", str(script), "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["weight"] == pytest.approx(0.0095, rel=1e-3) and result["bias"] == pytest.approx(3.5, rel=1e-3)
    repeated = run_python(str(script), cwd=tmp_path)
    assert repeated.returncode == 0, repeated.stderr
    weight, bias = (float(value) for value in repeated.stdout.split("y = ")[1].split("   ")[0].split("·x + "))
    assert abs(weight - result["weight"]) <= 1e-6 and abs(bias - result["bias"]) <= 1e-6


@pytest.mark.parametrize(("content", "expected"), [
    ("x,y\n1,2\n2,4,9\n", "line 3: expected 2 values (x, y), found 3."),
    ("x,y\n1,2\n2,four\n", "line 3: y is 'four', not a number."),
])
def test_bad_csv_exits_2_with_one_line(tmp_path: Path, content: str, expected: str) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    completed = run_python("main.py", "train", str(data))
    assert completed.returncode == 2
    assert completed.stderr.strip() == f"error: {data}, {expected}"
    assert completed.stdout == ""


@pytest.mark.parametrize("arguments", [["--device", "cuda:7"], ["--device", "tpu"], ["--lr", "-1"],
                                       ["/no/such/file.csv"], ["--export", "model.h5"]])
def test_impossible_requests_exit_2_without_traceback(arguments: list[str], tmp_path: Path) -> None:
    completed = run_python("main.py", "train", *arguments, cwd=Path(__file__).resolve().parent.parent)
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    assert completed.stderr.startswith("error: ") and "Traceback" not in completed.stderr


def test_devices_lists_the_cpu() -> None:
    completed = run_python("main.py", "devices", "--json")
    assert completed.returncode == 0
    devices = json.loads(completed.stdout)
    assert devices[0]["id"] == "cpu" and "CPU" in devices[0]["name"]


def test_selftest_passes() -> None:
    completed = run_python("main.py", "--selftest")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("selftest passed")


def assert_refused(completed: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2, one line on stderr naming the problem, nothing on stdout, no traceback."""
    assert completed.returncode == 2, completed.stdout + completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), completed.stderr
    assert completed.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(("arguments", "fragment"), [
    (["--lr", "1e39"], "Learning rate must be a number with 0 < rate <= 1e6, not 1e+39."),
    (["--lr", "nan"], "Learning rate"),
    (["--seed", str(2**64)], "Seed must be a whole number from 0 to 2,147,483,647"),
    (["--seed", str(2**70)], "Seed must be a whole number"),
    (["--seed", str(-(2**70))], "Seed must be a whole number"),
    (["--seed", "2**64"], "argument --seed: invalid int value: '2**64'"),
    (["--epochs", str(10**9 + 1)], "Epochs must be a whole number from 1 to 1,000,000,000"),
    (["--momentum", "1"], "Momentum must be a number in [0, 1)"),
    (["--batch-size", "0"], "Batch size"),
    (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
    (["--degree", "11"], "--degree: Degree must be a whole number from 1 to 10, not 11."),
    (["--degree", "0"], "--degree: Degree must be a whole number from 1 to 10"),
    (["--degree", "2.5"], "argument --degree: invalid int value: '2.5'"),
    (["--loss", "hinge"], "argument --loss: invalid choice: 'hinge'"),
    (["--huber-delta", "0"], "--huber-delta: Huber delta must be a number with 0 < delta <= 1e30"),
    (["--huber-delta", "inf"], "--huber-delta: Huber delta"),
    (["--l2", "-1"], "--l2: L2 strength must be a number from 0 to 1e6"),
    (["--l1", "nan"], "--l1: L1 strength must be a number from 0 to 1e6"),
    (["--schedule", "cyclic"], "argument --schedule: invalid choice: 'cyclic'"),
    (["--step-size", "0"], "--step-size: Step size must be a whole number"),
    (["--gamma", "0"], "--gamma: Gamma must be a number with 0 < gamma <= 1"),
    (["--gamma", "1.5"], "--gamma: Gamma"),
    (["--validation-fraction", "0.51"], "--validation-fraction: Validation fraction must be a number from 0 to 0.5"),
    (["--validation-fraction", "-0.1"], "--validation-fraction: Validation fraction"),
    (["--no-such-option"], "unrecognized arguments: --no-such-option"),
])
def test_out_of_range_settings_exit_2_with_one_line(arguments: list[str], fragment: str) -> None:
    assert_refused(run_python("main.py", "train", *arguments, timeout=QUICK_S), fragment)


@pytest.mark.parametrize("export", ["", "   ", "model.h5", "model", "model.PY.bak"])
def test_a_bad_export_is_refused_before_training(export: str, tmp_path: Path) -> None:
    """A billion epochs: only a refusal before training finishes in time."""
    completed = run_python(str(ROOT / "main.py"), "train", "--epochs", str(10**9), "--export", export,
                           cwd=tmp_path, timeout=QUICK_S)
    assert_refused(completed, ".pt, .pt2, .onnx, .json, .py")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_data_file_name_is_an_error_not_the_seed_points() -> None:
    assert_refused(run_python("main.py", "train", "", "--json", timeout=QUICK_S), "data file name is empty")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_as_data_is_refused_at_once(tmp_path: Path) -> None:
    """Reading a FIFO blocks until a writer comes, and Ctrl+C did not reach it: the timeout fails a regression."""
    fifo = tmp_path / "points.csv"
    os.mkfifo(fifo)
    assert_refused(run_python("main.py", "train", str(fifo), timeout=QUICK_S),
                   f"{fifo}: this is a named pipe, not a file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_as_data_is_refused_at_once() -> None:
    assert_refused(run_python("main.py", "train", "/dev/zero", timeout=QUICK_S), "/dev/zero: this is a device")


def test_a_file_too_large_for_points_is_refused_without_reading_it(tmp_path: Path) -> None:
    data = tmp_path / "huge.csv"
    with data.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: 2 GB that take no disk
    assert_refused(run_python("main.py", "train", str(data), timeout=QUICK_S),
                   f"{data}: the file is larger than 512 MB")


def test_a_csv_error_with_a_line_break_in_the_file_name_stays_one_line(tmp_path: Path) -> None:
    data = tmp_path / "two\nlines.csv"
    data.write_text("x,y\n1,2\n2,four\n", encoding="utf-8")
    assert_refused(run_python("main.py", "train", str(data), timeout=QUICK_S), "two\\nlines.csv, line 3")


def test_json_after_divergence_is_strict_json_that_says_why(tmp_path: Path) -> None:
    """Points this large overflow float32 on the first step: the loss is not finite."""
    data = tmp_path / "far.csv"
    data.write_text("x,y\n1e30,1\n2e30,2\n3e30,5\n", encoding="utf-8")
    completed = run_python("main.py", "train", str(data), "--json", timeout=QUICK_S)
    assert completed.returncode == 0, completed.stderr
    assert "NaN" not in completed.stdout and "Infinity" not in completed.stdout

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    result = json.loads(completed.stdout, parse_constant=refuse)
    assert set(result) >= {"weight", "bias", "final_loss", "epochs_run", "stop_reason", "device", "message"}
    assert result["stop_reason"] == "diverged" and "diverged" in result["message"]
    assert all(value is None or math.isfinite(value) for value in (result["weight"], result["bias"],
                                                                    result["final_loss"]))


def test_json_summary_turns_non_finite_numbers_into_null_and_says_so() -> None:
    summary = {"weight": float("nan"), "bias": 1.5, "final_loss": float("inf"), "epochs_run": 3,
               "stop_reason": "completed", "device": "cpu", "message": ""}
    result = json.loads(json_summary(summary))
    assert result["weight"] is None and result["final_loss"] is None and result["bias"] == 1.5
    assert result["message"] == "weight, final_loss not finite numbers (null)."
    kept = json.loads(json_summary({**summary, "message": "Training diverged at epoch 2."}))
    assert kept["message"] == "Training diverged at epoch 2."


def test_exported_script_data_never_replaces_a_file_beside_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, INLINE_POINTS + 1)
    data = tmp_path / "many.csv"
    write_csv(PointSet.from_columns(x, 2 * x + 1), data)
    mine = tmp_path / "train.csv"
    mine.write_bytes(b"my own notes, not points\n")
    script = tmp_path / "train.py"
    completed = run_python("main.py", "train", str(data), "--epochs", "5", "--export", str(script),
                           timeout=QUICK_S)
    assert completed.returncode == 0, completed.stderr
    assert mine.read_bytes() == b"my own notes, not points\n"
    assert f"{script} (its data in {tmp_path / 'train-data.csv'})" in completed.stderr
    assert "'train-data.csv'" in script.read_text(encoding="utf-8")
    assert (tmp_path / "train-data.csv").stat().st_size > 0



@pytest.mark.parametrize("value", ["1e200", "-1e160", "1e39"])
def test_values_beyond_32_bit_training_exit_2_with_one_line(tmp_path: Path, value: str) -> None:
    """x beyond float32 became infinite before the first step (a false 'divergence'), and beyond ~1e154 the
    stable-rate arithmetic overflowed into a traceback."""
    data = tmp_path / "huge.csv"
    data.write_text(f"x,y\n{value},1\n2,3\n3,5\n", encoding="utf-8")
    assert_refused(run_python("main.py", "train", str(data), "--epochs", "5", timeout=QUICK_S),
                   "huge.csv, line 2: x = ", "is too large to train on")
