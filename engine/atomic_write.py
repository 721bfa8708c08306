"""Write files so that a crash or a full disk never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; a saved file should get the usual permissions.
_FILE_MODE = 0o666 & ~_current_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed.
    The temporary name ends with the target's suffix, for writers that pick a format by extension."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}",
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> None:
    """Call `write` with a binary file object, then move the result over `path` in one step."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))
