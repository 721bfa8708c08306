"""Argument parsing and the `train` and `devices` commands.

Bad input (a CSV error, a missing device, an impossible hyperparameter) exits with code 2 and one line on
stderr naming what and where; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence

from engine.errors import EngineError
from engine.training.config import PATHS, TrainingConfig
from engine.training.optimizers import OPTIMIZERS

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
                       help="momentum factor for --optimizer momentum")
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
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _train(args: argparse.Namespace) -> int:
    from cli.progress_bar import TerminalProgress
    from engine.data.csv_io import read_csv
    from engine.data.points import PointSet
    from engine.training.results import TrainingControl
    from engine.training.trainer import train

    config = TrainingConfig(learning_rate=args.lr, epochs=args.epochs, optimizer=args.optimizer,
                            momentum=args.momentum, batch_size=args.batch_size, seed=args.seed,
                            device=args.device, path=args.path, standardize=args.standardize)
    points = read_csv(args.data) if args.data else PointSet.seed()
    control = TrainingControl()
    previous = signal.signal(signal.SIGINT, lambda *_: control.request_stop())
    progress = TerminalProgress(config.epochs)
    try:
        result = train(points, config, on_progress=progress, control=control)
    finally:
        progress.close()
        signal.signal(signal.SIGINT, previous)
    if args.export and args.export.lower().endswith(".py"):
        from engine.files.script_export import export_script

        try:
            written = export_script(points, config, args.export)
        except OSError as error:
            print(f"error: cannot write {args.export}: {error.strerror or error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"Exported a script that repeats this run to {', '.join(map(str, written))}", file=sys.stderr)
    elif args.export:
        from engine.files.model_export import export_model

        export_model(result, args.export)
        print(f"Exported the model to {args.export}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.summary()))
    else:
        print(f"y = {result.weight:.6g}·x + {result.bias:.6g}   loss {result.final_loss:.6g}, "
              f"{result.epochs_run} epochs, {result.stop_reason}, {result.device}, {result.path} path, "
              f"{result.elapsed_s:.2f} s")
    if result.message:
        print(result.message, file=sys.stderr)
    return 0


def _devices(as_json: bool) -> int:
    from engine.training.devices import list_devices

    devices = list_devices()
    if as_json:
        print(json.dumps([{"id": device.id, "name": device.name} for device in devices]))
    else:
        for device in devices:
            print(f"{device.id}\t{device.name}")
    return 0
