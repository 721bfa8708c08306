"""Recovery copies: nothing unsaved is lost when the app dies (a crash, SIGKILL, power loss).

While the document has unsaved changes, a copy of the project it would save, and a small note saying which
file it came from, is kept in the user's data folder, written a moment after the last edit (one write per
pause, never one per drag step). Saving, or letting the changes go, removes it. The next start puts back a
copy whose window is gone. Each window owns its copy through an OS lock (owner_lock.py), so several
windows and instances never take or overwrite each other's. No widgets: the shell says what `restore`
reports."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from engine.atomic_write import remove_stale_temp_files, write_text_atomic
from engine.errors import DataError, EngineError
from engine.files.project_file import PROJECT_SUFFIX, Project, load_project, save_project
from engine.training.config import TrainingConfig
from gui.session.document import Document
from gui.session.owner_lock import OwnerLock

log = logging.getLogger(__name__)

RECOVERY_DIR_ENV = "GDS_RECOVERY_DIR"  # tests and second profiles point it elsewhere; read in default_folder only
DEBOUNCE_MS = 2_000  # a copy this long after the last edit (the issue allows 5 s at most)
MAX_DELAY_MS = 30_000  # and at least this often while edits keep coming without a pause
NOTE_FORMAT = "gradient-descent-studio/recovery"
NOTE_VERSION = 1
MAX_NOTE_BYTES = 64 * 1024
MAX_PATH_CHARS = 4096
DAMAGED_FOLDER = "damaged"  # bad copies go here, out of the way of the next start, for a person to look at
_KEY = re.compile(r"recovery-\d{1,10}-[0-9a-f]{8}")  # pid (for people reading the folder) and a random part


def default_folder() -> Path:
    """$GDS_RECOVERY_DIR when set, else `recovery` in the user's data folder (beside the log)."""
    override = os.environ.get(RECOVERY_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) / "recovery" if location else Path.home() / ".gradient-descent-studio" / "recovery"


@dataclass(frozen=True)
class RecoveryReport:
    """What `restore` did, for the shell to say."""

    restored: bool
    original_path: Path | None = None  # the file the recovered work belongs to; None for an untitled project
    saved_at: float | None = None  # when the copy was written (seconds since the epoch)
    problems: tuple[str, ...] = ()  # copies that could not be restored, each with what was wrong and where


