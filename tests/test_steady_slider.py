"""The timeline's slider repaints only when its handle moves on screen, and always draws what a plain QSlider
with the same range and value draws."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QSlider

from gui.kit.steady_slider import SteadySlider
from tests.timeline_runs import PaintCounter


def _image(slider: QSlider) -> QImage:
    return slider.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _shown(qtbot, slider: QSlider) -> QSlider:
    qtbot.addWidget(slider)
    slider.resize(300, 24)
    slider.show()
    qtbot.waitExposed(slider)
    return slider


def test_a_slider_following_a_growing_run_repaints_only_when_its_handle_moves(qtbot) -> None:
    steady = _shown(qtbot, SteadySlider(Qt.Orientation.Horizontal))
    plain = _shown(qtbot, QSlider(Qt.Orientation.Horizontal))
    counter = PaintCounter()
    steady.installEventFilter(counter)
    steady.setRange(0, 100)
    steady.setValue(100)
    qtbot.wait(20)
    counter.count = 0
    for last in range(101, 400):  # a live run followed: the range grows, the value keeps to the end
        steady.setRange(0, last)
        steady.setValue(last)
        qtbot.wait(1)
    qtbot.wait(20)
    assert counter.count <= 2, f"{counter.count} paints for a handle that never moved"
    for slider in (steady, plain):
        slider.setRange(0, 399)
        slider.setValue(399)
    qtbot.wait(20)
    assert _image(steady) == _image(plain)
    painted = counter.count
    for value in (200, 0, 57):  # the user (or a replay) moves it: drawn where a plain slider draws it
        for slider in (steady, plain):
            slider.setValue(value)
        qtbot.waitUntil(lambda before=painted: counter.count > before, timeout=1_000)
        painted = counter.count
        assert _image(steady) == _image(plain), f"value {value}"
    steady.resize(200, 24)
    plain.resize(200, 24)
    qtbot.wait(20)
    for slider in (steady, plain):
        slider.setValue(300)
    qtbot.wait(20)
    assert _image(steady) == _image(plain), "after a resize"
