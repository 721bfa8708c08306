"""The command line as a script or a person uses it: a fresh process each time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_python


def test_train_json_prints_the_fitted_line() -> None:
    completed = run_python("main.py", "train", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["weight"] == pytest.approx(2, abs=0.05)
    assert result["bias"] == pytest.approx(0, abs=0.1)
    assert result["epochs_run"] == 1000 and result["stop_reason"] == "completed" and result["device"] == "cpu"
    assert "Traceback" not in completed.stderr


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
