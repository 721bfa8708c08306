"""The replay clock: plays a finished run's timeline back at a pace in optimizer steps per second.

A QTimer at display rate reads the wall clock and maps "start step + pace·elapsed" through the trace's
step numbers to a timeline position, so a replay keeps its pace however often frames arrive and however
the trace was thinned (a thinned trace simply skips positions it does not hold). Pace 0 means "as fast as
frames allow": the rest of the run in about MAX_PACE_RUN_S seconds.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

TICK_MS = 16
MAX_PACE_RUN_S = 2.0  # pace 0 ("Max") replays a whole run in this long


class ReplayClock(QObject):
    positionChanged = Signal(int)  # the timeline position to show now
    playingChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._elapsed = QElapsedTimer()
        self._steps = np.zeros(1, dtype=np.int64)
        self._start_step = 0.0
        self._pace = 0.0
        self._position = 0

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def play(self, step_numbers: np.ndarray, position: int, pace: float) -> None:
        """Replay from `position` (of a trace whose positions hold `step_numbers`) to its end; from the
        start when `position` is already the end."""
        steps = np.asarray(step_numbers, dtype=np.int64)
        if steps.size < 2:
            return
        self._steps = steps
        last = steps.size - 1
        self._position = 0 if position >= last else max(0, position)
        self._start_step = float(steps[self._position])
        self._pace = self._checked(pace)
        self._elapsed.start()
        self._timer.start()
        self.playingChanged.emit(True)
        self.positionChanged.emit(self._position)

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)

    def set_pace(self, pace: float) -> None:
        """A new pace takes over from the step shown now (the replay never jumps when the pace changes)."""
        pace = self._checked(pace)
        if self.is_playing():
            self._start_step = float(self._steps[self._position])
            self._elapsed.restart()
        self._pace = pace

    def steps_per_second(self) -> float:
        """The pace in effect: the chosen one, or for Max the one that plays the run in MAX_PACE_RUN_S."""
        if self._pace > 0:
            return self._pace
        return max(float(self._steps[-1] - self._steps[0]) / MAX_PACE_RUN_S, 1.0)

    def position_after(self, seconds: float) -> int:
        """The position `seconds` after the replay (re)started (the tick's arithmetic, for tests)."""
        target = self._start_step + self.steps_per_second() * seconds
        return min(int(np.searchsorted(self._steps, target, side="right")) - 1, self._steps.size - 1)

    def _tick(self) -> None:
        position = self.position_after(self._elapsed.elapsed() / 1000.0)
        if position != self._position:
            self._position = position
            self.positionChanged.emit(position)
        if position >= self._steps.size - 1:
            self.stop()

    @staticmethod
    def _checked(pace: float) -> float:
        """A pace is a finite number of steps per second, 0 or more; anything else is Max."""
        return float(pace) if isinstance(pace, int | float) and math.isfinite(pace) and pace > 0 else 0.0
