"""Polynomials export too: each format, loaded in a fresh Python process with only its own runtime (and, for
the .pt state_dict, the module source the .json carries), predicts what the trained coefficients predict."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.data.points import PointSet
from engine.files.model_export import export_model, polynomial_text
from engine.files.polynomial_model import PolynomialSpec
from engine.training.config import TrainingConfig
from engine.training.trainer import train
from tests.conftest import run_python

LOADERS = {
    ".pt": "import json, torch; d = json.load(open(path[:-3] + '.json')); ns = {}; "
           "exec(d['pytorch_module']['source'], ns); m = ns['PolynomialRegression'](d['degree']); "
           "m.load_state_dict(torch.load(path, weights_only=True)); "
           "out = m(torch.tensor(xs).view(-1, 1)).detach().view(-1).tolist()",
    ".pt2": "import torch; m = torch.export.load(path).module(); "
            "out = m(torch.tensor(xs).view(-1, 1)).detach().view(-1).tolist()",
    ".onnx": "import numpy as np, onnxruntime as ort; s = ort.InferenceSession(path); "
             "out = s.run(None, {'x': np.array(xs, dtype=np.float32).reshape(-1, 1)})[0].reshape(-1).tolist()",
    ".json": "import json; d = json.load(open(path)); "
             "out = [sum(c * x ** k for k, c in enumerate(d['coefficients'])) for x in xs]",
}


def noisy_cubic(offset: float) -> PointSet:
    """Points near a cubic, with x around `offset` (far from 0 the raw powers are large)."""
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(-2, 2, 40)) + offset
    u = x - offset
    return PointSet.from_columns(x, 0.5 * u**3 - u + 2 + rng.normal(scale=0.1, size=x.size))


@pytest.fixture(scope="module", params=[0.0, 50.0], ids=["x near 0", "x near 50"])
def trained(request):
    points = noisy_cubic(request.param)
    config = TrainingConfig(degree=3, standardize=True, optimizer="adam", learning_rate=0.05, epochs=600)
    return points, train(points, config)


@pytest.mark.parametrize("suffix", list(LOADERS))
def test_a_polynomial_round_trips_in_a_fresh_process(trained, tmp_path: Path, suffix: str) -> None:
    points, result = trained
    assert len(result.coefficients) == 4
    inputs = np.linspace(points.x.min(), points.x.max(), 7)
    path = tmp_path / f"model{suffix}"
    export_model(result, path)
    if suffix == ".pt":
        export_model(result, path.with_suffix(".json"))  # the recipe that rebuilds the module
    script = f"path = {str(path)!r}; xs = {inputs.tolist()!r}\n{LOADERS[suffix]}\nprint(json.dumps(out))"
    completed = run_python("-c", "import json\n" + script)
    assert completed.returncode == 0, completed.stderr
    predicted = np.array(json.loads(completed.stdout.strip().splitlines()[-1]))
    expected = np.polynomial.polynomial.polyval(inputs, result.coefficients)
    # float32 graphs: relative to the spread of the predictions, as a plot would show a difference
    tolerance = 1e-5 * float(np.ptp(expected) + 1.0)
    np.testing.assert_allclose(predicted, expected, rtol=0, atol=tolerance)
    assert result.final_loss < 0.05, "the cubic was learnt, so the comparison means something"


def test_the_json_says_what_the_polynomial_is(trained, tmp_path: Path) -> None:
    _, result = trained
    path = tmp_path / "model.json"
    export_model(result, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["degree"] == 3 and document["coefficients"] == list(result.coefficients)
    assert document["equation"].startswith("y = ") and "x³" in document["equation"]
    assert document["config"]["degree"] == 3
    assert "weight" not in document, "a line's weight/bias only where the model is a line"


def test_a_line_still_exports_as_the_classic_linear_module(tmp_path: Path) -> None:
    result = train(PointSet.seed(), TrainingConfig(epochs=200))
    export_model(result, tmp_path / "line.pt")
    import torch

    state = torch.load(tmp_path / "line.pt", weights_only=True)
    assert set(state) == {"weight", "bias"}, "nn.Linear(1, 1) loads it, as in the classic example"
    export_model(result, tmp_path / "line.json")
    document = json.loads((tmp_path / "line.json").read_text(encoding="utf-8"))
    assert document["coefficients"] == [result.bias, result.weight]
    assert document["weight"] == result.weight and document["bias"] == result.bias


def test_re_expanding_around_the_data_keeps_the_polynomial() -> None:
    coefficients = [1.0, -2.0, 0.5, 0.03, -1e-4]
    xs = np.linspace(90.0, 110.0, 50)
    spec = PolynomialSpec.from_coefficients(coefficients, float(xs.mean()), float(xs.std()))
    assert spec.center == pytest.approx(100.0) and spec.scale > 1
    np.testing.assert_allclose(spec.coefficients(), coefficients, rtol=1e-9, atol=1e-12)
    expected = np.polynomial.polynomial.polyval(xs, coefficients)
    np.testing.assert_allclose(spec.predict(xs), expected, rtol=1e-12)


@pytest.mark.parametrize(("coefficients", "text"), [
    ([1.0, 2.0], "2·x + 1"),
    ([1.0, -2.0, 0.0, 0.5], "0.5·x³ − 2·x + 1"),
    ([-3.0, 0.0, 0.0], "-3"),
    ([0.0, 0.0, 1.5], "1.5·x²"),
])
def test_the_equation_reads_as_a_polynomial(coefficients: list[float], text: str) -> None:
    assert polynomial_text(coefficients) == text
