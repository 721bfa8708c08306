"""Write files so that a crash or a full disk never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

TEMP_MARKER = ".gds-tmp"  # in every temporary name, so that leftovers are recognisably ours
STALE_TEMP_AGE_S = 3600.0  # no write takes this long: an older temporary file is a crashed writer's
# ".<target name>.<mkstemp's 8 characters>.gds-tmp<target suffix>"; ".tmp" was the marker before it had one.
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}(?:\.gds-tmp|\.tmp)(?P<suffix>(?:\.[^.]*)?)")


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; a saved file should get the usual permissions.
_FILE_MODE = 0o666 & ~_current_umask()


def is_temp_file_name(name: str) -> bool:
    """Whether `name` is one of our temporary files (beside the file it was to replace)."""
    match = _TEMP_NAME.fullmatch(name)
    return match is not None and Path(match["target"]).suffix == match["suffix"]


def remove_stale_temp_files(folder: str | os.PathLike[str], *, older_than_s: float = STALE_TEMP_AGE_S) -> list[Path]:
    """Remove our temporary files in `folder` that no write can still be using. A process killed mid-write
    (SIGKILL, power loss) runs no `finally`, so its temporary file stays until someone cleans up: every
    atomic write does, in its own folder. Never raises: a file that cannot be removed stays."""
    removed: list[Path] = []
    deadline = time.time() - older_than_s
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(".") or not is_temp_file_name(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < deadline:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed.
    The temporary name ends with the target's suffix, for writers that pick a format by extension."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f"{TEMP_MARKER}{target.suffix}",
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
