"""The loss plot: the loss per epoch of every run training now (a race grows three curves together), over
the curves of earlier runs, and a cursor at the timeline's step.

Which runs are drawn is the run history's business (the ticked runs); each keeps its colour, and a
legend names them. Each frame, `redraw` (called from the window's frame timer) feeds each live run's new
losses to its DecimatedCurve and hands pyqtgraph a few thousand points when something changed, so a run of millions
of epochs costs a few dozen cheap setData calls a second. The axes move in coarse steps (the x axis spans
the whole run, the y axis whole decades on the log scale): laying out an axis costs milliseconds, and a
smoothly rescaling axis would pay that on every frame.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from gui.kit import number_format, plot_style
from gui.kit.cursor_line import CursorLine
from gui.kit.decimated_curve import DecimatedCurve
from gui.kit.fast_curve import FastCurve
from gui.kit.widget_names import named
from gui.session.run_history import Run, RunHistoryModel
from gui.views.learning_rate_plot import LearningRatePlot

CURSOR_PEN = pg.mkPen(QColor(40, 40, 40, 170), width=1, style=Qt.PenStyle.DashLine)  # the timeline's step
FEW_POINTS = 30  # curves this short draw a dot per epoch
LEGEND_SPACING_PX = 12  # between the legend's columns
CURVES_ROOM_PX = 40  # the least height left for the curves: in a plot shorter than that and its legend, the
# legend steps aside (the Runs table names the runs in the same colours)
# While a run trains on the log axis, a falling loss moves the axis this many decades further than it needs:
# a loss converging geometrically crosses a decade every few tenths of a second, and each new range lays the
# axis out again (~5 ms in one frame). The range is fitted tightly again when the run ends.
LIVE_LOG_ROOM = 2
_SMALLEST_LOSS = float(np.finfo(np.float64).tiny)  # where a zero is drawn on a log axis at the very least


class LossAxis(pg.AxisItem):
    """The loss axis: on the log scale, 0.001 to 1000 as plain numbers and the rest as powers of ten, where
    pyqtgraph mixes "0.0001" with "10⁻⁵" and "1e+30"-style mantissas."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        shift = math.log10(scale) if scale > 0 else 0.0  # 1 unless an SI prefix is turned back on
        return [number_format.log_tick(value + shift) for value in values]


