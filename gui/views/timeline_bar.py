"""The timeline bar under the plots: a slider over the selected run's trace positions, Play/Pause for the
replay, and a label that says which step is shown.

Only the widgets: the shell's TimelineController decides what a position shows. `positionMoved` is
emitted for the user's moves only (mouse, keys), never for `set_position`, so following a live run and
replaying do not feed back into themselves.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from gui.kit.fixed_lines import FixedLinesLabel
from gui.kit.steady_slider import SteadySlider
from gui.kit.widget_names import named

NO_RUN_TEXT = "No run selected: train, or pick a run in the Runs table."
TICKING_TEXT_INTERVAL_S = 0.25  # while a run plays: the label's text at most four times a second
TICKING_FLUSH_MS = 60  # the newest ticking text, shown this long after the interval if no tick shows it


class TimelineBar(QWidget):
    positionMoved = Signal(int)  # the user moved the slider to this position
    playToggled = Signal(bool)  # Play (True) or Pause (False) pressed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineBar")
        self.slider = named(SteadySlider(Qt.Orientation.Horizontal), "timelineSlider",
                            "The selected run, step by step: drag, or use the arrow keys, Page Up/Down, Home and "
                            "End (End follows a live run again)", "Timeline")
        self.slider.setRange(0, 0)
        self.slider.setPageStep(10)
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.slider.setTracking(True)
        self.slider.valueChanged.connect(self._on_value_changed)
        self.play_button = named(QPushButton("Play"), "replayButton",
                                 "Replay the selected run from the slider's position at the chosen pace",
                                 "Play replay")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self.playToggled)
        # A narrow window wraps "… · every 4th step kept" instead of cutting it, in two lines kept always: a
        # text flipping between one line and two moved the slider under a dragging mouse.
        self.label = named(FixedLinesLabel(NO_RUN_TEXT, 2), "timelineLabel", "The step the plots show",
                           "Timeline position")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setMinimumWidth(120)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label, 1)
        self._programmatic = False
        self._text = NO_RUN_TEXT  # the newest text; the label may show it up to 0.25 s later while ticking
        self._text_shown_at = 0.0
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.timeout.connect(self._show_text)

    def set_length(self, positions: int) -> None:
        """Positions 0 … positions − 1 (a run with no kept steps has only 0: the slider is disabled)."""
        last = max(positions - 1, 0)
        if self.slider.maximum() != last:
            self._programmatic = True
            try:
                self.slider.setMaximum(last)
                self.slider.setPageStep(max(1, last // 20))
            finally:
                self._programmatic = False
        self.slider.setEnabled(last > 0)

    def set_position(self, position: int) -> None:
        """Move the slider without it counting as the user's move."""
        if self.slider.value() != position:
            self._programmatic = True
            try:
                self.slider.setValue(position)
            finally:
                self._programmatic = False

    def set_playing(self, playing: bool) -> None:
        self.play_button.blockSignals(True)
        self.play_button.setChecked(playing)
        self.play_button.blockSignals(False)
        self.play_button.setText("Pause" if playing else "Play")

    def set_can_play(self, can_play: bool) -> None:
        self.play_button.setEnabled(can_play)

    def set_text(self, text: str, *, ticking: bool = False) -> None:
        """Show `text` now; `ticking`: one of many a second (a run playing), shown at most every
        TICKING_TEXT_INTERVAL_S and the last one always. Each new text makes Qt lay the whole window out
        again (a word-wrapped QLabel asks for its height anew): about 1 ms, too much for every frame, and
        nobody reads a step number that changes 60 times a second. A held text is shown by the first tick
        after the interval, inside that frame; the timer shows it only when the ticks stop (a timer firing
        between two frames made a layout and a paint of their own there)."""
        self._text = text
        if ticking:
            wait_s = self._text_shown_at + TICKING_TEXT_INTERVAL_S - time.monotonic()
            if wait_s > 0:
                if not self._text_timer.isActive():
                    self._text_timer.start(round(wait_s * 1000) + TICKING_FLUSH_MS)
                return
        self._text_timer.stop()
        self._show_text()

    def text(self) -> str:
        """The newest text (the label shows it at once, or within 0.25 s while a run plays)."""
        return self._text

    def _show_text(self) -> None:
        self._text_shown_at = time.monotonic()
        if self.label.text() != self._text:
            self.label.setText(self._text)
            self.label.setToolTip(self._text)

    def position(self) -> int:
        return self.slider.value()

    def last_position(self) -> int:
        return self.slider.maximum()

    def _on_value_changed(self, value: int) -> None:
        if not self._programmatic:
            self.positionMoved.emit(value)


def position_text(step: int, steps_run: int, epoch: int, stride: int, live: bool) -> str:
    """"step k of K · epoch e", plus how thinned the trace is, and whether the run still trains."""
    text = f"step {step:,} of {steps_run:,} · epoch {epoch:,}"
    if stride > 1:
        text += f" · every {_ordinal(stride)} step kept"
    return text + (" · training" if live else "")


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
