"""The desktop app while it trains: worker speed against the engine alone, GUI event-loop stalls, and
the delay from Train to the first loss point drawn. Also start-up time to the first painted window.

Usage: QT_QPA_PLATFORM=offscreen python bench/gui_responsiveness.py [--epochs N] [--points N]
Prints ratios measured in this one run (the machines are noisy; compare only within a run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.data.points import PointSet  # noqa: E402
from engine.training.config import TrainingConfig  # noqa: E402


def engine_alone(points: PointSet, config: TrainingConfig) -> float:
    from engine.training.trainer import train

    train(points, TrainingConfig(epochs=10))
    result = train(points, config, on_progress=lambda batch: None)
    return result.epochs_run / result.elapsed_s


def startup_seconds(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.time()
        completed = subprocess.run([sys.executable, str(ROOT / "main.py")], capture_output=True, text=True,
                                   env={**os.environ, "GDS_STARTUP_PROBE": "1"}, timeout=60)
        painted = [line for line in completed.stdout.splitlines() if line.startswith("PAINTED")]
        times.append(float(painted[0].split()[1]) - started)
    return times


def peak_resident_mb(pid: int | str | None) -> float:
    """VmHWM (peak resident set) of a process, from /proc; NaN where there is none."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def gui_run(app: QApplication, points: PointSet, config: TrainingConfig, settings_path: Path) -> dict[str, float]:
    from gui.app import freeze_startup_objects
    from gui.shell.main_window import MainWindow

    os.environ["GDS_RECOVERY_DIR"] = str(settings_path.parent / "recovery")  # never the user's crash copies
    window = MainWindow(QSettings(str(settings_path), QSettings.Format.IniFormat), detect_devices=True)
    window.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    window.resize(1280, 800)
    window.show()
    freeze_startup_objects()  # as run_app does
    ready: list[bool] = []
    window.runner.devicesReady.connect(lambda _devices: ready.append(True))
    while not ready:
        app.processEvents()
        time.sleep(0.01)
    paint_ms: dict[str, list[float]] = {"data": [], "loss": [], "landscape": []}
    for name, plot in (("data", window.data_plot), ("loss", window.loss_plot.plot),
                       ("landscape", window.landscape.plot)):
        original = plot.paintEvent

        def timed_paint(event, original=original, name=name) -> None:
            started = time.perf_counter()
            original(event)
            paint_ms[name].append((time.perf_counter() - started) * 1000)

        plot.paintEvent = timed_paint
    window.model.reset_points(points)
    window.panel.set_config(config)
    settle = time.perf_counter() + 0.5  # let the new points paint before the clock starts, as a user would
    while time.perf_counter() < settle:
        app.processEvents()
        time.sleep(0.01)

    gaps: list[float] = []
    stamps: list[int] = []
    clock = QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(1)
    last = [0]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        stamps.append(now)
        last[0] = now

    ticker.timeout.connect(tick)
    first_point: list[float] = []
    original_redraw = window.loss_plot.redraw

    def redraw_and_note() -> None:
        original_redraw()
        if not first_point and window.loss_plot.point_count():
            window.loss_plot.plot.repaint()
            first_point.append(time.perf_counter())

    window.loss_plot.redraw = redraw_and_note  # type: ignore[method-assign]  # the frame timer calls it
    done: list = []
    window.trainingFinished.connect(done.append)
    clock.start()
    ticker.start()
    pressed = time.perf_counter()
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    window.trainingFinished.connect(lambda _result: loop.quit())
    window.training.start_training()
    loop.exec()
    wall = time.perf_counter() - pressed
    ticker.stop()
    result = done[0]
    child_peak_mb = peak_resident_mb(window.runner.child_pid())
    window.close()
    return {
        "wall_steps_per_s": result.epochs_run / wall,
        "child_steps_per_s": result.epochs_run / result.elapsed_s,
        "first_point_ms": (first_point[0] - pressed) * 1000 if first_point else float("nan"),
        "max_gap_ms": max(gaps[5:]) if len(gaps) > 5 else float("nan"),
        "worst_at": sorted(zip(gaps, stamps, strict=True))[-3:],
        "p99_gap_ms": float(np.percentile(gaps[5:], 99)) if len(gaps) > 5 else float("nan"),
        "epochs": result.epochs_run,
        "data_paints": len(paint_ms["data"]), "data_paint_ms": statistics.mean(paint_ms["data"] or [0]),
        "loss_paints": len(paint_ms["loss"]), "loss_paint_ms": statistics.mean(paint_ms["loss"] or [0]),
        "gui_peak_mb": peak_resident_mb("self"), "child_peak_mb": child_peak_mb,
        "landscape_paints": len(paint_ms["landscape"]),
        "landscape_paint_ms": statistics.mean(paint_ms["landscape"] or [0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=300_000)
    parser.add_argument("--points", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    args = parser.parse_args()
    if args.points == 4:
        points = PointSet.seed()
    else:
        rng = np.random.default_rng(0)
        x = rng.uniform(-1, 1, args.points)
        points = PointSet.from_columns(x, 2 * x + rng.normal(scale=0.1, size=x.size))
    config = TrainingConfig(epochs=args.epochs, device="cpu")
    app = QApplication(sys.argv[:1])
    print(f"{args.points:,} points x {args.epochs:,} epochs, fused path, platform {app.platformName()}")
    for repeat in range(args.repeats):
        alone = engine_alone(points, config)
        gui = gui_run(app, points, config, Path(f"/tmp/gds-bench-{os.getpid()}.ini"))
        print(f"run {repeat + 1}: engine alone {alone:,.0f} steps/s | in the app {gui['wall_steps_per_s']:,.0f} "
              f"steps/s Train-to-result ({gui['wall_steps_per_s'] / alone:.3f}x), child loop "
              f"{gui['child_steps_per_s']:,.0f} steps/s ({gui['child_steps_per_s'] / alone:.3f}x) | 1 ms timer "
              f"longest gap {gui['max_gap_ms']:.0f} ms, p99 {gui['p99_gap_ms']:.0f} ms | Train to first loss "
              f"point drawn {gui['first_point_ms']:.0f} ms | paints: data {gui['data_paints']} x "
              f"{gui['data_paint_ms']:.1f} ms, loss {gui['loss_paints']} x {gui['loss_paint_ms']:.1f} ms, landscape "
              f"{gui['landscape_paints']} x {gui['landscape_paint_ms']:.1f} ms | peak resident memory: window "
              f"{gui['gui_peak_mb']:.0f} MB, training process {gui['child_peak_mb']:.0f} MB | "
              f"worst gaps (ms, at ms) {gui['worst_at']}")
    if args.no_startup:
        return
    startup = startup_seconds(5)
    print(f"python main.py to window painted: median {statistics.median(startup):.2f} s "
          f"(min {min(startup):.2f}, max {max(startup):.2f}) over {len(startup)} warm starts")


if __name__ == "__main__":
    main()
