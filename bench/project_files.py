"""Project files (issue 11): the old JSON format (version 2) against the zip (version 3), and opening many runs
in the window one at a time (as before) against all at once. Prints ratios new/old from this one run (the
machine is noisy: compare only within a run):

  save / open of a project with one EPOCHS-epoch run: v2 JSON, v3 zip with stored .npy (what Save writes),
      v3 zip with deflated .npy (the alternative), and the file sizes
  save / open of step traces (issue 12): 8 runs of 1,000 steps and 1 run of 131,072 steps (a trace kept whole),
      each against the same project without traces, and the file sizes
  open of RUNS runs (1,000 epochs each) in the window, old per-run restore vs the batch restore

Usage: .venv/bin/python bench/project_files.py [--epochs 10000000] [--runs 100,500,1000] [--repeats 2]
           [--only long,traces,window]
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import sys
import tempfile
import time
import types
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from engine.atomic_write import write_text_atomic  # noqa: E402
from engine.data.points import PointSet  # noqa: E402
from engine.files import project_zip  # noqa: E402
from engine.files.project_file import PROJECT_FORMAT, Project, SavedRun, load_project, save_project  # noqa: E402
from engine.training.config import TrainingConfig  # noqa: E402
from engine.training.path_buffer import ThinningPath  # noqa: E402
from engine.training.results import TrainingResult  # noqa: E402
from engine.training.step_trace import STATE_WIDTH, StepRecords  # noqa: E402


def make_run(epochs: int, seed: int) -> SavedRun:
    rng = np.random.default_rng(seed)
    history = np.exp(-np.linspace(0, 8, epochs)) + rng.uniform(0, 1e-6, epochs)  # noisy low bits, as real losses
    path = ThinningPath()
    steps = np.arange(1, epochs + 1, dtype=np.int64)
    path.extend(steps, 2 - np.exp(-steps / epochs), 0.5 * np.exp(-steps / epochs))
    result = TrainingResult(weight=1.99, bias=0.01, final_loss=float(history[-1]), loss_history=history,
                            epochs_run=epochs, stop_reason="completed", device="cpu", elapsed_s=1.5, path="fused",
                            initial_weight=0.3, initial_bias=-0.2, config=TrainingConfig(seed=seed).to_dict())
    return SavedRun(TrainingConfig(seed=seed, epochs=epochs), result, path.arrays())


def make_records(steps: int, seed: int) -> StepRecords:
    """`steps` steps of noisy values (the low bits of real ones are noise too: deflate would gain little)."""
    rng = np.random.default_rng(seed)
    numbers = np.arange(1, steps + 1, dtype=np.int64)

    def pairs() -> np.ndarray:
        return rng.normal(size=(steps, 2))

    return StepRecords(steps=numbers, epochs=numbers.copy(), batch_sizes=np.full(steps, 100, dtype=np.int64),
                       losses=rng.uniform(0, 1, steps), before=pairs(), after=pairs(), trained_before=pairs(),
                       trained_after=pairs(), gradients=pairs(), states=rng.normal(size=(steps, STATE_WIDTH)),
                       learning_rates=np.full(steps, 0.01))


def save_v2(project: Project, path: Path) -> None:
    """The version 2 writer as it was: every array as a JSON list."""
    def result_json(result: TrainingResult) -> dict[str, object]:
        return {"weight": result.weight, "bias": result.bias, "final_loss": result.final_loss,
                "loss_history": result.loss_history.tolist(), "epochs_run": result.epochs_run,
                "stop_reason": result.stop_reason, "device": result.device, "elapsed_s": result.elapsed_s,
                "path": result.path, "message": result.message, "initial_weight": result.initial_weight,
                "initial_bias": result.initial_bias, "config": result.config,
                "suggested_learning_rate": result.suggested_learning_rate}

    runs = []
    for run in project.runs:
        entry: dict[str, object] = {"config": run.config.to_dict(), "result": result_json(run.result),
                                    "shown": run.shown}
        if run.path is not None:
            entry["path"] = {"epochs": run.path[0].tolist(), "weights": run.path[1].tolist(),
                             "biases": run.path[2].tolist()}
        runs.append(entry)
    document = {"format": PROJECT_FORMAT, "version": 2,
                "points": {"x": project.points.x.tolist(), "y": project.points.y.tolist()},
                "config": project.config.to_dict(),
                "result": result_json(project.result) if project.result is not None else None, "runs": runs}
    write_text_atomic(path, json.dumps(document, allow_nan=True) + "\n")


def best_of(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def long_history(folder: Path, epochs: int, repeats: int) -> None:
    project = Project(PointSet.seed(), TrainingConfig(), [make_run(epochs, 0)])
    paths = {name: folder / f"{name}.gdsproj" for name in ("v2", "v3", "v3-deflated")}
    savers: dict[str, Callable[[], None]] = {
        "v2": lambda: save_v2(project, paths["v2"]),
        "v3": lambda: save_project(project, paths["v3"]),
        "v3-deflated": lambda: save_project(project, paths["v3-deflated"]),
    }
    figures: dict[str, tuple[float, float, int]] = {}
    for name, save in savers.items():
        project_zip.ARRAY_COMPRESSION = zipfile.ZIP_DEFLATED if name == "v3-deflated" else zipfile.ZIP_STORED
        saved = best_of(repeats, save)
        opened = best_of(repeats, lambda name=name: load_project(paths[name]))
        figures[name] = (saved, opened, paths[name].stat().st_size)
        print(f"{epochs:,}-epoch run, {name:12s}: save {saved:6.2f} s, open {opened:6.2f} s, "
              f"{figures[name][2] / 2**20:7.1f} MiB", flush=True)
    project_zip.ARRAY_COMPRESSION = zipfile.ZIP_STORED
    old = figures["v2"]
    for name in ("v3", "v3-deflated"):
        new = figures[name]
        print(f"  {name} / v2: save {new[0] / old[0]:.3f}x, open {new[1] / old[1]:.3f}x, size {new[2] / old[2]:.3f}x")


def traces(folder: Path, repeats: int) -> None:
    for count, steps in ((8, 1000), (1, 131_072)):
        runs = [make_run(1000, seed) for seed in range(count)]
        figures = []
        for traced in (False, True):
            for seed, run in enumerate(runs):
                run.trace = make_records(steps, seed) if traced else None
            project = Project(PointSet.seed(), TrainingConfig(), runs)
            path = folder / f"traces-{count}x{steps}-{traced}.gdsproj"
            saved = best_of(repeats, functools.partial(save_project, project, path))
            opened = best_of(repeats, functools.partial(load_project, path))
            figures.append((saved, opened, path.stat().st_size))
            print(f"{count} run(s) x {steps:,} steps, {'with' if traced else 'without'} traces: save {saved:6.3f} s, "
                  f"open {opened:6.3f} s, {figures[-1][2] / 2**20:7.2f} MiB", flush=True)
        (old_save, old_open, old_size), (new_save, new_open, new_size) = figures
        print(f"  traces add: save +{new_save - old_save:.3f} s, open +{new_open - old_open:.3f} s, "
              f"+{(new_size - old_size) / 2**20:.2f} MiB ({(new_size - old_size) / (count * steps):.1f} bytes a step)")


def many_runs(folder: Path, counts: list[int], repeats: int) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.session.training_session import TrainingSession
    from gui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([])

    def per_run_restore(session: TrainingSession, project: Project) -> None:
        """TrainingSession.restore as it was: one add_finished (one insert, one redraw) per run."""
        session.runs.reset()
        session.last_result = project.result
        session.unsaved_result = False
        for saved in project.runs:
            thinned = None
            if saved.path is not None:
                thinned = ThinningPath()
                thinned.extend(*saved.path)
            run = session.runs.add_finished(saved.config, saved.result, thinned, saved.shown)
            run.points = project.points

    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat), detect_devices=False)
    window.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    window.show()
    app.processEvents()
    batch_restore = window.session.restore

    def open_in_window(path: Path) -> None:
        assert window.files.open_project(path, confirmed=True)
        app.processEvents()  # the table and the plots paint what the open changed

    for count in counts:
        path = folder / f"runs-{count}.gdsproj"
        save_project(Project(PointSet.seed(), TrainingConfig(), [make_run(1000, seed) for seed in range(count)]),
                     path)
        read = best_of(repeats, lambda path=path: load_project(path))
        window.session.restore = batch_restore  # type: ignore[method-assign]
        new = best_of(repeats, lambda path=path: open_in_window(path))
        window.session.restore = types.MethodType(per_run_restore, window.session)  # type: ignore[method-assign]
        old = best_of(1, lambda path=path: open_in_window(path))
        print(f"{count:5,} runs: load_project {read:6.3f} s | open in the window: batch {new:6.3f} s, "
              f"per run (before) {old:7.2f} s, new/old {new / old:.4f}x", flush=True)
    window.session.restore = batch_restore  # type: ignore[method-assign]
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10_000_000)
    parser.add_argument("--runs", default="100,500,1000")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", default="long,traces,window", help="the sections to run, comma-separated")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        os.environ.setdefault("XDG_CONFIG_HOME", str(folder / "config"))  # the app's profile stays in here
        os.environ.setdefault("XDG_DATA_HOME", str(folder / "data"))
        os.environ.setdefault("GDS_RECOVERY_DIR", str(folder / "recovery"))
        sections = arguments.only.split(",")
        if "long" in sections:
            long_history(folder, arguments.epochs, arguments.repeats)
        if "traces" in sections:
            traces(folder, arguments.repeats)
        if "window" in sections:
            many_runs(folder, [int(count) for count in arguments.runs.split(",")], arguments.repeats)


if __name__ == "__main__":
    main()
