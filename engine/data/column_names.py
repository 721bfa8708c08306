"""Column names as the window shows them: header text from a file or a project, made safe to label an
axis and unique, so that a column is always found by its name."""

from __future__ import annotations

from collections.abc import Sequence

MAX_COLUMN_NAME = 100  # a header name labels an axis: longer is surely not a name


def unique_names(names: Sequence[str]) -> tuple[str, ...]:
    """Header names on one line, at most MAX_COLUMN_NAME characters, made unique ('a', 'a (2)'), so a
    column is always found by its name."""
    seen: dict[str, int] = {}
    unique: list[str] = []
    for index, raw in enumerate(names):
        name = " ".join(raw.split())[:MAX_COLUMN_NAME] or f"column {index + 1}"
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return tuple(unique)
