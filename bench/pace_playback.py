"""A run playing at a chosen pace in the real window at 1280×800: does the window receive the steps at that
pace, and does it paint every frame with the three plots and the step details updating?

For each pace (and a race of the three optimizers) it trains the seed points for a few seconds through the
window's own buttons and prints, from the first batch + 0.5 s to the run's end:
- achieved steps/s = steps the window received / the time they took to arrive, and its ratio to the pace
  (issue 12: within 2 %);
- the intervals between painted frames (a frame: what a watched view painted between two ticks of the window's
  frame timer; views: the data plot, the landscape, the loss plot, the step details), p50/p95/max
  (issue 12: p95 ≤ 20 ms, max ≤ 50 ms), and per view the share of those frames it painted in;
- from each batch's arrival to the first frame that painted the three plots (below 60 steps/s there is no
  new step every frame, so this is the figure that says each step was drawn within a frame; the step
  details follow a ticking timeline every other frame, so they paint in about half the frames at 60/s);
- the CPU share of the window's process and of its GUI thread, and per view the wall and CPU time of its
  paints and of the frame timer's redraws (CPU time: what a loaded machine does not inflate).
Usage: python bench/pace_playback.py [--paces 10,100,250,1000] [--seconds 5] [--no-race] [--keep-history]
       [--neighbour SHARE] [--profile PACE]
Runs offscreen on a 1600×1000 screen unless QT_QPA_PLATFORM is set (e.g. xcb with DISPLAY on an Xvfb).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "QT_QPA_PLATFORM" not in os.environ:  # the offscreen platform's own screen is 800×800: too small
    _SCREEN = Path(tempfile.gettempdir()) / f"gds-pace-screen-{os.getpid()}.json"
    _SCREEN.write_text(json.dumps({"screens": [{"name": "bench", "x": 0, "y": 0, "width": 1600, "height": 1000,
                                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from engine.data.points import PointSet  # noqa: E402
from engine.training.config import TrainingConfig  # noqa: E402
from engine.training.results import ProgressBatch  # noqa: E402
from gui.app import freeze_startup_objects  # noqa: E402
from gui.session.run_history import Run  # noqa: E402
from gui.shell.main_window import MainWindow  # noqa: E402

VIEWS = ("data", "landscape", "loss", "details")
PLOTS = ("data", "landscape", "loss")
SKIP_S = 0.5


class FrameRecorder(QObject):
    """Paint events of the watched viewports, grouped into frames by the window's frame timer: a frame is
    what was painted after one tick (the views' redraws) and before the next."""

    def __init__(self, frame_timer: QTimer, viewports: dict[str, QWidget]) -> None:
        super().__init__()
        self.names = {id(widget): name for name, widget in viewports.items()}
        self.frame = 0
        self.ticks: list[float] = []
        self.frames: dict[int, tuple[float, set[str]]] = {}  # frame number → (first paint's time, views)
        frame_timer.timeout.connect(self._tick)
        for widget in viewports.values():
            widget.installEventFilter(self)

    def _tick(self) -> None:
        self.frame += 1
        self.ticks.append(time.perf_counter())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            name = self.names.get(id(watched))
            if name is not None:
                self.frames.setdefault(self.frame, (time.perf_counter(), set()))[1].add(name)
        return False

    def clear(self) -> None:
        self.frames.clear()
        self.ticks.clear()


class GcPauses:
    """The garbage collector's pauses in the GUI thread (a full collection walks every object alive)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, ms)
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._started) * 1000))

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        if not self.pauses:
            return "no collections"
        times = [ms for _, ms in self.pauses]
        full = sum(generation == 2 for generation, _ in self.pauses)
        return f"{len(times)} collections ({full} full), {sum(times):.1f} ms in all, longest {max(times):.1f} ms"


@dataclass
class Timings:
    """Wall and GUI-thread CPU time per call of the wrapped methods (paint events, the frame timer's redraws).
    CPU time is what a loaded machine does not inflate: it says what the work costs on an idle one."""

    wall_ms: dict[str, list[float]] = field(default_factory=dict)
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, attribute)
        wall, cpu = self.wall_ms.setdefault(name, []), self.cpu_ms.setdefault(name, [])

        def timed(*args: Any, **kwargs: Any) -> Any:
            started, started_cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                cpu.append((time.thread_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)

        setattr(owner, attribute, timed)

    def clear(self) -> None:
        for times in (*self.wall_ms.values(), *self.cpu_ms.values()):
            times.clear()

    def summary(self, seconds: float) -> str:
        """Per item: wall mean/p95/max per call, CPU mean per call and CPU ms per second of the run."""
        rows = [f"{name} {np.mean(wall):.2f}/{np.percentile(wall, 95):.2f}/{max(wall):.1f} ms wall, "
                f"{np.mean(self.cpu_ms[name]):.2f} ms CPU ×{len(wall)} = {sum(self.cpu_ms[name]) / seconds:.0f} ms/s"
                for name, wall in self.wall_ms.items() if wall]
        return "\n    ".join(rows)


def build_window(app: QApplication, settings_path: Path) -> MainWindow:
    os.environ["GDS_RECOVERY_DIR"] = str(settings_path.parent / "recovery")  # never the user's crash copies
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(settings, detect_devices=True)
    window.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    window.resize(1280, 800)
    window.show()
    ready: list[bool] = []
    window.runner.devicesReady.connect(lambda _devices: ready.append(True))
    deadline = time.perf_counter() + 60
    while not ready and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)
    window.model.reset_points(PointSet.seed())
    freeze_startup_objects()  # as run_app does: a collection otherwise walks every startup object
    return window


def play(app: QApplication, window: MainWindow, recorder: FrameRecorder, timings: Timings, pace: float,
         seconds: float, race: bool, profile: bool, keep_history: bool) -> dict[str, Any]:
    """One run (or race) at `pace` through the window's buttons; the figures of its steady part. The runs
    before it are cleared unless `keep_history` (each drawn run costs every frame)."""
    if not keep_history:
        window.runs.clear()
    window.panel.set_pace(pace)
    window.panel.set_config(TrainingConfig(epochs=max(1, round(pace * seconds)), learning_rate=0.01, device="cpu",
                                           optimizer="sgd"))
    settle = time.perf_counter() + 0.3
    while time.perf_counter() < settle:
        app.processEvents()
        time.sleep(0.005)
    arrivals: list[tuple[float, int, int]] = []  # (time, run number, the run's steps so far)
    child_rates: list[float] = []  # the training process's own steps/s, as each batch says

    def on_progress(run: Run, batch: ProgressBatch) -> None:
        arrivals.append((time.perf_counter(), run.number, batch.steps_run))
        child_rates.append(batch.steps_per_second)

    window.session.progress.connect(on_progress)
    loop = QEventLoop()

    def on_busy(busy: bool) -> None:
        if not busy:
            loop.quit()

    window.session.busyChanged.connect(on_busy)
    recorder.clear()
    timings.clear()
    gc_pauses = GcPauses()
    profiler = cProfile.Profile() if profile else None
    load_before = os.getloadavg()[0]
    cpu0, thread0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    (window.panel.race_button if race else window.panel.train_button).click()
    if profiler is not None:
        profiler.enable()
    QTimer.singleShot(round((seconds * 3 + 30) * 1000), loop.quit)  # a run that never ends must not hang us
    loop.exec()
    if profiler is not None:
        profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    thread_cpu = time.thread_time() - thread0
    gc_pauses.stop()
    window.session.progress.disconnect(on_progress)
    window.session.busyChanged.disconnect(on_busy)
    figures = steady_figures(arrivals, recorder.frames)
    ticks = np.array(recorder.ticks)
    if "span_s" in figures:
        start, end = arrivals[0][0] + SKIP_S, arrivals[-1][0]
        figures["ticks_per_s"] = ((ticks >= start) & (ticks <= end)).sum() / max(end - start, 1e-9)
    figures.update(child_rate=child_rates[-1] if child_rates else float("nan"), pace=pace, race=race,
                   gui_cpu=cpu / wall, thread_cpu=thread_cpu / wall, load=(load_before, os.getloadavg()[0]),
                   timings=timings.summary(wall), profile=profiler, gc=gc_pauses.summary())
    return figures


def steady_figures(arrivals: list[tuple[float, int, int]], frames: dict[int, tuple[float, set[str]]]
                   ) -> dict[str, Any]:
    """Achieved pace per run and frame figures, from the first batch + SKIP_S to the last batch."""
    if not arrivals:
        return {"rates": {}, "error": "no progress batch arrived"}
    start = arrivals[0][0] + SKIP_S
    end = arrivals[-1][0]
    rates: dict[int, float] = {}
    for number in sorted({a[1] for a in arrivals}):
        steady = [(t, steps) for t, run, steps in arrivals if run == number and t >= start]
        if len(steady) >= 2 and steady[-1][0] > steady[0][0]:
            rates[number] = (steady[-1][1] - steady[0][1]) / (steady[-1][0] - steady[0][0])
    painted = sorted(value for value in frames.values() if start <= value[0] <= end)
    times = np.array([t for t, _ in painted])
    gaps = np.diff(times) * 1000 if times.size > 1 else np.array([np.nan])
    share = {name: sum(name in views for _, views in painted) / max(len(painted), 1) for name in VIEWS}
    full = np.array([t for t, views in painted if views >= set(PLOTS)])
    latency = []
    for t, _, _ in arrivals:
        if start <= t <= end and full.size:
            index = int(np.searchsorted(full, t))
            if index < full.size:
                latency.append((full[index] - t) * 1000)
    lat = np.array(latency or [np.nan])
    return {"rates": rates, "frames": len(painted), "span_s": end - start, "gap_p50": np.percentile(gaps, 50),
            "gap_p95": np.percentile(gaps, 95), "gap_max": gaps.max(), "share": share, "batches": len(arrivals),
            "lat_p50": np.percentile(lat, 50), "lat_p95": np.percentile(lat, 95), "lat_max": lat.max(),
            "worst_gaps": sorted(gaps.tolist())[-3:]}


def report(figures: dict[str, Any]) -> str:
    pace, label = figures["pace"], "race of 3" if figures["race"] else "one run"
    if "error" in figures:
        return f"pace {pace:g} ({label}): {figures['error']}"
    rates = "; ".join(f"#{number} {rate:,.1f} ({rate / pace:.4f}x)" for number, rate in figures["rates"].items())
    share = " ".join(f"{name} {value:.0%}" for name, value in figures["share"].items())
    verdict = ("OK" if all(abs(r / pace - 1) <= 0.02 for r in figures["rates"].values()) else "MISSED") + " pace, " \
        + ("OK" if figures["gap_p95"] <= 20 and figures["gap_max"] <= 50 else "MISSED") + " frames"
    return (f"pace {pace:g} steps/s ({label}): achieved {rates} over {figures['span_s']:.1f} s, "
            f"{figures['batches']} batches (the last batch's own steps/s: {figures['child_rate']:,.0f})\n"
            f"  painted frames {figures['frames']} ({figures['frames'] / max(figures['span_s'], 1e-9):.1f}/s; "
            f"frame timer ticks {figures['ticks_per_s']:.1f}/s): interval p50 {figures['gap_p50']:.1f} ms, "
            f"p95 {figures['gap_p95']:.1f} ms, max {figures['gap_max']:.1f} ms "
            f"(worst {', '.join(f'{g:.0f}' for g in figures['worst_gaps'])}); painted in: {share}\n"
            f"  batch arrival → frame with the three plots painted: p50 {figures['lat_p50']:.1f} ms, "
            f"p95 {figures['lat_p95']:.1f} ms, max {figures['lat_max']:.1f} ms | CPU: window process "
            f"{figures['gui_cpu']:.0%}, its GUI thread {figures['thread_cpu']:.0%} "
            f"({figures['thread_cpu'] * 1000 / max(figures['ticks_per_s'], 1e-9):.1f} ms a frame tick) | "
            f"load {figures['load'][0]:.2f}→{figures['load'][1]:.2f} | {verdict}\n"
            f"  garbage collector: {figures['gc']}\n"
            f"  per call (mean/p95/max):\n    {figures['timings']}")


def print_profile(profiler: cProfile.Profile) -> None:
    for key in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(key).print_stats(25)
        print(f"--- GUI thread profile by {key} ---")
        print("\n".join(line for line in text.getvalue().splitlines() if line.strip())[:6000])


_NEIGHBOUR = """
import sys, time
busy = float(sys.argv[1]) * 0.01
while True:
    started = time.perf_counter()
    while time.perf_counter() - started < busy:
        pass
    time.sleep(0.01 - busy)
"""


def start_neighbour(share: float) -> subprocess.Popen[bytes]:
    """Another program on the machine, busy `share` of every 10 ms: a noisy minute made repeatable."""
    share = min(max(share, 0.0), 0.99)
    return subprocess.Popen([sys.executable, "-c", _NEIGHBOUR, str(share)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paces", default="10,100,250,1000")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each run plays")
    parser.add_argument("--no-race", action="store_true", help="skip the race of the three optimizers at 250")
    parser.add_argument("--keep-history", action="store_true", help="keep the earlier runs drawn (default: clear)")
    parser.add_argument("--neighbour", type=float, default=0.0, metavar="SHARE",
                        help="run a busy neighbour beside it: a process busy this share of every 10 ms (0–1)")
    parser.add_argument("--profile", type=float, default=None,
                        help="cProfile the GUI thread at this pace (the race plays at 250)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    settings_path = Path(tempfile.gettempdir()) / f"gds-pace-bench-{os.getpid()}.ini"
    window = build_window(app, settings_path)
    viewports = {"data": window.data_plot.viewport(), "landscape": window.landscape.plot.viewport(),
                 "loss": window.loss_plot.plot.viewport(), "details": window.step_details.viewport()}
    recorder = FrameRecorder(window.frame_timer, viewports)
    timings = Timings()
    for name, widget in (("paint data", window.data_plot), ("paint landscape", window.landscape.plot),
                         ("paint loss", window.loss_plot.plot), ("paint details", window.step_details)):
        timings.wrap(widget, "paintEvent", name)
    timings.wrap(window.loss_plot, "redraw", "redraw loss")
    timings.wrap(window.landscape, "redraw", "redraw landscape")
    timings.wrap(window.data_plot, "redraw_live", "redraw data")
    timings.wrap(window.timeline, "on_frame", "timeline on_frame")
    timings.wrap(window.step_details, "show_step", "details show_step")
    timings.wrap(window.landscape, "show_step", "landscape show_step")
    timings.wrap(window.panel, "show_progress", "panel show_progress")
    screen = window.screen().geometry()
    print(f"platform {app.platformName()}, screen {screen.width()}×{screen.height()}, window "
          f"{window.width()}×{window.height()}, frame timer {window.frame_timer.interval()} ms; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    neighbour = start_neighbour(args.neighbour) if args.neighbour > 0 else None
    if neighbour is not None:
        print(f"a busy neighbour: pid {neighbour.pid}, busy {args.neighbour:.0%} of every 10 ms")
    jobs = [(float(p), False) for p in args.paces.split(",") if p.strip()]
    if not args.no_race:
        jobs.append((250.0, True))
    try:
        for pace, race in jobs:
            profile = args.profile is not None and pace == args.profile
            figures = play(app, window, recorder, timings, pace, args.seconds, race, profile, args.keep_history)
            print(report(figures), flush=True)
            if figures["profile"] is not None:
                print_profile(figures["profile"])
    finally:  # never leave the busy loop running (a failed or interrupted bench too)
        if neighbour is not None:
            neighbour.kill()
            neighbour.wait()
    window.close()
    settings_path.unlink(missing_ok=True)
    if "_SCREEN" in globals():
        _SCREEN.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
