"""An exclusive lock on a file, held for as long as its process lives. The operating system releases it
when the process ends in any way (a crash, SIGKILL, power loss), so "can I take this lock?" answers "is
its owner gone?" — which a pid cannot answer after a reboot hands the same pid to another program."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO


class OwnerLock:
    def __init__(self, path: Path, handle: IO[bytes]) -> None:
        self.path = path
        self._handle: IO[bytes] | None = handle

    @classmethod
    def try_acquire(cls, path: Path) -> OwnerLock | None:
        """The lock, or None when another owner (in this process or another) holds it. Creates the file."""
        handle = open(path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            _lock(handle)
        except OSError:
            handle.close()
            return None
        return cls(path, handle)

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self, *, remove: bool) -> None:
        """Let the lock go; with `remove`, delete its file too (the owner's work is done)."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        if remove and sys.platform != "win32":  # unlink while still held: nobody can take it in between
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        with contextlib.suppress(OSError):
            _unlock(handle)
        handle.close()
        if remove and sys.platform == "win32":  # Windows cannot delete a file that is open
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def _lock(handle: IO[bytes]) -> None:
    """Raise OSError when the lock is held elsewhere. flock and LockFileEx locks belong to one open file,
    so a second window in the same process is told "taken" too."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
