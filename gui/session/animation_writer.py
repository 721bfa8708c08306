"""Encode an animation off the GUI thread: the window renders frames and hands them over through a small
bounded queue; a worker thread encodes them (engine/files/animation_file.py) into a temporary file that
replaces the target only when the last frame is in.

The queue holds a few frames (a 960×540 frame is 2 MB): the window renders ahead of the encoder by at
most that much, and `offer` never blocks the GUI thread; it says no when the queue is full, and the
renderer tries again on a later event-loop turn.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.errors import EngineError
from engine.files.animation_file import AnimationCancelled, AnimationSpec, write_animation

log = logging.getLogger(__name__)
QUEUE_FRAMES = 8  # 2 MB each at 960×540: enough that the renderer and the encoder rarely wait on each other
POLL_S = 0.05  # how often a waiting worker looks at the cancel flag
JOIN_TIMEOUT_S = 10.0


class AnimationWriter(QObject):
    """One export. Signals arrive in the GUI thread (the writer lives there; the worker emits across)."""

    encoded = Signal(int)  # frames written so far
    finished = Signal(str)  # the path written
    failed = Signal(str)  # what went wrong, naming the path
    cancelled = Signal()  # the temporary file is gone; the target is as it was

    def __init__(self, path: Path, spec: AnimationSpec, palette_frames: list[np.ndarray],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path, self.spec = path, spec
        self._palette_frames = palette_frames
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="animation-writer", daemon=True)
        self.offered = 0

    def start(self) -> None:
        self._thread.start()

    def has_room(self) -> bool:
        return not self._queue.full()

    def offer(self, frame: np.ndarray) -> bool:
        """Queue `frame` if there is room; False (nothing queued) when the encoder is behind."""
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            return False
        self.offered += 1
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelling(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout_s: float = JOIN_TIMEOUT_S) -> bool:
        """Join the worker (after cancel or the last frame); True when it has ended."""
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def is_running(self) -> bool:
        return self._thread.is_alive()

    # --- the worker thread --------------------------------------------------------------------------
    def _frames(self) -> Iterator[np.ndarray]:
        """The frames as the window hands them over; the encoder pulls them one at a time."""
        for _ in range(self.spec.frames):
            while True:
                if self._cancel.is_set():
                    raise AnimationCancelled
                try:
                    yield self._queue.get(timeout=POLL_S)
                    break
                except queue.Empty:
                    continue

    def _run(self) -> None:
        try:
            write_animation(self.path, self.spec, self._frames(), cancelled=self._cancel.is_set,
                            encoded=self.encoded.emit, palette_frames=self._palette_frames)
        except AnimationCancelled:
            self.cancelled.emit()
        except OSError as error:
            self.failed.emit(f"{self.path}: {error.strerror or error}")
        except EngineError as error:
            self.failed.emit(str(error))
        except Exception as error:  # an encoder's own error must reach the person, not vanish
            log.exception("animation export failed")
            self.failed.emit(f"{self.path}: {type(error).__name__}: {error}")
        else:
            self.finished.emit(str(self.path))
        finally:
            self._palette_frames = []
