"""Load an exported model file back and predict with it, each format through its own runtime.

Used by the self-test to prove that what we write can be read by the tools people will use."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def predict_with_file(path: str | os.PathLike[str], xs: np.ndarray) -> np.ndarray:
    """Predictions of the model stored at `path` for inputs `xs` (1-D), as float64."""
    target = Path(path)
    inputs = np.asarray(xs, dtype=np.float32).reshape(-1, 1)
    suffix = target.suffix.lower()
    if suffix == ".json":
        document = json.loads(target.read_text(encoding="utf-8"))
        return inputs[:, 0].astype(np.float64) * document["weight"] + document["bias"]
    if suffix == ".onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
        (output,) = session.run(None, {"x": inputs})
        return np.asarray(output, dtype=np.float64).reshape(-1)
    import torch
    from torch import nn

    tensor = torch.from_numpy(inputs)
    if suffix == ".pt":
        model = nn.Linear(1, 1)
        model.load_state_dict(torch.load(target, weights_only=True))
    elif suffix == ".pt2":
        model = torch.export.load(target).module()
    else:
        raise ValueError(f"Unknown model format: {target.name}")
    with torch.no_grad():
        return model(tensor).numpy().astype(np.float64).reshape(-1)
