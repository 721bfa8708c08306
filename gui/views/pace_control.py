"""The pace control: optimizer steps per second as a number box and a slider over round presets, and a hint
saying how long a run takes at that pace. It stays enabled while a run plays: slowing a run down to look at
it is the point."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from gui.kit.widget_names import named
from gui.session.app_settings import DEFAULT_PACE, MAX_PACE

MAX = 0.0  # the pace that means "as fast as the machine goes"
PRESETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, MAX)  # the slider's stops
HINT_LINES = 2  # the hint's reserved height: a longer or shorter hint never moves what is below it


class PaceSpinBox(QDoubleSpinBox):
    """Shows 0.5 as "0.5" and 1000 as "1000": trailing zeros dropped, in the box's own locale so the text
    it shows is the text it parses."""

    def textFromValue(self, value: float) -> str:
        text = super().textFromValue(value)
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text


class PaceControl(QWidget):
    paceChanged = Signal(float)  # steps per second; 0.0 = Max

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = named(PaceSpinBox(), "paceSpin", "Optimizer steps per second while a run trains; "
                          "Max trains as fast as the machine goes. The numbers trained never depend on it.")
        self.spin.setRange(MAX, MAX_PACE)
        self.spin.setDecimals(2)
        self.spin.setSpecialValueText("Max")
        self.spin.setSuffix(" steps/s")
        self.spin.setKeyboardTracking(False)  # typing "250" must not set 2, then 25, then 250
        self.spin.setAccelerated(True)
        self.slider = named(QSlider(Qt.Orientation.Horizontal), "paceSlider",
                            "Pace presets: " + ", ".join(_preset_text(p) for p in PRESETS))
        self.slider.setRange(0, len(PRESETS) - 1)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.hint = named(QLabel(""), "paceHint", "How long the run set above takes at this pace")
        self.hint.setWordWrap(True)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._steps = 0

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.spin)
        row.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        self._reserve_hint_height()

        self.spin.valueChanged.connect(self._on_spin_changed)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.set_pace(DEFAULT_PACE)

    def pace(self) -> float:
        return float(self.spin.value())

    def set_pace(self, pace: float) -> None:
        """Show `pace` (clamped to what the box holds; a non-finite value leaves the pace as it is)."""
        if math.isfinite(pace):
            self.spin.setValue(min(max(pace, MAX), MAX_PACE))
            self._sync_slider()

    def set_run_steps(self, steps: int) -> None:
        """The optimizer steps the run set in the panel will take (epochs × steps per epoch)."""
        self._steps = max(0, steps)
        self._update_hint()

    def _on_spin_changed(self, value: float) -> None:
        self._sync_slider()
        self._update_hint()
        self.paceChanged.emit(float(value))

    def _on_slider_moved(self, index: int) -> None:
        self.spin.setValue(PRESETS[index])  # emits paceChanged through the spin box

    def _sync_slider(self) -> None:
        """The preset nearest the box's value (on a log scale), without snapping the box to it."""
        self.slider.blockSignals(True)
        self.slider.setValue(nearest_preset(self.pace()))
        self.slider.blockSignals(False)

    def _update_hint(self) -> None:
        pace = self.pace()
        if self._steps <= 0:
            self.hint.setText("")
        elif pace == MAX:
            self.hint.setText(f"At Max, the {self._steps:,} steps take as long as the machine needs.")
        else:
            self.hint.setText(f"At this pace the run takes {duration(self._steps / pace)} "
                              f"({self._steps:,} steps).")

    def _reserve_hint_height(self) -> None:
        # The control's own font: on a font change the hint, a child, is told after its parent.
        self.hint.setFixedHeight(self.fontMetrics().lineSpacing() * HINT_LINES)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:  # presentation mode: the reserved lines grow with the font
            self._reserve_hint_height()
        super().changeEvent(event)


def nearest_preset(pace: float) -> int:
    """The slider stop for `pace`: Max for 0, else the finite preset nearest on a log scale."""
    if pace <= MAX:
        return PRESETS.index(MAX)
    finite = [p for p in PRESETS if p > MAX]
    best = min(finite, key=lambda p: abs(math.log(pace / p)))
    return PRESETS.index(best)


def duration(seconds: float) -> str:
    """"~4 s", "~0.4 s", "~3 min", "~2.5 h", "~3 days": a person's idea of how long, not a stopwatch."""
    if seconds < 0.1:
        return "under 0.1 s"
    unit, size = next(((unit, size) for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0))
                       if seconds >= size), ("s", 1.0))
    value = seconds / size
    return f"~{value:.2g} {unit}" if value < 10 else f"~{value:,.0f} {unit}"


def _preset_text(pace: float) -> str:
    return "Max" if pace == MAX else f"{pace:g}"
