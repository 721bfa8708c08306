"""Both directions of the window's pipe to the training process, each on a thread of its own, so the GUI
thread never blocks on it: a child that is stopped (SIGSTOP), hung or slow to read a million points can
fill the pipe, and a send from the GUI thread would then freeze the window.

PipeReader is a QObject worker on a QThread (superqt's wiring): it blocks on the pipe without the
interpreter lock and turns each reply into a queued signal. Heartbeats only stamp the time of the last
reply (ProcessWatch reads it) and never wake the GUI thread. PipeWriter is a plain thread that sends what
the window queues, in order.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection

from PySide6.QtCore import QObject, Signal, Slot

from engine.process.messages import Heartbeat

log = logging.getLogger(__name__)
MAX_REPLIES_PER_CALL = 32  # a flood of replies still reaches the window in calls of bounded length


class PipeReader(QObject):
    """The worker: lives in a QThread, emits the replies (those that arrived together in one list) with the
    child's generation, so the runner can drop what a child it has already replaced still had in flight."""

    # generation, the replies that had arrived when it looked (in order): a race's racers flush together,
    # and one queued call for their three batches costs the GUI thread a third of three calls.
    replies = Signal(int, object)
    closed = Signal(int)  # generation: the child's end closed (it exited or died)

    def __init__(self, connection: Connection, generation: int, heard: Callable[[], None]) -> None:
        super().__init__()  # no parent, or moveToThread fails
        self.connection = connection
        self.generation = generation
        self.heard = heard  # called in this thread whenever replies arrive: ProcessWatch.heard only stores a time
        self.ended = False  # the child's end closed: it exited, died, or is exiting after a quit request

    @Slot()
    def run(self) -> None:
        closed = False
        while not closed:
            replies: list[object] = []
            try:
                replies.append(self.connection.recv())
                while len(replies) < MAX_REPLIES_PER_CALL and self.connection.poll(0):
                    replies.append(self.connection.recv())
            except (EOFError, OSError):
                closed = True  # after the replies read before it
            except Exception:
                self._hand_on(replies)  # what was read before a reply that could not be
                raise
            self._hand_on(replies)
        self.ended = True
        self.closed.emit(self.generation)

    def _hand_on(self, replies: list[object]) -> None:
        if replies:
            self.heard()
            replies = [reply for reply in replies if not isinstance(reply, Heartbeat)]
            if replies:
                self.replies.emit(self.generation, replies)


def hand_each(replies: object, handle: Callable[[object], None]) -> None:
    """Each of the replies that arrived together to `handle`, in order (in the GUI thread). One that fails does
    not take the others with it (a run's result may follow): the first failure is raised once all are handled."""
    failure: Exception | None = None
    for reply in replies if isinstance(replies, list) else [replies]:
        try:
            handle(reply)
        except Exception as error:  # noqa: BLE001 - raised again below
            failure = failure or error
    if failure is not None:
        raise failure


class PipeWriter:
    """Sends what the window queues, in order, from a thread of its own. A send that fails (the child is
    gone) ends the thread; the reader reports the child's end."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._queue: queue.SimpleQueue[Sequence[object] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="gds-pipe-writer", daemon=True)
        self._thread.start()

    def send(self, *parts: object) -> None:
        """Queue one message, or a message and the raw byte columns that must follow it without a gap."""
        self._queue.put(parts)

    def finish(self) -> None:
        """Send what is queued, then end (no wait)."""
        self._queue.put(None)

    def join(self, timeout_s: float) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while (parts := self._queue.get()) is not None:
            try:
                for part in parts:
                    if isinstance(part, bytes | memoryview):
                        self.connection.send_bytes(part)
                    else:
                        self.connection.send(part)
            except (OSError, ValueError) as error:
                log.warning("could not write to the training process: %s", error)
                return


def wake(connection: Connection) -> None:
    """Shut the socket down so a thread blocked in recv or send on it returns at once (closing the file
    descriptor alone does not wake it on Linux). The descriptor itself stays open for close()."""
    try:
        with socket.socket(fileno=connection.fileno()) as handle:
            try:
                handle.shutdown(socket.SHUT_RDWR)
            finally:
                handle.detach()  # the Connection owns the descriptor; leave it open
    except (OSError, ValueError) as error:
        log.debug("could not shut the pipe down: %s", error)
