"""One helper for the names automation and screen readers use: an objectName, an accessible name and a
tooltip on every control (issue 4 fixes some of these names; keep them stable)."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

WidgetT = TypeVar("WidgetT", bound=QWidget)


def named(widget: WidgetT, name: str, tooltip: str, accessible_name: str | None = None) -> WidgetT:
    """`widget` with objectName `name`, the accessible name (`name` unless given) and a tooltip."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible_name or name)
    widget.setToolTip(tooltip)
    return widget
