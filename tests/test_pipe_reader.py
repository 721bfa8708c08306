"""The reader thread hands the window every reply of the training process, in order, the ones that arrived
together in one queued call (a race's three batches), and says the pipe closed only after the last reply."""

from __future__ import annotations

import multiprocessing

from PySide6.QtCore import QObject, QThread, Slot

from engine.process.messages import Heartbeat
from gui.session.pipe_io import MAX_REPLIES_PER_CALL, PipeReader


class Receiver(QObject):
    """Lives in the GUI thread: the reader's signals reach it queued, as they reach TrainingRunner."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[object]] = []
        self.closed_after: int | None = None

    @Slot(int, object)
    def on_replies(self, generation: int, replies: object) -> None:
        assert generation == 7 and isinstance(replies, list)
        self.calls.append(replies)

    @Slot(int)
    def on_closed(self, generation: int) -> None:
        self.closed_after = sum(len(call) for call in self.calls)


def test_replies_that_arrived_together_come_in_one_call_in_order_and_closing_comes_last(qtbot) -> None:
    ours, theirs = multiprocessing.Pipe()
    sent = [("batch", number) for number in range(MAX_REPLIES_PER_CALL + 8)]
    for number, message in enumerate(sent):
        theirs.send(message)
        if number == 3:
            theirs.send(Heartbeat())  # heard, never handed on
    theirs.close()  # everything was sent before the reader starts: it finds it all waiting
    heard: list[bool] = []
    receiver = Receiver()
    thread = QThread()
    reader = PipeReader(ours, 7, lambda: heard.append(True))
    reader.moveToThread(thread)
    thread.started.connect(reader.run)
    reader.replies.connect(receiver.on_replies)
    reader.closed.connect(receiver.on_closed)
    thread.start()
    try:
        qtbot.waitUntil(lambda: receiver.closed_after is not None, timeout=5_000)
    finally:
        thread.quit()
        thread.wait(2_000)
    assert [reply for call in receiver.calls for reply in call] == sent
    assert receiver.closed_after == len(sent), "closed only after every reply was handed on"
    assert [len(call) for call in receiver.calls] == [MAX_REPLIES_PER_CALL - 1, 9], "bounded calls (a heartbeat read)"
    assert heard and reader.ended
