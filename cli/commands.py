"""Argument parsing and the `train` and `devices` commands.

Bad input (a CSV error, a missing device, an impossible hyperparameter, an unknown option) exits with code
2 and one line on stderr naming what and where; nothing prints a traceback. Everything that can be checked
before training is checked before training: a bad --export is not found out after a long run.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from engine.errors import ConfigError, DataError, EngineError, ExportError
from engine.files.model_export import EXPORT_FORMATS
from engine.training.config import MAX_DEGREE, PATHS, TrainingConfig
from engine.training.losses import LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import SCHEDULES

EXIT_BAD_INPUT = 2
SCRIPT_SUFFIX = ".py"
EXPORT_SUFFIXES = (*EXPORT_FORMATS, SCRIPT_SUFFIX)
# The start of each setting's ConfigError message → the flag that sets it, so a refusal names the flag.
FLAGS = {"Learning rate": "--lr", "Epochs": "--epochs", "Momentum": "--momentum", "Batch size": "--batch-size",
         "Seed": "--seed", "Device": "--device", "Unknown device": "--device", "Degree": "--degree",
         "Huber delta": "--huber-delta", "L2 strength": "--l2", "L1 strength": "--l1", "Step size": "--step-size",
         "Gamma": "--gamma", "Validation fraction": "--validation-fraction"}


class OneLineParser(argparse.ArgumentParser):
    """argparse prints the usage and then the error; a script reading stderr wants one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {_one_line(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="main.py", description="Gradient Descent Studio: fit y = w·x + b with PyTorch. "
        "Without a command, the desktop app opens.")
    parser.add_argument("--selftest", action="store_true",
                        help="train the seed problem, export and reload every model format, print a verdict")
    commands = parser.add_subparsers(dest="command", metavar="{train,devices}")

    train = commands.add_parser("train", help="train without a window and print the fitted line")
    train.add_argument("data", nargs="?", help="CSV of x,y points (default: the seed's four points)")
    defaults = TrainingConfig()
    train.add_argument("--epochs", type=int, default=defaults.epochs)
    train.add_argument("--lr", type=float, default=defaults.learning_rate, help="learning rate")
    train.add_argument("--optimizer", choices=OPTIMIZERS.keys(), default=defaults.optimizer)
    train.add_argument("--momentum", type=float, default=defaults.momentum,
                       help="momentum factor for --optimizer momentum and nesterov")
    train.add_argument("--degree", type=int, default=defaults.degree,
                       help=f"degree of the polynomial, 1 (a line) to {MAX_DEGREE}")
    train.add_argument("--loss", choices=LOSSES.keys(), default=defaults.loss,
                       help="mse: squared error, mae: absolute error, huber: squared near the curve, absolute beyond")
    train.add_argument("--huber-delta", type=float, default=defaults.huber_delta,
                       help="where --loss huber turns from squared to absolute error (in y's units)")
    train.add_argument("--l2", type=float, default=defaults.l2,
                       help="L2 penalty strength on the weights (not the bias)")
    train.add_argument("--l1", type=float, default=defaults.l1,
                       help="L1 penalty strength on the weights (not the bias)")
    train.add_argument("--schedule", choices=SCHEDULES.keys(), default=defaults.schedule,
                       help="learning-rate schedule, stepped once per epoch")
    train.add_argument("--step-size", type=int, default=None,
                       help="epochs between decays for --schedule step (default: epochs // 4)")
    train.add_argument("--gamma", type=float, default=None,
                       help="decay factor for --schedule step (default 0.5) or exponential (default 0.995)")
    train.add_argument("--validation-fraction", type=float, default=defaults.validation_fraction,
                       help="share of the points (0 to 0.5) held out, drawn with --seed, and scored every epoch")
    train.add_argument("--batch-size", type=int, default=None, help="mini-batch size (default: full batch)")
    train.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    train.add_argument("--seed", type=int, default=defaults.seed)
    train.add_argument("--path", choices=PATHS, default=defaults.path,
                       help="training loop: fused closed-form gradient, or autograd as the example script")
    train.add_argument("--standardize", action="store_true",
                       help="train on standardised x and y; the line is still reported in the original units")
    train.add_argument("--export", metavar="PATH",
                       help="write the model: .pt, .pt2, .onnx, .json, or .py (a script that repeats the run)")
    train.add_argument("--json", action="store_true", help="print the result as one JSON object")

    devices = commands.add_parser("devices", help="list the devices this machine can train on")
    devices.add_argument("--json", action="store_true")
    return parser


def run(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.selftest:
            from cli.selftest import run_selftest

            return run_selftest()
        if args.command == "devices":
            return _devices(args.json)
        return _train(args)
    except EngineError as error:
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _one_line(message: str) -> str:
    """A file name may hold a line break; the error stays one line all the same."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def check_export_path(path: str | None) -> None:
    """Refuse an --export the run could not be written to, before the run: an empty name, an extension
    no writer knows (the message lists them all), a folder."""
    if path is None:
        return
    if not path.strip():
        raise ExportError(f"--export needs a file name ending in one of {', '.join(EXPORT_SUFFIXES)}.")
    target = Path(path)
    if target.suffix.lower() not in EXPORT_SUFFIXES:
        raise ExportError(f"Cannot export to '{target.name or path}': the extension must be one of "
                          f"{', '.join(EXPORT_SUFFIXES)}.")
    if target.is_dir():
        raise ExportError(f"Cannot export to {path}: it is a folder.")


def _train(args: argparse.Namespace) -> int:
    from cli.progress_bar import TerminalProgress
    from engine.data.csv_io import read_csv
    from engine.data.points import PointSet
    from engine.training.results import TrainingControl
    from engine.training.trainer import train

    config = config_from_arguments(args)
    check_export_path(args.export)
    if args.data is not None and not args.data.strip():
        raise DataError("The data file name is empty: give a CSV file, or leave it out for the seed points.")
    points = read_csv(args.data) if args.data is not None else PointSet.seed()
    control = TrainingControl()
    previous = signal.signal(signal.SIGINT, lambda *_: control.request_stop())
    progress = TerminalProgress(config.epochs)
    try:
        result = train(points, config, on_progress=progress, control=control)
    finally:
        progress.close()
        signal.signal(signal.SIGINT, previous)
    if args.export and Path(args.export).suffix.lower() == SCRIPT_SUFFIX:
        from engine.files.script_export import export_script

        try:
            written = export_script(points, config, args.export)
        except OSError as error:
            print(f"error: cannot write {_one_line(args.export)}: {error.strerror or error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        data = f" (its data in {written[1]})" if len(written) > 1 else ""
        print(f"Exported a script that repeats this run to {written[0]}{data}", file=sys.stderr)
    elif args.export:
        from engine.files.model_export import export_model

        export_model(result, args.export)
        print(f"Exported the model to {args.export}", file=sys.stderr)
    if args.json:
        print(json_summary(result.summary()))
    else:
        curve = (f"{result.weight:.6g}·x + {result.bias:.6g}" if config.degree == 1 else
                 polynomial_text(result.coefficients))
        validation = "" if result.validation_loss is None else f", validation loss {result.validation_loss:.6g}"
        print(f"y = {curve}   loss {result.final_loss:.6g}{validation}, "
              f"{result.epochs_run} epochs, {result.stop_reason}, {result.device}, {result.path} path, "
              f"{result.elapsed_s:.2f} s")
    if result.message:
        print(result.message, file=sys.stderr)
    return 0


def config_from_arguments(args: argparse.Namespace) -> TrainingConfig:
    """The run's settings, checked; a refusal names the flag (`--degree: Degree must be ...`)."""
    try:
        return TrainingConfig(learning_rate=args.lr, epochs=args.epochs, optimizer=args.optimizer,
                              momentum=args.momentum, batch_size=args.batch_size, seed=args.seed,
                              device=args.device, path=args.path, standardize=args.standardize,
                              degree=args.degree, loss=args.loss, huber_delta=args.huber_delta, l2=args.l2,
                              l1=args.l1, schedule=args.schedule, step_size=args.step_size, gamma=args.gamma,
                              validation_fraction=args.validation_fraction)
    except ConfigError as error:
        message = str(error)
        flag = next((flag for start, flag in sorted(FLAGS.items(), key=lambda item: -len(item[0]))
                     if message.startswith(start)), None)
        raise ConfigError(f"{flag}: {message}" if flag else message) from None


def polynomial_text(coefficients: Sequence[float]) -> str:
    """c₀ + c₁·x + c₂·x^2 …, each to six significant digits."""
    terms = [f"{value:.6g}" + ("" if power == 0 else "·x" if power == 1 else f"·x^{power}")
             for power, value in enumerate(coefficients)]
    return " + ".join(terms).replace("+ -", "- ")


def json_summary(summary: dict[str, Any]) -> str:
    """Strict JSON: a number that is not finite (after a divergence) becomes null, and `message` says why;
    Python's json would print NaN, which no JSON parser but Python's accepts."""
    def bad(value: object) -> bool:
        return isinstance(value, float) and not math.isfinite(value)

    not_finite = [key for key, value in summary.items()
                  if bad(value) or (isinstance(value, list) and any(bad(item) for item in value))]
    cleaned = {key: ([None if bad(item) else item for item in value] if isinstance(value, list) else None)
               if key in not_finite else value for key, value in summary.items()}
    if not_finite and not cleaned.get("message"):
        cleaned["message"] = f"{', '.join(not_finite)} not finite numbers (null)."
    return json.dumps(cleaned, allow_nan=False)


def _devices(as_json: bool) -> int:
    from engine.training.devices import list_devices

    devices = list_devices()
    if as_json:
        print(json.dumps([{"id": device.id, "name": device.name} for device in devices]))
    else:
        for device in devices:
            print(f"{device.id}\t{device.name}")
    return 0
