"""The order Tab visits the window's controls, and keeping the focused control in view.

Qt's own order follows the order the widgets were made in, which put the plots before the training
panel and the Train button last. The order here goes as a person works: the points, the settings top to
bottom, Train/Step/Continue, then the plots and the timeline that show the run, then the Runs table.
Widgets are found by objectName (the names automation uses too); one that is missing or hidden is
skipped, and Tab passes over a disabled one."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

TAB_ORDER = (
    "pointsTable", "addPointButton", "deletePointsButton",
    "deviceCombo", "optimizerCombo", "learningRateSpin", "momentumSpin", "epochsSpin", "batchSizeSpin",
    "seedSpin", "standardizeCheck",
    "degreeSpin", "lossCombo", "huberDeltaSpin", "l2Spin", "l1Spin", "validationFractionSpin", "scheduleCombo",
    "stepSizeSpin", "gammaSpin", "paceSpin", "paceSlider",
    "trainButton", "pauseButton", "stopButton", "stepButton", "continueButton", "raceButton",
    "residualsCheck", "ghostLineCheck", "dataPlot", "landscapePlot", "sliceFirstCoefficientCombo",
    "sliceSecondCoefficientCombo", "landscapeSlicePlot",
    "logScaleCheck", "clearRunsButton", "lossPlot", "learningRatePlot", "stepDetails",
    "replayButton", "timelineSlider",
    "runsTable", "showAllRunsButton", "showLatestRunButton", "exportRunsButton", "clearHistoryButton",
)


def apply_tab_order(window: QWidget, names: Iterable[str] = TAB_ORDER) -> list[QWidget]:
    """Chain the named widgets of `window` in `names`' order; returns the widgets chained."""
    widgets = [widget for name in names if (widget := window.findChild(QWidget, name)) is not None]
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)
    return widgets


class FocusInView(QObject):
    """Scrolls a scroll area to the control that gets the focus inside it (Tab into a scrolled-away
    setting shows it). Owned by the window: the connection ends with it."""

    def __init__(self, areas: list[QScrollArea], parent: QObject) -> None:
        super().__init__(parent)
        self.areas = areas
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        for area in self.areas:
            content = area.widget()
            if content is not None and content.isAncestorOf(new):
                area.ensureWidgetVisible(new)
