"""What the app remembers between sessions (QSettings): window geometry, the last hyperparameters, the
pace, recent files and the theme. A damaged value is ignored, never fatal."""

from __future__ import annotations

import json
import logging
import math

from PySide6.QtCore import QByteArray, QSettings

from engine.errors import ConfigError
from engine.training.config import TrainingConfig

log = logging.getLogger(__name__)
MAX_RECENT_FILES = 8
DEFAULT_PACE = 250.0  # steps per second: the default 1000-epoch full-batch run takes ~4 s, slow enough to watch
THEMES = ("system", "light", "dark")  # View ▸ Theme: follow the desktop's colour scheme, or force one
MAX_PACE = 100_000.0  # 0 means "Max" (as fast as the machine goes); above this a pace is meaningless on screen


def checked_pace(value: object) -> float:
    """A pace in steps per second, or ValueError naming what is wrong: finite, 0 (Max) ≤ pace ≤ MAX_PACE."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"Pace must be a number of steps per second, not {type(value).__name__}")
    try:
        pace = float(value)
    except ValueError:
        raise ValueError(f"Pace must be a number of steps per second, not {value!r}") from None
    if not math.isfinite(pace) or not 0.0 <= pace <= MAX_PACE:
        raise ValueError(f"Pace must be between 0 (Max) and {MAX_PACE:g} steps per second, not {value!r}")
    return pace


class AppSettings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings or QSettings()

    def geometry(self) -> QByteArray | None:
        value = self.qsettings.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.qsettings.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    def training_config(self) -> TrainingConfig:
        raw = self.qsettings.value("training/config")
        if not raw:
            return TrainingConfig()
        try:
            return TrainingConfig.from_dict(json.loads(str(raw)))
        except (ValueError, TypeError, ConfigError):
            log.warning("ignoring damaged saved hyperparameters: %r", raw)
            return TrainingConfig()

    def save_training_config(self, config: TrainingConfig) -> None:
        self.qsettings.setValue("training/config", json.dumps(config.to_dict()))

    def pace(self) -> float:
        """The remembered pace (0.0 = Max); DEFAULT_PACE on a first run or when the stored value is damaged."""
        raw = self.qsettings.value("training/pace")
        if raw is None:
            return DEFAULT_PACE
        try:
            return checked_pace(raw)
        except ValueError:
            log.warning("ignoring damaged saved pace: %r", raw)
            return DEFAULT_PACE

    def save_pace(self, pace: float) -> None:
        """Remember `pace`; a value no panel can show raises ValueError and nothing is written."""
        self.qsettings.setValue("training/pace", repr(checked_pace(pace)))

    def recent_files(self) -> list[str]:
        value = self.qsettings.value("files/recent") or []
        if isinstance(value, str):
            value = [value]
        return [str(path) for path in value][:MAX_RECENT_FILES]

    def add_recent_file(self, path: str) -> list[str]:
        files = [path] + [existing for existing in self.recent_files() if existing != path]
        files = files[:MAX_RECENT_FILES]
        self.qsettings.setValue("files/recent", files)
        return files

    def theme(self) -> str:
        """"system", "light" or "dark"; "system" on a first run or when the stored value is not one of them."""
        raw = self.qsettings.value("view/theme")
        if raw is None:
            return "system"
        if raw not in THEMES:
            log.warning("ignoring damaged saved theme: %r", raw)
            return "system"
        return str(raw)

    def save_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {theme!r}")
        self.qsettings.setValue("view/theme", theme)

    def last_folder(self) -> str:
        """The folder of the last file chosen in a file dialog ('' when none yet)."""
        value = self.qsettings.value("files/last_folder")
        return value if isinstance(value, str) else ""

    def set_last_folder(self, folder: str) -> None:
        self.qsettings.setValue("files/last_folder", folder)

    def sync(self) -> None:
        self.qsettings.sync()
