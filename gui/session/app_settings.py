"""What the app remembers between sessions (QSettings): window geometry, the last hyperparameters and
recent files. A damaged value is ignored, never fatal."""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QByteArray, QSettings

from engine.errors import ConfigError
from engine.training.config import TrainingConfig

log = logging.getLogger(__name__)
MAX_RECENT_FILES = 8


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

    def sync(self) -> None:
        self.qsettings.sync()
