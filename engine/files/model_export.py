"""Write a trained line y = w·x + b as a file other programs can use, chosen by the file's extension.

.pt    state_dict of nn.Linear(1, 1), for torch.load(..., weights_only=True)
.pt2   a torch.export program (dynamic batch size)
.onnx  one self-contained ONNX file (Gemm with inline initializers), for onnxruntime and friends
.json  the numbers, the config and the final loss

Every file is written to a temporary file beside the target and moved into place only when complete.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

from engine.atomic_write import write_atomic, write_text_atomic
from engine.errors import ExportError
from engine.training.results import TrainingResult

EXPORT_FORMATS = {
    ".pt": "PyTorch state_dict (*.pt)",
    ".pt2": "torch.export program (*.pt2)",
    ".onnx": "ONNX model (*.onnx)",
    ".json": "JSON numbers (*.json)",
}
ONNX_OPSET = 17
JSON_FORMAT = "gradient-descent-studio/linear-model"


def export_model(result: TrainingResult, path: str | os.PathLike[str]) -> Path:
    """Write `result`'s line to `path` in the format its extension names; raise ExportError on failure."""
    target = Path(path)
    suffix = target.suffix.lower()
    writers = {".pt": _write_state_dict, ".pt2": _write_exported_program, ".onnx": _write_onnx,
               ".json": _write_json}
    if suffix not in writers:
        known = ", ".join(EXPORT_FORMATS)
        raise ExportError(f"Cannot export to '{target.name}': the extension must be one of {known}.")
    try:
        writers[suffix](result, target)
    except OSError as error:
        raise ExportError(f"Could not write {target}: {error.strerror or error}.") from None
    return target


def linear_model(weight: float, bias: float) -> Any:
    """An nn.Linear(1, 1) holding the trained numbers, in evaluation mode."""
    import torch
    from torch import nn

    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(weight)
        model.bias.fill_(bias)
    return model.eval()


def _write_state_dict(result: TrainingResult, target: Path) -> None:
    import torch

    state = linear_model(result.weight, result.bias).state_dict()
    write_atomic(target, lambda handle: torch.save(state, handle))


def _write_exported_program(result: TrainingResult, target: Path) -> None:
    import torch

    model = linear_model(result.weight, result.bias)
    batch = torch.export.Dim("batch")
    program = torch.export.export(model, (torch.ones(4, 1),), dynamic_shapes=({0: batch},))
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    write_atomic(target, lambda handle: handle.write(buffer.getvalue()))


def _write_onnx(result: TrainingResult, target: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    weight = helper.make_tensor("weight", TensorProto.FLOAT, [1, 1], [result.weight])
    bias = helper.make_tensor("bias", TensorProto.FLOAT, [1], [result.bias])
    node = helper.make_node("Gemm", ["x", "weight", "bias"], ["y"], transB=1)
    graph = helper.make_graph(
        [node], "linear_regression",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1])],
        initializer=[weight, bias])
    model = helper.make_model(graph, producer_name="Gradient Descent Studio",
                              opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    model.ir_version = 8  # readable by onnxruntime releases from 1.10 on
    onnx.checker.check_model(model, full_check=True)
    write_atomic(target, lambda handle: handle.write(model.SerializeToString()))


def _write_json(result: TrainingResult, target: Path) -> None:
    document = {
        "format": JSON_FORMAT,
        "version": 1,
        "equation": f"y = {result.weight:.8g}·x + {result.bias:.8g}",
        "weight": result.weight,
        "bias": result.bias,
        "final_loss": result.final_loss,
        "epochs_run": result.epochs_run,
        "stop_reason": result.stop_reason,
        "device": result.device,
        "config": result.config,
    }
    write_text_atomic(target, json.dumps(document, indent=2, allow_nan=True) + "\n")
