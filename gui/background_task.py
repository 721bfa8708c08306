"""Run a short blocking job (an export, importing torch) on Qt's thread pool and hear back on the
GUI thread. For training, see training_worker.py: it needs progress, pause and stop."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)  # the exception


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.relay = relay

    def run(self) -> None:
        try:
            value = self.work()
        except Exception as error:
            log.debug("background job failed", exc_info=True)
            self.relay.failed.emit(error)
        else:
            self.relay.succeeded.emit(value)


_live_relays: set[_Relay] = set()  # a relay must outlive its job; released when it has reported


def run_in_background(work: Callable[[], Any], on_success: Callable[[Any], None],
                      on_error: Callable[[Exception], None]) -> None:
    relay = _Relay()
    _live_relays.add(relay)

    def finish(callback: Callable[[Any], None], value: Any) -> None:
        _live_relays.discard(relay)
        callback(value)

    relay.succeeded.connect(lambda value: finish(on_success, value))
    relay.failed.connect(lambda error: finish(on_error, error))
    QThreadPool.globalInstance().start(_Job(work, relay))


def wait_for_background_jobs(timeout_ms: int = 30_000) -> bool:
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
