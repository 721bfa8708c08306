"""Scrubbing the timeline of a 100,000-step run: the time from a slider move until the window has painted
it (the data plot's lines, the landscape's dot and arrows, the loss cursor, the step details, the label).

Half the moves are one step (arrow keys), half are jumps anywhere (dragging across). Each move is timed from
the slider's setValue until the event loop has handled every paint it caused; paint events on the three
plots are counted to show the moves were drawn. The issue asks p95 ≤ 16 ms (one frame).
Usage: QT_QPA_PLATFORM=offscreen python bench/timeline_scrub.py [--steps N] [--moves M]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.data.points import PointSet  # noqa: E402
from gui.shell.main_window import MainWindow  # noqa: E402
from tests.timeline_runs import PaintCounter, config_of, feed, result_of, step_records  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=400)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    settings = QSettings(str(Path("/tmp") / "timeline-scrub-bench.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(settings, detect_devices=False)
    window.resize(1280, 800)
    window.show()
    built = time.perf_counter()
    run = window.runs.start_run(config_of(args.steps, optimizer="momentum", learning_rate=0.01))
    run.points = PointSet.seed()
    feed(run, step_records(run.config, run.points, args.steps)[0])
    window.runs.finish_run(run, result_of(run))
    window.timeline.select(run)
    print(f"{args.steps:,}-step run built in {time.perf_counter() - built:.1f} s; trace {len(run.trace):,} "
          f"positions, {run.trace.nbytes / 1e6:.1f} MB")
    counter = PaintCounter()
    for view in (window.data_plot.viewport(), window.landscape.plot.viewport(), window.loss_plot.plot.viewport()):
        view.installEventFilter(counter)
    for _ in range(20):
        app.processEvents()
    slider = window.timeline_bar.slider
    rng = np.random.default_rng(0)
    times: list[float] = []
    position = args.steps // 2
    for move in range(args.moves):
        position = position + 1 if move % 2 else int(rng.integers(0, args.steps + 1))
        start = time.perf_counter()
        slider.setValue(position)  # as a drag or a key does: valueChanged → the timeline shows it
        app.processEvents()
        times.append((time.perf_counter() - start) * 1000)
    assert window.timeline.position() == position
    ms = np.array(times)
    print(f"{args.moves} moves at 1280×800: p50 {np.percentile(ms, 50):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms, "
          f"max {ms.max():.2f} ms; {counter.count} plot paints ({counter.count / args.moves:.1f} per move)")
    window.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    window.close()


if __name__ == "__main__":
    main()
