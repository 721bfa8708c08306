"""Animation export: 300 frames at 960×540 of a 1,000-step run, as a GIF and as an MP4, through the
window's own path (frames rendered on the GUI thread per event-loop turn, encoded in the worker thread).

Prints the wall time of each export, the time spent rendering alone (the same frames, no encoding), how
late a 5 ms timer fired while exporting (the window never blocks for longer) and the file sizes. The issue asks the
GIF to take less than the run's own duration at the chosen pace (1,000 steps at the default pace).
Usage: QT_QPA_PLATFORM=offscreen python bench/animation_export.py [--frames N] [--width W] [--height H]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402
from test_animation_export import sgd_run  # noqa: E402

from engine.files.animation_file import AnimationSpec  # noqa: E402
from gui.session.run_history import RunHistoryModel  # noqa: E402
from gui.shell.animation_export import AnimationExport  # noqa: E402
from gui.shell.notices import Notices  # noqa: E402
from gui.views.animation_frames import FrameRenderer, RunFilm  # noqa: E402


def _tick(ticks: list[float]) -> None:
    ticks.append(time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--width", type=int, default=960)
    parser.add_argument("--height", type=int, default=540)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    window = QMainWindow()
    run = sgd_run(steps=1000)
    film = RunFilm.of(run)
    assert film is not None
    renderer = FrameRenderer(film, args.width, args.height)
    started = time.perf_counter()
    for position in film.frame_positions(args.frames):
        renderer.render(int(position))
    render_s = time.perf_counter() - started
    renderer.close()
    print(f"render only: {args.frames} frames at {args.width}×{args.height} in {render_s:.2f} s "
          f"({1000 * render_s / args.frames:.1f} ms a frame)")
    with tempfile.TemporaryDirectory() as folder:
        exporter = AnimationExport(window, RunHistoryModel(window), QAction(window), Notices(window),
                                   lambda name: str(Path(folder) / name))
        for kind in ("gif", "mp4"):
            path = Path(folder) / f"run.{kind}"
            ticks: list[float] = []
            ticker = QTimer()  # a 5 ms timer stands for the window's own painting: how late does it fire?
            ticker.setInterval(5)
            ticker.timeout.connect(partial(_tick, ticks))
            loop = QEventLoop()
            exporter.finished.connect(loop.quit)
            exporter.failed.connect(loop.quit)
            started = time.perf_counter()
            ticker.start()
            exporter.start(run, path, AnimationSpec(kind, args.frames, args.width, args.height, 10.0))  # type: ignore[arg-type]
            loop.exec()
            ticker.stop()
            elapsed = time.perf_counter() - started
            exporter.finished.disconnect(loop.quit)
            exporter.failed.disconnect(loop.quit)
            size = path.stat().st_size if path.exists() else 0
            gaps = sorted(np.diff([started, *ticks]) * 1000)
            print(f"{kind}: {args.frames} frames at {args.width}×{args.height} in {elapsed:.2f} s, "
                  f"{size / 1e6:.2f} MB; "
                  f"a 5 ms timer meanwhile fired {len(ticks)} times, p95 gap {gaps[int(0.95 * len(gaps))]:.0f} ms, "
                  f"longest {gaps[-1]:.0f} ms")
    app.processEvents()


if __name__ == "__main__":
    main()