class LossPlotWidget(QWidget):
    def __init__(self, runs: RunHistoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        plot = pg.PlotWidget(axisItems={"left": LossAxis("left")})
        self.plot = named(plot, "lossPlot", "Loss (mean squared error) per epoch. Earlier runs stay, "
                          "each in its colour, until cleared; tick runs in the Runs table to compare them.")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss (MSE)")
        self._loss_name = "loss (MSE)"
        # pyqtgraph would factor a diverged run's 1e+30 out of the log axis as "(x1e+27)" and label the
        # ticks 10⁻²⁷…10³: the ticks must read as the losses they mark.
        item.getAxis("left").enableAutoSIPrefix(False)
        item.showGrid(x=False, y=False)  # a grid is drawn by the axes and made each axis repaint cost ~8 ms
        item.setClipToView(True)
        plot_style.cache_axes(item)
        # Under the epoch axis, outside the curves: inside the plot it covered them on a small window.
        self.legend = pg.LegendItem(labelTextSize="8pt", horSpacing=LEGEND_SPACING_PX, verSpacing=-5)
        self._legend_row_height = 16.0  # measured while the legend shows: what its rows would take if shown again
        item.legend = self.legend  # curves added with a name join it
        item.layout.addItem(self.legend, 4, 0, 1, 3)  # the whole width, axis included
        item.getViewBox().sigResized.connect(lambda *_: self._fit_legend())
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # its text: a pixmap per frame
        # Each curve draws at most four points per pixel column (a column's first, lowest, highest and last
        # loss: FastCurve's peaks): a 100,000-epoch curve repainted every frame while a run plays otherwise
        # costs milliseconds. The data handed over stays whole.
        self.curves: dict[int, tuple[FastCurve, DecimatedCurve]] = {}
        # A run with a validation split: its held-out loss per epoch, dashed in the same colour.
        self.validation: dict[int, tuple[FastCurve, DecimatedCurve]] = {}
        self.live_runs: dict[int, Run] = {}  # every run training now (a race trains three at once)
        self._live_totals: dict[int, int] = {}
        self.selected: Run | None = None  # the timeline's run: drawn bold, even when it is an older one
        self.step_cursor = CursorLine(pen=CURSOR_PEN, movable=False)  # moves every frame while a run plays
        self.step_cursor.setVisible(False)
        self.step_cursor.setZValue(5)
        item.addItem(self.step_cursor, ignoreBounds=True)
        self._y_range: tuple[float, float] | None = None
        self._x_range = 0
        self._log_floor = _SMALLEST_LOSS

        self.log_scale = named(QCheckBox("Log scale"), "logScaleCheck", "Show the loss on a logarithmic axis",
                               "Log scale")
        self.log_scale.setChecked(True)
        self.log_scale.toggled.connect(self.set_log_scale)
        self.clear_button = named(QPushButton("Clear earlier runs"), "clearRunsButton",
                                  "Forget every run but the latest (their curves, paths and table rows)",
                                  "Clear earlier runs")
        self.clear_button.clicked.connect(lambda: self.runs.clear(keep_latest=True))
        controls = QHBoxLayout()
        controls.addWidget(self.log_scale)
        controls.addStretch(1)
        controls.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        self.rate_plot = LearningRatePlot()  # the schedule's rate per epoch, small beside the losses
        plots = QHBoxLayout()
        plots.setSpacing(2)
        plots.addWidget(self.plot, 3)
        plots.addWidget(self.rate_plot, 1)
        layout.addLayout(plots)
        item.setLogMode(y=True)
        runs.runsChanged.connect(self.sync_runs)

    # --- streaming -----------------------------------------------------------------------------------
    @property
    def live_run(self) -> Run | None:
        """The newest run training now (None when none is)."""
        return next(reversed(self.live_runs.values()), None)

    @property
    def live(self) -> DecimatedCurve | None:
        """What is drawn for the newest live run."""
        run = self.live_run
        return None if run is None or run.number not in self.curves else self.curves[run.number][1]

    def start_run(self, run: Run, total_epochs: int | None = None) -> None:
        """Draw `run` live from now on, beside any other live run. With `total_epochs` the x axis spans the
        whole run from the start: the curve grows left to right like a progress bar, and the axis is not
        re-laid out every frame. A continued run starts again from what it holds."""
        self.live_runs[run.number] = run
        self._live_totals[run.number] = total_epochs or 0
        self._y_range = None
        self.sync_runs()
        for curves in (self.curves, self.validation):
            if run.number in curves:
                curve = curves[run.number][0]
                curves[run.number] = (curve, DecimatedCurve())
                self._set_curve(curve, curves[run.number][1])

    def append(self, losses: np.ndarray | None = None) -> None:
        """Kept for callers of the one-run API: the curves now read each live run's losses at redraw."""

    def finish_run(self, run: Run | None = None) -> None:
        """`run` (every live run when None) ended: drawn from its result's whole history from now on."""
        ended = list(self.live_runs.values()) if run is None else [run]
        self.redraw()
        for done in ended:
            self.live_runs.pop(done.number, None)
            self._live_totals.pop(done.number, None)
            entry = self.curves.get(done.number)
            if entry is not None and (done.result is not None or len(entry[1]) != done.loss_values().size):
                data = DecimatedCurve.of(done.loss_values())
                self.curves[done.number] = (entry[0], data)
                self._set_curve(entry[0], data)
            held = self.validation.get(done.number)
            values = done.validation_values()
            if held is not None and values is not None:
                data = DecimatedCurve.of(values)
                self.validation[done.number] = (held[0], data)
                self._set_curve(held[0], data)
        self._y_range = None
        self._frame()

    def point_count(self) -> int:
        """Epochs received for the newest live run (or the latest run once it has finished)."""
        live = self.live
        if live is not None:
            return len(live)
        latest = self.runs.latest()
        return 0 if latest is None else int(latest.loss_values().size)

    def redraw(self) -> None:
        """Feed each live curve what its run received since the last frame: O(new epochs), nothing when
        nothing arrived."""
        changed = False
        for number, run in self.live_runs.items():
            for curves, buffer in ((self.curves, run.live_losses), (self.validation, run.live_validation)):
                entry = curves.get(number)
                if entry is None:
                    continue
                losses = buffer.view()
                data = entry[1]
                if losses.size < len(data):  # the run's losses were replaced: start over
                    data = DecimatedCurve()
                    curves[number] = (entry[0], data)
                if losses.size > len(data):
                    data.extend(losses[len(data):])
                    self._set_curve(entry[0], data)
                    changed = True
        if changed:
            self._frame()

    def set_cursor(self, epoch: float | None) -> None:
        """A vertical line at `epoch` (the timeline's step); None hides it."""
        if epoch is None:
            self.step_cursor.setVisible(False)
            return
        self.step_cursor.setPos(float(epoch))
        self.step_cursor.setVisible(True)

    # --- which runs are drawn ------------------------------------------------------------------------
    def sync_runs(self) -> None:
        """Match the drawn curves to the runs that are ticked: add the new, drop the unticked."""
        shown = {run.number: run for run in self.runs.shown_runs()}
        for curves in (self.curves, self.validation):
            for number in [number for number in curves if number not in shown]:
                curve, _ = curves.pop(number)
                self.legend.removeItem(curve)
                self.plot.removeItem(curve)
        for number, run in shown.items():
            if number not in self.curves:
                data = DecimatedCurve() if number in self.live_runs else DecimatedCurve.of(run.loss_values())
                curve = self._add_curve(run.label)
                self.curves[number] = (curve, data)
                self._set_curve(curve, data)
            curve, _ = self.curves[number]
            bold = self.is_bold(run)
            curve.setPen(plot_style.run_pen(run.color, current=bold))
            curve.setZValue(1 if bold else 0)
            if curve.opts["symbol"] is not None:
                _mark_points(curve, True)  # the dots take the pen's new colour
            self._sync_validation(run, bold)
        self._name_loss({run.config.loss for run in shown.values()})
        self._y_range = None
        self._fit_legend()
        self._frame()

    def _name_loss(self, losses: set[str]) -> None:
        """The axis names the loss the drawn runs train on (just "loss" when they differ)."""
        name = "loss" if len(losses) > 1 else f"loss ({_LOSS_NAMES.get(next(iter(losses), 'mse'), 'MSE')})"
        if name != self._loss_name:
            self._loss_name = name
            self.plot.getPlotItem().setLabel("left", name)

    def _sync_validation(self, run: Run, bold: bool) -> None:
        """The run's validation curve, dashed in its colour under the training curve, when it holds points out."""
        values = run.validation_values()
        if values is None:
            return
        if run.number not in self.validation:
            data = DecimatedCurve() if run.number in self.live_runs else DecimatedCurve.of(values)
            curve = self._add_curve(f"#{run.number} validation")
            self.validation[run.number] = (curve, data)
            self._set_curve(curve, data)
        curve = self.validation[run.number][0]
        curve.setPen(_dashed(plot_style.run_pen(run.color, current=bold)))
        curve.setZValue(1 if bold else 0)

    def _fit_legend(self) -> None:
        """As many legend columns as fit across the plot: many runs make a few rows under the axis, not a
        column taller than the plot. No legend where its rows would leave the curves under CURVES_ROOM_PX."""
        entries = self.legend.items
        if not entries:
            return
        widest = max(sample.boundingRect().width() + label.item.boundingRect().width() for sample, label in entries)
        across = self.plot.getPlotItem().width()
        columns = max(1, min(len(entries), int(across // (widest + 2 * LEGEND_SPACING_PX))))
        if columns != self.legend.columnCount:
            self.legend.setColumnCount(columns)
        # A short window: the rows would squeeze the curves to a sliver, so the legend is hidden (a hidden item
        # takes no room in the plot's layout) until the plot is tall enough for both again.
        rows = -(-len(entries) // columns)
        curves = self.plot.getPlotItem().getViewBox().height()
        if self.legend.isVisible():
            self._legend_row_height = self.legend.height() / rows
            if curves < CURVES_ROOM_PX:
                self.legend.setVisible(False)
        elif curves - rows * self._legend_row_height >= CURVES_ROOM_PX + 4:  # a few pixels' margin: no flicker
            self.legend.setVisible(True)

    def set_selected(self, run: Run | None) -> None:
        """The run the timeline shows stands out; an older one picked in the Runs table alone."""
        if run is not self.selected:
            self.selected = run
            self.sync_runs()

    def is_bold(self, run: Run) -> bool:
        return self.runs.stands_out(run, self.selected)

    def set_log_scale(self, enabled: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=enabled)
        for curve, data in [*self.curves.values(), *self.validation.values()]:
            self._set_curve(curve, data)
        self._y_range = None
        self._frame()

    def curve_of(self, run: Run) -> tuple[np.ndarray, np.ndarray] | None:
        """The x and y drawn for `run` (tests and plot export read it)."""
        entry = self.curves.get(run.number)
        return None if entry is None else entry[1].arrays()

    def validation_curve_of(self, run: Run) -> tuple[np.ndarray, np.ndarray] | None:
        """The x and y drawn for `run`'s held-out points (None: it holds none out, or is not shown)."""
        entry = self.validation.get(run.number)
        return None if entry is None else entry[1].arrays()

    def _add_curve(self, name: str) -> FastCurve:
        curve = FastCurve(name, peaks=True)
        self.plot.getPlotItem().addItem(curve)  # it takes the plot's log mode and joins the legend by name
        return curve

    def _set_curve(self, curve: FastCurve, data: DecimatedCurve) -> None:
        x, y = data.arrays()
        curve.setData(x, self._shown(y))
        _mark_points(curve, x.size <= FEW_POINTS)

    def _frame(self) -> None:
        """x: the live run's whole length, else the longest drawn run. y: whole decades on the log axis,
        a rounded top on the linear one; changed only when the data leaves the current range."""
        item = self.plot.getPlotItem()
        data = [entry[1] for entry in [*self.curves.values(), *self.validation.values()]]
        longest = max((len(curve) for curve in data), default=0)
        total = max(max(self._live_totals.values(), default=0), longest) if self.live_runs else longest
        if total and total != self._x_range:
            self._x_range = total
            item.enableAutoRange(x=False)
            item.setXRange(0, total, padding=0.02)
        log = self.log_scale.isChecked()
        wanted = self._log_range(data) if log else _linear_range(data)
        current = self._y_range
        if wanted is not None and log and self.live_runs and current is not None:
            if current[0] <= wanted[0] and wanted[1] <= current[1]:
                return  # still inside the view: a live run's axis changes only when its losses leave it
            if wanted[0] < current[0]:  # falling: room for LIVE_LOG_ROOM more decades
                wanted = (wanted[0] - LIVE_LOG_ROOM, wanted[1])
        if wanted is not None and wanted != current:
            self._y_range = wanted
            item.enableAutoRange(y=False)
            item.setYRange(*wanted, padding=0.02)

    def _log_range(self, data: list[DecimatedCurve]) -> tuple[float, float] | None:
        """Whole decades from the lowest positive loss to the highest, plus one decade below them when a
        curve holds zeros: those are drawn half a decade under the lowest loss, inside the view."""
        finite = [curve for curve in data if math.isfinite(curve.low)]
        if not finite:
            return None
        low = min(curve.low_positive for curve in finite)
        high = max(curve.high for curve in finite)
        zeros = any(curve.low <= 0 for curve in finite)
        if not math.isfinite(low):  # nothing but zeros (or negatives): one decade around 1
            low = high = 1.0
        bottom, top = math.floor(math.log10(low)), math.ceil(math.log10(max(high, low)))
        floor = max(10.0 ** (bottom - 0.5), _SMALLEST_LOSS)
        if floor != self._log_floor:
            self._log_floor = floor
            for curve, curve_data in [*self.curves.values(), *self.validation.values()]:
                if curve_data.low <= 0:  # only a curve with zeros changes: they sit at the axis's bottom
                    self._set_curve(curve, curve_data)
        bottom -= 1 if zeros else 0
        return float(bottom), float(max(top, bottom + 1))

    def _shown(self, losses: np.ndarray) -> np.ndarray:
        """A loss of exactly 0 has no logarithm: on the log axis it is drawn half a decade below the lowest
        positive loss. Every positive loss is drawn as it is, whatever the floor was when it was sent."""
        if self.log_scale.isChecked():
            return np.where(losses <= 0, self._log_floor, losses)
        return losses


def _mark_points(curve: FastCurve, marked: bool) -> None:
    """A dot on each point of a short curve, opaque in the curve's colour: one Step gives one point, which a
    line alone never shows."""
    pen = curve.opts["pen"]
    if not marked or not isinstance(pen, QPen):
        curve.set_dots(None)
        return
    colour = QColor(pen.color())
    colour.setAlpha(255)
    curve.set_dots(colour)


_LOSS_NAMES = {"mse": "MSE", "mae": "MAE", "huber": "Huber"}
_dashed_pens: dict[int, QPen] = {}


def _dashed(pen: QPen) -> QPen:
    """The same pen, dashed: built once per pen."""
    if id(pen) not in _dashed_pens:
        dashed = QPen(pen)
        dashed.setStyle(Qt.PenStyle.DashLine)
        _dashed_pens[id(pen)] = dashed
    return _dashed_pens[id(pen)]


def _linear_range(data: list[DecimatedCurve]) -> tuple[float, float] | None:
    """From 0 (or the lowest loss, if negative) to the highest loss rounded up to its leading digit."""
    low = min((curve.low for curve in data), default=math.inf)
    high = max((curve.high for curve in data), default=-math.inf)
    if not math.isfinite(low):
        return None
    step = 10 ** math.floor(math.log10(high)) if high > 0 else 1.0
    top = math.ceil(high / step) * step
    if not math.isfinite(top):  # the highest loss is within a step of the largest float
        top = high
    bottom = min(0.0, low)
    return bottom, (top if top > bottom else bottom + 1.0)
