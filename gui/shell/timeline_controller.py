"""The timeline: which run is selected and which of its steps every view shows.

A new run selects itself; a row picked in the Runs table selects that run. While the selected run trains,
the timeline follows its newest step unless the user moved the slider away (End follows again). Moving
the slider, a replay tick or `show_position` shows one position everywhere: the line and the line before
the step on the data plot, the dot and the two arrows on the landscape, the cursor on the loss plot, the
step details. Each show is O(1) in the run's length: one record read from the trace, a few items moved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from engine.training.step_trace import StepRecord
from gui.session.replay_clock import ReplayClock
from gui.session.run_history import Run, RunHistoryModel
from gui.views.data_plot import DataPlotWidget
from gui.views.landscape_plot import LandscapeWidget
from gui.views.loss_plot import LossPlotWidget
from gui.views.runs_table import RunsPanel
from gui.views.step_details import RACE_TICKING_INTERVAL_S, TICKING_INTERVAL_S
from gui.views.timeline_bar import NO_RUN_TEXT, TimelineBar, position_text

DEFAULT_PACE = 250.0  # steps per second when the window has no pace control


class StepShower(Protocol):
    ticking_interval_s: float  # how often ticking moves are shown

    def show_step(self, run: Run | None, position: int, *, ticking: bool = False) -> None: ...


class TimelineController(QObject):
    positionShown = Signal(object, int)  # the run and the position every view shows now

    def __init__(self, bar: TimelineBar, data_plot: DataPlotWidget, landscape: LandscapeWidget,
                 loss_plot: LossPlotWidget, runs: RunHistoryModel, runs_panel: RunsPanel,
                 pace: Callable[[], float] = lambda: DEFAULT_PACE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar, self.data_plot, self.landscape, self.loss_plot = bar, data_plot, landscape, loss_plot
        self.runs, self.runs_panel, self.pace = runs, runs_panel, pace
        self.step_details: StepShower | None = None
        self.clock = ReplayClock(self)
        self._run: Run | None = None
        self._live: set[int] = set()
        self._position = 0
        self._following = True
        self._stride = 1
        self._shown_steps_run = -1
        self._step = 0  # the step number shown (positions move when the trace thins; steps do not)
        self._framed_start = False
        bar.positionMoved.connect(self._on_user_moved)
        bar.playToggled.connect(self._on_play_toggled)
        self.clock.positionChanged.connect(lambda position: self.show_position(position, ticking=True))
        self.clock.playingChanged.connect(bar.set_playing)
        runs_panel.runSelected.connect(self.select)
        runs.runsChanged.connect(self._on_runs_changed)
        self._update_controls()

    # --- what the window asks ------------------------------------------------------------------------
    def selected_run(self) -> Run | None:
        return self._run

    def position(self) -> int:
        return self._position

    def is_following(self) -> bool:
        return self._following

    def select(self, run: Run | None) -> None:
        """Show `run` on the timeline from its newest step (the runs table marks its row)."""
        self.clock.stop()
        self._run = run
        self._following = True
        self.runs_panel.select_run(run)
        self.loss_plot.set_selected(run)
        self.landscape.set_selected(run)
        self._framed_start = False
        self._frame_start_line()
        self._update_followed()
        if run is None:
            self.bar.set_length(1)
            self.bar.set_position(0)
            self.bar.set_text(NO_RUN_TEXT)
            self.landscape.show_step(None, 0)
            self.data_plot.set_before_line(None, None)
            self.loss_plot.set_cursor(None)
            self._update_controls()
            return
        self._stride = run.trace.stride
        self.bar.set_length(len(run.trace))
        self.show_position(len(run.trace) - 1)
        self._update_controls()

    def show_position(self, position: int, *, ticking: bool = False) -> None:
        """Show the selected run at timeline `position` (clamped to its trace) in every view. `ticking`: one
        of a frame's worth of moves (following a live run, a replay), whose label text may lag 0.25 s."""
        run = self._run
        if run is None:
            return
        trace = run.trace
        position = min(max(int(position), 0), len(trace) - 1)
        self._position = position
        self.bar.set_position(position)
        self._shown_steps_run = trace.steps_run
        params = trace.params_at(position)
        if params is None:  # no step kept (a run opened from a file): its final line, no step to show
            if run.result is not None:
                self.data_plot.show_model(run.result.coefficients, run.result.weight, run.result.bias, run.color)
            self.data_plot.set_before_line(None, None)
            self.landscape.show_step(None, 0)
            self.loss_plot.set_cursor(None)
            self.bar.set_text(f"#{run.number} · no steps kept for this run")
        else:
            record = trace.record(position)
            self._step = record.step if record is not None else 0
            if run.config.degree > 1:
                self._show_polynomial(run, position, record)
            else:
                self.data_plot.set_fit(params[0], params[1], run.color)
                before = record.before if record is not None else (None, None)
                self.data_plot.set_before_line(before[0], before[1], run.color)
            self.landscape.show_step(run, position)
            self.loss_plot.set_cursor(record.epoch if record is not None else 0)
            self.bar.set_text(f"#{run.number} · " + position_text(
                record.step if record is not None else 0, trace.steps_run, record.epoch if record else 0,
                trace.stride, run.number in self._live), ticking=ticking)
        if self.step_details is not None:
            self.step_details.show_step(run, position, ticking=ticking)
        self.positionShown.emit(run, position)

    def _show_polynomial(self, run: Run, position: int, record: StepRecord | None) -> None:
        """A polynomial at the step, over the one before it; a trace without every coefficient (a project
        saved before they were kept) shows the run's newest curve."""
        coefficients = run.trace.coefficients_at(position)
        if coefficients is None:
            self.data_plot.set_curve(run.coefficients() or None, run.color)
            return
        before = record.parameters.coefficients_before if record is not None and record.parameters else None
        self.data_plot.set_curve(coefficients, run.color, before)

    # --- runs coming and going -----------------------------------------------------------------------
    def run_started(self, run: Run) -> None:
        """A new run (or a continued one) selects itself and is followed."""
        self._live.add(run.number)
        self._pace_details()
        self.select(run)

    def run_finished(self, run: Run) -> None:
        self._live.discard(run.number)
        self._pace_details()
        self._update_followed()
        if run is self._run:
            self.on_frame()
            if self._following:
                self.show_position(len(run.trace) - 1)
            else:
                self.show_position(self._position)  # the label no longer says "training"
        self._update_controls()

    def _pace_details(self) -> None:
        """A race draws three runs in every frame: its step details follow every third frame, not every other."""
        if self.step_details is not None:
            self.step_details.ticking_interval_s = RACE_TICKING_INTERVAL_S if len(self._live) > 1 \
                else TICKING_INTERVAL_S

    def on_frame(self) -> None:
        """Called from the frame timer: the selected live run grew; follow it or keep the step shown."""
        run = self._run
        if run is None:
            return
        trace = run.trace
        if trace.stride != self._stride:  # thinned: positions now mean other steps; keep the step shown
            self._stride = trace.stride
            if not self._following:
                self.bar.set_length(len(trace))
                self.show_position(trace.position_of_step(self._step))
        self.bar.set_length(len(trace))
        last = len(trace) - 1
        if not self._framed_start:
            self._frame_start_line()
        if self._following and (last != self._position or trace.steps_run != self._shown_steps_run):
            self.show_position(last, ticking=True)
        elif trace.steps_run != self._shown_steps_run:
            self.show_position(self._position, ticking=True)  # "of K" grows
        self._update_controls()

    # --- the user ------------------------------------------------------------------------------------
    def _on_user_moved(self, position: int) -> None:
        self.clock.stop()
        self._following = position >= self.bar.last_position()
        self._update_followed()
        self.show_position(position)

    def _update_followed(self) -> None:
        """While the fitted line follows a live run's newest step, that run's own live line is not drawn
        under it a second time."""
        run = self._run
        live = run is not None and run.number in self._live and self._following
        self.data_plot.set_followed(run if live else None)

    def _frame_start_line(self) -> None:
        """Once per selected run, as soon as its start is known: the data plot's view takes in its
        starting line over the points (a start far from the points would draw off-screen)."""
        run = self._run
        start = None if run is None else (run.trace.params_at(0) if len(run.trace) else run.initial)
        if run is not None and start is None:
            return  # not known before the first batch: tried again each frame until it is
        self._framed_start = True
        self.data_plot.frame_start_line(*(start if start is not None else (None, None)))

    def _on_play_toggled(self, play: bool) -> None:
        run = self._run
        if not play:
            self.clock.stop()
            return
        if run is None or run.number in self._live or len(run.trace) < 2:
            self.bar.set_playing(False)
            return
        self._following = False
        self._update_followed()
        self.clock.play(run.trace.step_numbers(), self._position, self.pace())

    def set_pace(self, pace: float) -> None:
        self.clock.set_pace(pace)

    def _on_runs_changed(self) -> None:
        """The selected run was cleared from the history (or none was and runs came): the newest shows."""
        gone = self._run is not None and self._run not in self.runs.runs
        if gone or (self._run is None and self.runs.runs):
            self.select(self.runs.latest())

    def _update_controls(self) -> None:
        run = self._run
        self.bar.set_can_play(run is not None and run.number not in self._live and len(run.trace) > 1)