class RecoveryKeeper(QObject):
    written = Signal()  # a copy is on disk (tests wait for it)
    settled = Signal()  # nothing is unsaved any more (saved, undone, or replaced by New/Open): no copy
    writeFailed = Signal(str)  # the first failure of a run of failures, to show the user once

    def __init__(self, document: Document, current_config: Callable[[], TrainingConfig],
                 folder: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.current_config = current_config  # the panel's settings: what Save would store
        self.folder = folder if folder is not None else default_folder()
        self.key = _new_key()
        self._lock: OwnerLock | None = None
        self._last_config = TrainingConfig()
        self._active = True
        self._failing = False
        self._pending_since = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.write_now)
        document.points.pointsChanged.connect(self._on_edit)
        document.changed.connect(self._on_state_changed)
        document.points.destroyed.connect(self._on_document_gone)

    @property
    def copy_path(self) -> Path:
        return _file(self.folder, self.key, PROJECT_SUFFIX)

    def has_copy(self) -> bool:
        return _file(self.folder, self.key, ".json").exists()

    # --- keeping the copy ---------------------------------------------------------------------------------
    def _on_edit(self) -> None:
        if self._active and self.document.is_modified():
            self._schedule()

    def _on_state_changed(self) -> None:
        if not self._active:
            return
        if not self.document.is_modified():
            self.discard()  # saved, or replaced by New/Open: the file on disk holds everything
            self.settled.emit()
        else:
            self._schedule()

    def _on_document_gone(self) -> None:
        """The window is being torn down (its undo stack, emptied on the way, would report a change): a
        copy still on disk is unsaved work the window never let go of, so it stays."""
        self.detach()

    def _schedule(self) -> None:
        """Restart the debounce; once a copy has waited MAX_DELAY_MS, let it happen whatever comes next."""
        now = time.monotonic()
        if not self._timer.isActive():
            self._pending_since = now
        elif (now - self._pending_since) * 1000 + DEBOUNCE_MS > MAX_DELAY_MS:
            return
        self._timer.start(DEBOUNCE_MS)

    def write_now(self) -> bool:
        """Write the copy now (the timer calls this). False when nothing is unsaved or the write failed."""
        self._timer.stop()
        if not self._active or not self.document.is_modified():
            return False
        document = self.document
        project = document.project(self._config(), traces=False)
        note = {"format": NOTE_FORMAT, "version": NOTE_VERSION, "pid": os.getpid(), "saved_at": time.time(),
                "original_path": str(document.path.absolute()) if document.path else None}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._lock is None:
                self._lock = self._own_lock()
            save_project(project, self.copy_path)
            write_text_atomic(_file(self.folder, self.key, ".json"), json.dumps(note, indent=1) + "\n")
        except OSError as error:
            message = f"Cannot keep a recovery copy in {self.folder}: {error.strerror or error}."
            log.warning(message)
            if not self._failing:
                self.writeFailed.emit(message)
            self._failing = True
            return False
        self._failing = False
        self.written.emit()
        return True

    def discard(self) -> None:
        """Remove this window's copy: its work was saved, or the user chose to let it go."""
        self._timer.stop()
        if self._lock is None or not self._active:
            return
        _remove_copy(self.folder, self.key)
        self._lock.release(remove=True)
        self._lock = None

    def detach(self) -> None:
        """Stop keeping a copy and leave the one on disk for the next start: for tools (the startup probe)
        that quit the app without asking the user, and must not throw recovered work away."""
        self._active = False
        self._timer.stop()
        if self._lock is not None:
            self._lock.release(remove=False)
            self._lock = None

    def _config(self) -> TrainingConfig:
        with contextlib.suppress(EngineError):  # a half-typed value: keep the last settings that were valid
            self._last_config = self.current_config()
        return self._last_config

    def _own_lock(self) -> OwnerLock:
        for _attempt in range(3):  # a taken key means a random clash: pick another
            lock = OwnerLock.try_acquire(_file(self.folder, self.key, ".lock"))
            if lock is not None:
                return lock
            self.key = _new_key()
        raise OSError(f"cannot lock a recovery copy in {self.folder}")

    # --- after a crash --------------------------------------------------------------------------------------
    def restore(self) -> RecoveryReport | None:
        """Put back the newest copy whose window is gone (call once, at start), marked modified, with the
        path it had. None when there was nothing to restore. A bad copy is moved aside and reported; no
        copy, good or bad, can stop the app from starting."""
        problems: list[str] = []
        try:
            self._clean_folder()
            candidates = self._candidates()
        except OSError as error:
            log.warning("cannot look for recovery copies in %s: %s", self.folder, error)
            return None
        for key in candidates:
            lock = OwnerLock.try_acquire(_file(self.folder, key, ".lock"))
            if lock is None:
                continue  # its window is still open, in this process or another
            loading = False
            try:
                original, saved_at, project = self._read(key)
                loading = True
                self.document.load(project, original)
            except Exception as error:  # noqa: BLE001 - a bad copy is reported, never fatal at start-up
                if loading:  # whatever half of it got in goes: start from a new document
                    self.document.new(self._config())
                problems.append(self._move_aside(key, error))
                lock.release(remove=True)
                continue
            self.document.points.undo_stack.resetClean()  # unsaved work: the title, Save and Close say so
            moved = self.write_now()  # now this window's own copy holds it
            if moved:
                _remove_copy(self.folder, key)
            lock.release(remove=moved)
            log.info("restored recovery copy %s (%s)", key, original or "untitled")
            return RecoveryReport(True, original, saved_at, tuple(problems))
        return RecoveryReport(False, problems=tuple(problems)) if problems else None

    def _candidates(self) -> list[str]:
        """Keys of the copies in the folder, newest first, this window's own left out."""
        notes = [path for path in self.folder.glob("recovery-*.json") if _KEY.fullmatch(path.stem)]
        notes = [path for path in notes if path.stem != self.key]
        return [path.stem for path in sorted(notes, key=_mtime, reverse=True)]

    def _clean_folder(self) -> None:
        """Remove what crashed processes leave besides copies: temporary files, and the files of a copy
        whose note was never written or already removed (its owner gone)."""
        if not self.folder.is_dir():
            return
        remove_stale_temp_files(self.folder)
        keys = {name.split(".", 1)[0] for name in os.listdir(self.folder)}
        for key in sorted(keys):
            if key == self.key or not _KEY.fullmatch(key) or _file(self.folder, key, ".json").exists():
                continue
            lock = OwnerLock.try_acquire(_file(self.folder, key, ".lock"))
            if lock is not None:
                _remove_copy(self.folder, key)
                lock.release(remove=True)

    def _read(self, key: str) -> tuple[Path | None, float, Project]:
        """The copy's original path, time and project, every field checked. Raises DataError naming the
        file, the line or the field."""
        note = _file(self.folder, key, ".json")
        where = str(note)
        if note.stat().st_size > MAX_NOTE_BYTES:
            raise DataError(f"{where}: larger than a recovery note can be ({MAX_NOTE_BYTES} bytes).", path=where)
        try:
            fields = json.loads(note.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise DataError(f"{where}: not UTF-8 text.", path=where) from None
        except json.JSONDecodeError as error:
            raise DataError(f"{where}, line {error.lineno}: invalid JSON ({error.msg}).", line=error.lineno,
                            path=where) from None
        if not isinstance(fields, dict) or fields.get("format") != NOTE_FORMAT:
            raise DataError(f"{where}: not a Gradient Descent Studio recovery note.", path=where)
        version = fields.get("version")
        if type(version) is not int or version != NOTE_VERSION:
            raise DataError(f"{where}: field 'version' is {version!r}; this app reads version {NOTE_VERSION}.",
                            path=where)
        saved_at = fields.get("saved_at")
        if isinstance(saved_at, bool) or not isinstance(saved_at, int | float) or not math.isfinite(saved_at) \
                or saved_at <= 0:
            raise DataError(f"{where}: field 'saved_at' is {saved_at!r}, not a time.", path=where)
        original = _original_path(fields.get("original_path"), where)
        return original, float(saved_at), load_project(_file(self.folder, key, PROJECT_SUFFIX))

    def _move_aside(self, key: str, error: Exception) -> str:
        """Move a bad copy into DAMAGED_FOLDER (a person may still want it) and say what went wrong."""
        reason = str(error) if isinstance(error, DataError) else f"{type(error).__name__}: {error}"
        log.warning("recovery copy %s could not be restored: %s", key, reason)
        aside = self.folder / DAMAGED_FOLDER
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            aside.mkdir(exist_ok=True)
            for suffix in (".json", PROJECT_SUFFIX):
                source = _file(self.folder, key, suffix)
                if source.exists():
                    os.replace(source, aside / f"{stamp}-{source.name}")
        except OSError as move_error:
            log.warning("cannot move %s aside (%s); removing it", key, move_error)
            _remove_copy(self.folder, key)
            return f"A recovery copy could not be restored: {reason}"
        return f"A recovery copy could not be restored: {reason} It was moved to {aside}."


def _original_path(value: Any, where: str) -> Path | None:
    if value is None:
        return None
    if (not isinstance(value, str) or not value or len(value) > MAX_PATH_CHARS or "\x00" in value
            or not Path(value).is_absolute()):
        shown = value if not isinstance(value, str) else value[:200]
        raise DataError(f"{where}: field 'original_path' is {shown!r}, not an absolute path or null.", path=where)
    return Path(value)


def _new_key() -> str:
    return f"recovery-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _file(folder: Path, key: str, suffix: str) -> Path:
    return folder / f"{key}{suffix}"


def _remove_copy(folder: Path, key: str) -> None:
    """The note first: without it, what is left is no longer a copy anyone would restore."""
    for suffix in (".json", PROJECT_SUFFIX):
        with contextlib.suppress(OSError):
            _file(folder, key, suffix).unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
