"""Is the training process answering? A QTimer in the GUI thread compares the time of the child's last
reply (heartbeats included, stamped by the reader thread) with a limit; a stop that the child never
confirmed counts as not answering too, since its heartbeat thread may run while its loop hangs.

Both ends are plain time stamps, so the watch costs one comparison four times a second and the reader
never waits for the GUI thread.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from engine.process.messages import HEARTBEAT_INTERVAL_S

SILENCE_LIMIT_S = 3.0  # six heartbeats missed: stopped or hung, not busy
STARTUP_LIMIT_S = 20.0  # before the first reply: a fresh interpreter on a busy machine takes seconds
CHECK_INTERVAL_MS = 250


class ProcessWatch(QObject):
    unresponsive = Signal()  # the child stopped answering
    responsive = Signal()  # it answers again (or it was replaced)

    def __init__(self, parent: QObject | None = None, *, silence_limit_s: float = SILENCE_LIMIT_S,
                 startup_limit_s: float = STARTUP_LIMIT_S) -> None:
        super().__init__(parent)
        assert silence_limit_s > 2 * HEARTBEAT_INTERVAL_S, "a limit below two heartbeats raises false alarms"
        self.silence_limit_s = silence_limit_s
        self.startup_limit_s = startup_limit_s
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._started_at = 0.0
        self._heard_at: float | None = None
        self._stuck = False
        self._silent = False

    def watch(self) -> None:
        """A new child was started: time its silence from now."""
        self._started_at = time.monotonic()
        self._heard_at = None
        self._stuck = False
        self._timer.start()

    def forget(self) -> None:
        """The child is gone (ended, died or being replaced): nothing to watch; a shown alarm ends."""
        self._timer.stop()
        self._stuck = False
        self._set_silent(False)

    def heard(self) -> None:
        """Called by the reader thread for every reply: a float store, safe from any thread."""
        self._heard_at = time.monotonic()

    def set_stuck(self, stuck: bool) -> None:
        """A stop went unconfirmed (True) or its late answer came (False)."""
        self._stuck = stuck
        self.check()

    def is_unresponsive(self) -> bool:
        return self._silent

    def silence_s(self) -> float:
        """Seconds since the last reply (or since the start, before the first)."""
        heard_at = self._heard_at
        return time.monotonic() - (heard_at if heard_at is not None else self._started_at)

    def check(self) -> None:
        if not self._timer.isActive():
            return
        limit = self.silence_limit_s if self._heard_at is not None else self.startup_limit_s
        self._set_silent(self._stuck or self.silence_s() > limit)

    def _set_silent(self, silent: bool) -> None:
        if silent == self._silent:
            return
        self._silent = silent
        (self.unresponsive if silent else self.responsive).emit()
