"""Load an exported model file back and predict with it, each format through its own runtime.

Used by the self-test to prove that what we write can be read by the tools people will use."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from engine.files.polynomial_model import module_from_state_dict


def predict_with_file(path: str | os.PathLike[str], xs: np.ndarray) -> np.ndarray:
    """Predictions of the model stored at `path` for inputs `xs` (1-D), as float64."""
    target = Path(path)
    inputs = np.asarray(xs, dtype=np.float32).reshape(-1, 1)
    suffix = target.suffix.lower()
    if suffix == ".json":
        document = json.loads(target.read_text(encoding="utf-8"))
        coefficients = document.get("coefficients") or [document["bias"], document["weight"]]
        return np.polynomial.polynomial.polyval(inputs[:, 0].astype(np.float64), coefficients)
    if suffix == ".onnx":
        return _predict_onnx(target, inputs)
    import torch
    from torch import nn

    tensor = torch.from_numpy(inputs)
    if suffix == ".pt":
        state = torch.load(target, weights_only=True)
        if "linear.weight" in state:  # a polynomial
            model = module_from_state_dict(state)
        else:
            model = nn.Linear(1, 1)
            model.load_state_dict(state)
    elif suffix == ".pt2":
        model = torch.export.load(target).module()
    else:
        raise ValueError(f"Unknown model format: {target.name}")
    with torch.no_grad():
        return model(tensor).numpy().astype(np.float64).reshape(-1)


def _predict_onnx(path: Path, inputs: np.ndarray) -> np.ndarray:
    """onnxruntime where it is installed; else ONNX's own reference evaluator (the bundle leaves
    onnxruntime out: 35 MB that only this check would use)."""
    try:
        import onnxruntime
    except ImportError:
        from onnx.reference import ReferenceEvaluator

        (output,) = ReferenceEvaluator(str(path)).run(None, {"x": inputs})
    else:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (output,) = session.run(None, {"x": inputs})
    return np.asarray(output, dtype=np.float64).reshape(-1)
