"""One training process and the two threads that talk to it, started together and ended together.

Ending never hangs, whatever state the child is in: ask it to quit, wait a bounded time, terminate, wait,
kill (a SIGSTOPped process ignores SIGTERM until it is continued but dies on SIGKILL), wait. The process
object is then joined, so multiprocessing's atexit handler finds nothing to wait for; the reader thread
ends when the child's end of the pipe closes, or when the socket is shut down under it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QThread

from engine.process.messages import QuitRequest
from engine.process.training_server import FLAG_COUNT, FLAGS_TYPECODE, serve
from gui.session.pipe_io import PipeReader, PipeWriter, wake

log = logging.getLogger(__name__)
QUIT_WAIT_S = 5.0  # a run stops within a step; the child then tears torch down (about a second)
QUIT_SILENCE_S = 1.5  # three heartbeats missed while a quit is pending: it is not even running
TERMINATE_WAIT_S = 2.0
KILL_WAIT_S = 3.0
THREAD_WAIT_S = 2.0


class TrainingChild:
    """A spawned training process, its shared stop/pause flags, its pipe, a reader QThread and a writer."""

    def __init__(self, context: Any, generation: int, on_replies: Callable[[int, object], None],
                 on_closed: Callable[[int], None], heard: Callable[[], None]) -> None:
        """`on_replies` (generation, a list of replies) and `on_closed` must be slots of a QObject in the GUI
        thread (queued there)."""
        self.generation = generation
        parent_end, child_end = context.Pipe()
        self.flags = context.RawArray(FLAGS_TYPECODE, FLAG_COUNT)
        self.process = context.Process(target=serve, args=(child_end, self.flags), daemon=True,
                                       name="gds-training")
        self.process.start()
        child_end.close()
        self.connection = parent_end
        self.writer = PipeWriter(parent_end)
        thread = QThread()
        thread.setObjectName("training-pipe")
        reader = PipeReader(parent_end, generation, heard)
        reader.moveToThread(thread)
        thread.started.connect(reader.run)
        reader.replies.connect(on_replies)
        reader.closed.connect(on_closed)
        # Direct: QThread.quit is thread-safe, and a queued call would wait for a GUI thread that may be
        # blocked in end()'s wait().
        reader.closed.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        reader.closed.connect(reader.deleteLater)
        thread.finished.connect(thread.deleteLater)
        self.thread: QThread | None = thread
        self.reader: PipeReader | None = reader  # kept until the thread has finished
        thread.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def is_alive(self) -> bool:
        """The process, the reader or the writer still exists (tests use this to catch leaks)."""
        return self.thread is not None or self.process.is_alive() or self.writer.is_alive()

    def end(self, silence_s: Callable[[], float], *, ask_to_quit: bool = True,
            quit_wait_s: float = QUIT_WAIT_S) -> bool:
        """End the process and both threads with bounded waits; True when all three are gone.
        `silence_s` is the time since the child's last reply: a child that asked to quit goes on beating
        until it closes its end of the pipe, so a silent one is stopped or hung and is not waited for."""
        if ask_to_quit:
            self.writer.send(QuitRequest())
        self.writer.finish()
        process = self.process
        deadline = time.monotonic() + (quit_wait_s if ask_to_quit else 0.0)
        while process.is_alive() and time.monotonic() < deadline:
            process.join(0.05)
            if not self._pipe_closed() and silence_s() > QUIT_SILENCE_S:
                break
        if process.is_alive():
            if ask_to_quit:
                log.warning("the training process (pid %s) did not quit; terminating it", process.pid)
            process.terminate()
            if hasattr(signal, "SIGCONT"):  # a stopped process handles SIGTERM only once continued
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(process.pid, signal.SIGCONT)
            process.join(TERMINATE_WAIT_S)
        if process.is_alive():
            log.warning("the training process (pid %s) ignored SIGTERM; killing it", process.pid)
            process.kill()
            process.join(KILL_WAIT_S)
        if process.is_alive():
            log.error("the training process (pid %s) survived SIGKILL", process.pid)
        threads_ended = self.reap_threads()
        return threads_ended and not process.is_alive()

    def _pipe_closed(self) -> bool:
        return self.reader is None or self.reader.ended

    def reap_threads(self) -> bool:
        """Wait (bounded) for the reader and the writer; wake them by shutting the socket if they block.
        The connection is closed only once no thread uses it (a reused descriptor would be read)."""
        ended = self._wait_threads()
        if not ended:
            wake(self.connection)
            ended = self._wait_threads()
        if ended:
            self.connection.close()
            self.thread = None  # its deleteLater may run later; nothing here touches it again
            self.reader = None
        else:
            log.error("the training process's pipe threads did not end")
        return ended

    def _wait_threads(self) -> bool:
        reader_done = self.thread is None or self.thread.wait(int(THREAD_WAIT_S * 1000))
        return reader_done and self.writer.join(THREAD_WAIT_S)
