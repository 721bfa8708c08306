"""An ordered, read-only table of named choices (optimizers, losses, schedules).

One entry holds everything the app needs to know about a choice: its label, its torch code, its line in an
exported script. Adding a choice is then one entry, not a hunt for string switches across the code base.
The order of the entries is the order the app shows (and races) them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, TypeVar

from engine.errors import ConfigError


class Entry(Protocol):
    """What every registered entry carries: the key saved in configs and the text the app shows."""

    @property
    def key(self) -> str: ...

    @property
    def label(self) -> str: ...


EntryT = TypeVar("EntryT", bound=Entry)


class Registry(Generic[EntryT]):
    """Key → entry, in registration order. Iterating yields the keys, as a mapping does."""

    def __init__(self, kind: str, entries: Iterable[EntryT]) -> None:
        self.kind = kind  # "optimizer", "loss", ...: names the choice in error messages
        self._entries: dict[str, EntryT] = {}
        for entry in entries:
            if entry.key in self._entries:
                raise ValueError(f"{kind} '{entry.key}' is registered twice")
            self._entries[entry.key] = entry

    def get(self, key: str) -> EntryT:
        """The entry for `key`; a ConfigError that lists the choices when there is none (a user typed it)."""
        try:
            return self._entries[key]
        except (KeyError, TypeError):  # TypeError: an unhashable value from a hand-edited file
            raise ConfigError(f"Unknown {self.kind} '{key}': choose one of {', '.join(self._entries)}.") from None

    def keys(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def values(self) -> tuple[EntryT, ...]:
        return tuple(self._entries.values())

    def labels(self) -> dict[str, str]:
        """Key → label, in order: what a combo box or a table shows."""
        return {key: entry.label for key, entry in self._entries.items()}

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        try:
            return key in self._entries
        except TypeError:
            return False

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)!r})"
