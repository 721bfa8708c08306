"""An explanation as plain data: titled sections of labelled lines, rendered as plain text or HTML.

Kept apart from the arithmetic (step_explanation.py) so the panel, a test or a copy to the clipboard read
the same structure, and neither rendering needs Qt.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    """One line a person reads: `label` (may be empty) and the text after it."""

    label: str
    text: str


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Explanation:
    """What one step did and why. `values` holds the key numbers unformatted (gradients, states, the update)
    for tests and for anything that draws them."""

    title: str
    sections: tuple[Section, ...]
    values: Mapping[str, float] = field(default_factory=dict)

    def plain_text(self) -> str:
        parts = [self.title]
        for section in self.sections:
            parts.append("")
            parts.append(section.title)
            parts.extend(f"  {line.label}: {line.text}" if line.label else f"  {line.text}"
                         for line in section.lines)
        return "\n".join(parts)

    def html(self) -> str:
        """Headings and a two-column table per section; every string escaped (nothing is markup)."""
        parts = [f"<p style='font-size:large'><b>{html.escape(self.title)}</b></p>"]
        for section in self.sections:
            parts.append(f"<p style='margin-top:8px; margin-bottom:2px'><b>{html.escape(section.title)}</b></p>")
            parts.append("<table cellspacing='0' cellpadding='1'>")
            for line in section.lines:
                if line.label:
                    parts.append(f"<tr><td style='padding-right:8px'>{html.escape(line.label)}</td>"
                                 f"<td>{html.escape(line.text)}</td></tr>")
                else:
                    parts.append(f"<tr><td colspan='2'>{html.escape(line.text)}</td></tr>")
            parts.append("</table>")
        return "".join(parts)
