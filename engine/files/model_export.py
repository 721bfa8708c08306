"""Write a trained model as a file other programs can use, chosen by the file's extension.

A straight line (degree 1) is nn.Linear(1, 1) as in the classic example; a polynomial is the
PolynomialRegression module of engine.files.polynomial_model, which takes raw x and does the feature
expansion (and the standardisation that keeps float32 accurate) inside.

.pt    the module's state_dict, for torch.load(..., weights_only=True); the .json says how to rebuild it
.pt2   a torch.export program taking x of shape [batch, 1] (dynamic batch size)
.onnx  one self-contained ONNX file with inline initializers, input x [batch, 1], output y [batch, 1]
.json  the coefficients (constant term first), the config, the losses and, for a polynomial, the module

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
from engine.files.polynomial_model import MODULE_SOURCE, PolynomialSpec, polynomial_module
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
    """Write `result`'s model to `path` in the format its extension names; raise ExportError on failure."""
    target = Path(path)
    suffix = target.suffix.lower()
    writers = {".pt": _write_state_dict, ".pt2": _write_exported_program, ".onnx": _write_onnx,
               ".json": _write_json}
    if suffix not in writers:
        known = ", ".join(EXPORT_FORMATS)
        raise ExportError(f"Cannot export to '{target.name}': the extension must be one of {known}.")
    try:
        writers[suffix](result, target, model_spec(result))
    except OSError as error:
        raise ExportError(f"Could not write {target}: {error.strerror or error}.") from None
    return target


def model_spec(result: TrainingResult) -> PolynomialSpec:
    """The exported polynomial: the result's coefficients in the user's units (its weight and bias for a
    run without them), re-expanded around the training points' mean x in units of their spread."""
    coefficients = result.coefficients or (result.bias, result.weight)
    try:
        return PolynomialSpec.from_coefficients(coefficients, result.x_center, result.x_spread)
    except ValueError as error:
        raise ExportError(f"Cannot export this model: {error}.") from None


def linear_model(weight: float, bias: float) -> Any:
    """An nn.Linear(1, 1) holding the trained numbers, in evaluation mode."""
    import torch
    from torch import nn

    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(weight)
        model.bias.fill_(bias)
    return model.eval()


def _module(spec: PolynomialSpec) -> Any:
    """nn.Linear(1, 1) for a line (what the classic example loads), the polynomial module otherwise."""
    if spec.degree == 1:
        weight, bias = spec.coefficients()[1], spec.coefficients()[0]
        return linear_model(weight, bias)
    return polynomial_module(spec)


def _write_state_dict(result: TrainingResult, target: Path, spec: PolynomialSpec) -> None:
    import torch

    state = _module(spec).state_dict()
    write_atomic(target, lambda handle: torch.save(state, handle))


def _write_exported_program(result: TrainingResult, target: Path, spec: PolynomialSpec) -> None:
    import torch

    model = _module(spec)
    batch = torch.export.Dim("batch")
    program = torch.export.export(model, (torch.ones(4, 1),), dynamic_shapes=({0: batch},))
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    write_atomic(target, lambda handle: handle.write(buffer.getvalue()))


def _write_onnx(result: TrainingResult, target: Path, spec: PolynomialSpec) -> None:
    import onnx
    from onnx import TensorProto, helper

    if spec.degree == 1:
        coefficients = spec.coefficients()
        initializers = [helper.make_tensor("weight", TensorProto.FLOAT, [1, 1], [coefficients[1]]),
                        helper.make_tensor("bias", TensorProto.FLOAT, [1], [coefficients[0]])]
        nodes = [helper.make_node("Gemm", ["x", "weight", "bias"], ["y"], transB=1)]
        name = "linear_regression"
    else:
        degree = spec.degree
        initializers = [
            helper.make_tensor("center", TensorProto.FLOAT, [1], [spec.center]),
            helper.make_tensor("scale", TensorProto.FLOAT, [1], [spec.scale]),
            helper.make_tensor("exponents", TensorProto.FLOAT, [degree], [float(k) for k in range(1, degree + 1)]),
            helper.make_tensor("weight", TensorProto.FLOAT, [1, degree], list(spec.weights)),
            helper.make_tensor("bias", TensorProto.FLOAT, [1], [spec.bias])]
        nodes = [helper.make_node("Sub", ["x", "center"], ["centered"]),
                 helper.make_node("Div", ["centered", "scale"], ["z"]),
                 helper.make_node("Pow", ["z", "exponents"], ["powers"]),  # [batch, 1] ** [degree]
                 helper.make_node("Gemm", ["powers", "weight", "bias"], ["y"], transB=1)]
        name = "polynomial_regression"
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1])],
        initializer=initializers)
    model = helper.make_model(graph, producer_name="Gradient Descent Studio",
                              opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    model.ir_version = 8  # readable by onnxruntime releases from 1.10 on
    onnx.checker.check_model(model, full_check=True)
    write_atomic(target, lambda handle: handle.write(model.SerializeToString()))


def _write_json(result: TrainingResult, target: Path, spec: PolynomialSpec) -> None:
    coefficients = list(result.coefficients or (result.bias, result.weight))
    document: dict[str, Any] = {
        "format": JSON_FORMAT,
        "version": 2,
        "equation": f"y = {polynomial_text(coefficients)}",
        "degree": spec.degree,
        "coefficients": coefficients,
    }
    if spec.degree == 1:
        document |= {"weight": result.weight, "bias": result.bias}
    else:
        document["pytorch_module"] = {
            "source": MODULE_SOURCE,
            "rebuild": "model = PolynomialRegression(degree); "
                       "model.load_state_dict(torch.load(path_to_pt, weights_only=True))",
            "center": spec.center, "scale": spec.scale, "weights": list(spec.weights), "bias": spec.bias,
        }
    document |= {
        "final_loss": result.final_loss,
        "validation_loss": result.validation_loss,
        "epochs_run": result.epochs_run,
        "stop_reason": result.stop_reason,
        "device": result.device,
        "config": result.config,
    }
    write_text_atomic(target, json.dumps(document, indent=2, allow_nan=True) + "\n")


def polynomial_text(coefficients: list[float]) -> str:
    """'2·x + 1' or '0.5·x³ − 2·x + 1': highest power first, 8 significant digits, zero terms left out."""
    superscripts = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    terms: list[str] = []
    for power in range(len(coefficients) - 1, -1, -1):
        value = coefficients[power]
        if value == 0.0 and (terms or power):
            continue
        variable = "" if power == 0 else "·x" if power == 1 else "·x" + str(power).translate(superscripts)
        body = f"{abs(value):.8g}{variable}"
        sign = "−" if value < 0 else "+"
        terms.append(("-" if value < 0 else "") + body if not terms else f"{sign} {body}")
    return " ".join(terms) or "0"
