"""A fixed-lines label too narrow for its text (gui/kit/fixed_lines.py) shows its first lines whole and ends
the last with "…", painted exactly as a label showing just those lines; text that fits is painted as ever."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel

from gui.kit.fixed_lines import FixedLinesLabel
from tests.test_fast_plot_items import _pixels

HINT = "Hover over the landscape to read w, b and the loss."


def _label(qtbot, text: str, lines: int, width: int) -> FixedLinesLabel:
    label = FixedLinesLabel(text, lines)
    qtbot.addWidget(label)
    label.resize(width, label.height())
    label.show()
    qtbot.waitExposed(label)
    return label


def _words(text: str) -> list[str]:
    return text.replace("…", " ").replace("·", " ").split()


def _text_width(qtbot, text: str) -> int:
    """The width of `text` on one line, in the labels' font."""
    probe = FixedLinesLabel(text, 1)
    qtbot.addWidget(probe)
    return probe.fontMetrics().horizontalAdvance(text)


@pytest.mark.parametrize(("text", "share"), [(HINT, 0.2), (HINT, 0.25), (HINT, 0.3), (HINT, 0.4),
                                             (f"🙂 run {HINT} 🙂 again", 0.3)])
def test_a_narrow_label_shows_whole_lines_and_an_ellipsis(qtbot, text: str, share: float) -> None:
    width = round(_text_width(qtbot, text) * share)  # the text needs more than two lines of this width
    label = _label(qtbot, text, 2, width)
    shown = label.shown_lines()
    assert shown is not None and len(shown) == 2
    assert shown[-1].endswith("…")
    metrics = label.fontMetrics()
    assert all(metrics.horizontalAdvance(line) <= width for line in shown)
    shown_words = _words(" ".join(shown))
    assert shown_words[:-1] == _words(text)[:len(shown_words) - 1]  # the text's start, in order (the last cut)
    assert label.text() == text  # the whole text stays the label's text
    # What is painted: the same pixels as a label given just those lines, which fit, so QLabel paints them.
    reference = _label(qtbot, "\n".join(shown), 2, width)
    assert reference.shown_lines() is None
    assert np.array_equal(_pixels(label), _pixels(reference))


def test_text_that_fits_is_painted_as_a_plain_label_paints_it(qtbot) -> None:
    label = _label(qtbot, HINT, 2, _text_width(qtbot, HINT) + 10)
    assert label.shown_lines() is None
    plain = QLabel(HINT)
    qtbot.addWidget(plain)
    plain.setWordWrap(True)
    plain.setFixedSize(label.size())
    plain.show()
    assert np.array_equal(_pixels(label), _pixels(plain))


def test_widening_the_label_shows_the_whole_text_again(qtbot) -> None:
    label = _label(qtbot, HINT, 2, _text_width(qtbot, HINT) // 3)
    assert label.shown_lines() is not None
    label.resize(_text_width(qtbot, HINT) + 10, label.height())
    assert label.shown_lines() is None


def test_the_texts_own_line_breaks_are_kept_on_the_last_line_as_dots(qtbot) -> None:
    text = "Exact: y = 2·x + 0\n|w − w*| = 0.454\nloss − loss* = 0.283"
    label = _label(qtbot, text, 2, _text_width(qtbot, text) + 10)
    assert label.shown_lines() == ["Exact: y = 2·x + 0", "|w − w*| = 0.454 · loss − loss* = 0.283"]


def test_a_larger_font_reserves_more_height_and_fits_the_text_again(qtbot) -> None:
    label = _label(qtbot, HINT, 2, round(_text_width(qtbot, HINT) * 0.75))  # two lines hold it, with room
    assert label.shown_lines() is None
    small_height = label.height()
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)
    assert label.height() > small_height
    assert label.shown_lines() is not None  # the same width now holds fewer words a line


def test_markup_is_shown_as_written(qtbot) -> None:
    label = _label(qtbot, "<b>w</b> < 2", 1, _text_width(qtbot, "<b>w</b> < 2") + 10)
    as_markup = QLabel("<b>w</b> < 2")  # a plain QLabel takes this for rich text and hides the tags
    qtbot.addWidget(as_markup)
    assert label.shown_lines() is None
    assert label.sizeHint().width() > as_markup.sizeHint().width() + label.fontMetrics().horizontalAdvance("<b>")
