"""Every export format, loaded in a fresh Python process with the format's own tools, predicts what the
trained model predicts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.data.points import PointSet
from engine.errors import ExportError
from engine.files.model_export import export_model
from engine.training.trainer import train
from tests.conftest import run_python

INPUTS = [-2.0, 0.0, 1.0, 3.5, 100.0]

LOADERS = {
    ".pt": "import torch; m = torch.nn.Linear(1, 1); "
           "m.load_state_dict(torch.load(path, weights_only=True)); "
           "out = m(torch.tensor(xs).view(-1, 1)).detach().view(-1).tolist()",
    ".pt2": "import torch; m = torch.export.load(path).module(); "
            "out = m(torch.tensor(xs).view(-1, 1)).detach().view(-1).tolist()",
    ".onnx": "import numpy as np, onnxruntime as ort; s = ort.InferenceSession(path); "
             "out = s.run(None, {'x': np.array(xs, dtype=np.float32).reshape(-1, 1)})[0].reshape(-1).tolist()",
    ".json": "import json; d = json.load(open(path)); out = [d['weight'] * x + d['bias'] for x in xs]",
}


@pytest.fixture(scope="module")
def trained():
    return train(PointSet.seed())


@pytest.mark.parametrize("suffix", list(LOADERS))
def test_exported_model_round_trips_in_a_fresh_process(trained, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    export_model(trained, path)
    script = f"path = {str(path)!r}; xs = {INPUTS!r}\n{LOADERS[suffix]}\nimport json; print(json.dumps(out))"
    completed = run_python("-c", script)
    assert completed.returncode == 0, completed.stderr
    predicted = json.loads(completed.stdout.strip().splitlines()[-1])
    expected = trained.weight * np.array(INPUTS) + trained.bias
    np.testing.assert_allclose(predicted, expected, rtol=1e-6, atol=1e-5)
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "one file, no temp or external-data files"


def test_onnx_file_is_self_contained(trained, tmp_path: Path) -> None:
    import onnx

    path = tmp_path / "model.onnx"
    export_model(trained, path)
    model = onnx.load(str(path), load_external_data=False)
    assert {init.name for init in model.graph.initializer} == {"weight", "bias"}
    assert all(not init.external_data for init in model.graph.initializer)


def test_json_export_has_the_numbers_and_config(trained, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    export_model(trained, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["weight"] == trained.weight and document["bias"] == trained.bias
    assert document["final_loss"] == trained.final_loss
    assert document["config"]["learning_rate"] == 0.01 and document["config"]["optimizer"] == "sgd"


def test_unknown_extension_is_a_clear_error(trained, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"model\.h5.*\.pt, \.pt2, \.onnx, \.json"):
        export_model(trained, tmp_path / "model.h5")
    assert list(tmp_path.iterdir()) == []
