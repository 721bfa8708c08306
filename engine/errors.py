"""The engine's error types. Each message is meant to be shown to a user as it is."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises on purpose (bad input, missing device, ...)."""


class DataError(EngineError, ValueError):
    """The points are unusable: a value that is not finite, too few points, all x equal, a bad file.

    `row` is the 0-based row in the point set, `line` the 1-based line in a file, when known.
    """

    def __init__(self, message: str, *, row: int | None = None, line: int | None = None,
                 path: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.line = line
        self.path = path


class DeviceError(EngineError):
    """A device was asked for that this machine does not have."""


class ConfigError(EngineError, ValueError):
    """A hyperparameter is out of range."""


class ExportError(EngineError):
    """A model could not be written in the requested format."""
