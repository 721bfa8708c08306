"""Advancing one run or several in lockstep, as fast as the machine goes or at a pace a person can follow.

The pace (optimizer steps per second; 0 = as fast as possible) is read before every step, so it can change
while a run plays. It only adds waits between steps: the numbers trained never depend on it. A race
advances its racers in lockstep, one step each per tick, so their dots move on the landscape together.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from engine.training.results import COMPLETED, DIVERGED, STOPPED, Control
from engine.training.run_loop import RunLoop

PROGRESS_INTERVAL_S = 1 / 30  # at full speed: the window redraws at display rate anyway
# At a pace: twice per display frame, so every frame has a new step to draw. At one per frame the batches
# and the window's frame timer (two 60 Hz clocks) beat: some frames got two batches, some none, and a
# frame with nothing new is a skipped frame (frame intervals p95 32 ms where 17 ms were possible).
PACED_INTERVAL_S = 1 / 120
_LONGEST_SLEEP_S = 0.05  # a paused, stopped or re-paced run reacts within this
_SHOW_BEFORE_WAIT_S = 0.004  # a wait longer than this first shows what was trained


class Pace(Protocol):
    @property
    def steps_per_second(self) -> float:
        """0 or less: as fast as possible."""


class FixedPace:
    def __init__(self, steps_per_second: float) -> None:
        self._rate = steps_per_second

    @property
    def steps_per_second(self) -> float:
        return self._rate


class _Throttle:
    """When the next tick may happen: ticks are spaced 1/pace apart from an anchor that moves whenever the
    pace changes or the run resumes, so the achieved rate equals the pace without drift."""

    def __init__(self, pace: Pace | None) -> None:
        self.pace = pace
        self.anchor_time = 0.0
        self.anchor_rate = 0.0
        self.ticks = 0
        self.last_tick = -1.0  # when the last tick happened (negative: none since a reset)

    @property
    def paced(self) -> bool:
        return self.pace is not None and self.pace.steps_per_second > 0

    def reset(self) -> None:
        self.anchor_rate = 0.0
        self.last_tick = -1.0

    def wait_s(self) -> float:
        rate = self.pace.steps_per_second if self.pace is not None else 0.0
        if not rate > 0:
            self.anchor_rate = 0.0
            return 0.0
        now = time.perf_counter()
        if rate != self.anchor_rate:  # a new pace: one of its intervals after the last step (or now)
            start = now if self.last_tick < 0 else min(now, self.last_tick + 1 / rate)
            self.anchor_time, self.anchor_rate, self.ticks = start, rate, 0
        return self.anchor_time + self.ticks / rate - now

    def tick(self) -> None:
        self.ticks += 1
        self.last_tick = time.perf_counter()


def advance(loops: Sequence[RunLoop], control: Control | None = None, pace: Pace | None = None) -> list[str]:
    """Advance every loop by its planned steps (RunLoop.plan), in lockstep; the stop reason of each.
    A loop that diverges ends there while the others go on; a stop ends them all."""
    throttle = _Throttle(pace)
    active = [loop for loop in loops if not loop.done]
    reasons = {id(loop): (DIVERGED if loop.diverged else COMPLETED) for loop in loops}
    started = time.perf_counter()
    for loop in loops:
        loop.last_flush = started
    next_flush = started  # the first step goes out at once: a live plot starts without delay
    while active:
        if control is not None:
            if control.paused:
                _flush(active)
                control.wait_while_paused()
                throttle.reset()
            if control.stop_requested:
                _flush(active)
                for loop in active:
                    reasons[id(loop)] = DIVERGED if loop.diverged else STOPPED
                break
        wait = throttle.wait_s()
        if wait > 0:
            if wait > _SHOW_BEFORE_WAIT_S and any(loop.pending for loop in active):
                _flush(active)
                next_flush = time.perf_counter() + PACED_INTERVAL_S
                active = _still_going(active, reasons)
            time.sleep(min(wait, _LONGEST_SLEEP_S))
            continue
        due = False
        for loop in active:
            if loop.step_once() or loop.remaining == 0:  # rows full, or the advance's last step
                due = True
        throttle.tick()
        if due or time.perf_counter() >= next_flush:
            _flush(active)
            next_flush = time.perf_counter() + (PACED_INTERVAL_S if throttle.paced else PROGRESS_INTERVAL_S)
            active = _still_going(active, reasons)
    _flush(active)
    ended = time.perf_counter()
    for loop in loops:
        loop.elapsed_s += ended - started
    return [reasons[id(loop)] for loop in loops]


def _still_going(active: list[RunLoop], reasons: dict[int, str]) -> list[RunLoop]:
    """The loops with steps left; each that ended gets its reason (a diverged racer ends alone)."""
    for loop in active:
        if loop.done:
            reasons[id(loop)] = DIVERGED if loop.diverged else COMPLETED
    return [loop for loop in active if not loop.done]


def _flush(loops: Sequence[RunLoop]) -> None:
    for loop in loops:
        loop.flush()
