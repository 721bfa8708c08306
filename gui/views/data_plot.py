"""The data plot: the points, the fitted line or polynomial (the selected run's at the timeline's step, in
its colour, over the one before that step, dashed), a line per run training now, the exact least-squares
line as a faint ghost, and optionally the residuals.

Click empty space to add a point there; drag a point to move it; click a point to select it, then
Delete (or right-click ▸ Delete point) removes it. Without a mouse: focus the plot (Tab), move the
crosshair with the arrow keys (Shift for small steps), Enter adds a point there, Delete removes the point
under it. All edits go to the points model, and the plot redraws from the model, so the table and the plot
always agree. Above DENSITY_THRESHOLD points a density image replaces the scatter (a million markers take
seconds to paint; the image takes milliseconds)."""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPen
from PySide6.QtWidgets import QGraphicsItem, QWidget

from gui.kit import plot_style
from gui.kit.density_image import DensityImage
from gui.kit.pixel_lines import SlopeLine
from gui.kit.pixel_rounding import round_to_pixel
from gui.kit.steady_scatter import SteadyScatter
from gui.session.points_model import PointsTableModel
from gui.session.run_history import Run
from gui.views.live_run_items import LiveRunItems
from gui.views.plot_crosshair import KeyboardCrosshair
from gui.views.points_view_box import PassiveScatter, PointsViewBox
from gui.views.polynomial_items import PolynomialCurve, evaluate, held_out, held_out_brushes

RESIDUAL_LIMIT = 5000  # more residual segments than this are a grey smear, and slow
DENSITY_THRESHOLD = 20_000


class DataPlotWidget(pg.PlotWidget):
    pointSelected = Signal(int)

    def set_axis_names(self, x_name: str, y_name: str) -> None:
        """The imported columns' header names (escaped: pyqtgraph's labels are rich text)."""
        item = self.getPlotItem()
        item.setLabel("bottom", html.escape(x_name))
        item.setLabel("left", html.escape(y_name))

    def __init__(self, model: PointsTableModel, parent: QWidget | None = None) -> None:
        self.view_box = PointsViewBox()
        super().__init__(parent, viewBox=self.view_box)
        self.setObjectName("dataPlot")
        self.setAccessibleName("dataPlot")
        self.setToolTip("Click empty space to add a point, drag a point to move it, select a point and "
                        "press Delete (or right-click it) to remove it. Wheel zooms, dragging the "
                        "background pans; the 'A' button fits the view again.")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.model = model
        self.selected_row: int | None = None
        item = self.getPlotItem()
        self.set_axis_names(*model.column_names())
        model.columnNamesChanged.connect(self.set_axis_names)
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(True)
        plot_style.cache_axes(item)
        self.scatter = PassiveScatter(size=plot_style.POINT_SIZE, pen=plot_style.POINT_PEN,
                                          brush=plot_style.POINT_BRUSH)
        self.highlight = PassiveScatter(size=plot_style.POINT_SIZE + 4, pen=plot_style.SELECTED_PEN,
                                            brush=plot_style.SELECTED_BRUSH)
        self.highlight.setVisible(False)  # shown with a selected point
        self.fit_line = SlopeLine(angle=0, pen=plot_style.FIT_PEN, movable=False)
        self.fit_line.setVisible(False)
        self.fit_line.setZValue(-1)
        self.ghost_line = SlopeLine(angle=0, pen=plot_style.GHOST_PEN, movable=False)
        self.ghost_line.setVisible(False)
        self.ghost_line.setZValue(-2)
        self.before_line = SlopeLine(angle=0, pen=plot_style.GHOST_PEN, movable=False)  # before the step
        self.before_line.setVisible(False)
        self.before_line.setZValue(-1.5)
        self.fit_curve = PolynomialCurve(plot_style.FIT_PEN, -1)  # a polynomial run's model, in its colour
        self.ghost_curve = PolynomialCurve(plot_style.GHOST_PEN, -2)  # the exact optimum of degree > 1
        self.before_curve = PolynomialCurve(plot_style.GHOST_PEN, -1.5)  # a polynomial before the step
        self.held_rows = np.empty(0, dtype=np.int64)  # drawn hollow: the validation split's rows
        self._split = (0.0, 0)
        self.live = LiveRunItems(self)  # a line or curve per run training now
        self.live_lines = self.live.items
        self.residuals = pg.PlotDataItem(pen=plot_style.RESIDUAL_PEN, connect="pairs")
        self.residuals.setZValue(-3)
        self.density = DensityImage()
        self.keys = KeyboardCrosshair(self.view_box, self)
        self.crosshair = self.keys.item
        for graphic in (self.ghost_line, self.ghost_curve, self.before_line, self.before_curve, self.fit_line,
                        self.fit_curve, self.residuals, self.scatter, self.highlight, self.crosshair):
            self.addItem(graphic, ignoreBounds=graphic is not self.scatter)
        self.addItem(self.density.image, ignoreBounds=True)
        self.show_residuals = False
        self.show_ghost = True
        self._fit: tuple[float, float] | None = None
        self._before: tuple[float, float] | None = None
        self._fit_pen: QPen | None = None  # the shared pens last handed to the two lines
        self._before_pen: QPen | None = None
        self._ghost: tuple[float, float] | None = None
        self.extent = SteadyScatter(size=1, pen=None, brush=None)  # draws nothing; auto-range sees the data
        self.extent.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)  # so Qt never calls its paint
        self.addItem(self.extent)
        # Draws nothing either: the ends of the selected run's starting line over the points' x range, so
        # the view fitting itself to the data shows the line from step 0 (seed 0 starts below the points).
        self.line_extent = SteadyScatter(size=1, pen=None, brush=None)
        self.line_extent.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.addItem(self.line_extent)
        # Still while a run plays (the moving lines repaint the view every frame): kept as a pixmap, not
        # painted again each frame by pyqtgraph's Python paint code. (The lines are cheap to stroke.)
        self.scatter.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._start_line: tuple[float, float] | None = None
        self.view_box.sigRangeChanged.connect(lambda *_: self._refresh_density())
        self.view_box.sigXRangeChanged.connect(lambda _box, span: self._refresh_curves(*span))

        self.view_box.emptyClicked.connect(self._add_point)
        self.view_box.pointClicked.connect(self.select_point)
        self.view_box.pointDragged.connect(self._move_point)
        self.view_box.deleteRequested.connect(lambda row: self.model.remove_rows([row]))
        model.pointsChanged.connect(self.refresh_points)  # every change, a reset too, emits it once
        self.refresh_points()

    def refresh_points(self) -> None:
        x, y = self.model.x(), self.model.y()
        self.view_box.points_x, self.view_box.points_y = x, y
        dense = x.size > DENSITY_THRESHOLD
        self.scatter.setVisible(not dense)
        if dense:  # the corners stand in for the markers when the view fits itself to the data
            self.scatter.setData(x=[], y=[])
            self.extent.setData(x=[float(x.min()), float(x.max())], y=[float(y.min()), float(y.max())])
        else:
            self.extent.setData(x=[], y=[])
            self.scatter.setData(x=x, y=y)
        self._refresh_split()
        self.density.image.setVisible(dense)
        self._refresh_density()
        self._refresh_line_extent()
        if self.selected_row is not None and self.selected_row >= x.size:
            self.selected_row = None
        self._refresh_highlight()
        self._refresh_residuals()

    def is_dense(self) -> bool:
        """True when the points are drawn as a density image instead of markers."""
        return self.density.image.isVisible()

    def set_fit(self, weight: float | None, bias: float | None, color: QColor | None = None) -> None:
        """Show the line y = weight·x + bias (None hides it), in a run's colour when given."""
        if weight is None or bias is None or not (math.isfinite(weight) and math.isfinite(bias)):
            self._fit = None
            self.fit_line.setVisible(False)
        else:
            pen = plot_style.FIT_PEN if color is None else plot_style.shared_pen(color, 2.0)
            if (weight, bias) == self._fit and self.fit_line.isVisible() and self._fit_pen is pen:
                return  # the same line again (a frame with no new step): nothing to repaint
            self._fit = (weight, bias)
            self.fit_curve.set_coefficients(None)  # a line replaces a polynomial's curve
            self.before_curve.set_coefficients(None)
            if self._fit_pen is not pen:  # setPen copies the pen and repaints: only when it changes
                self._fit_pen = pen
                self.fit_line.setPen(pen)
            self.fit_line.place(weight, bias)
            self.fit_line.setVisible(True)
        self._refresh_residuals()

    def set_before_line(self, weight: float | None, bias: float | None, color: QColor | None = None) -> None:
        """The line before the timeline's step, dashed and faint under the line after it (None hides it)."""
        if weight is None or bias is None or not (math.isfinite(weight) and math.isfinite(bias)):
            self.before_line.setVisible(False)
            return
        if color is not None:
            faint = QColor(color)
            faint.setAlpha(150)
            pen = plot_style.shared_pen(faint, 2.0, Qt.PenStyle.DashLine)
            if self._before_pen is not pen:
                self._before_pen = pen
                self.before_line.setPen(pen)
        if self._before != (weight, bias):
            self._before = (weight, bias)
            self.before_line.place(weight, bias)
        self.before_line.setVisible(True)

    def fit(self) -> tuple[float, float] | None:
        """(weight, bias) of the line drawn (tests read it back)."""
        return self._fit

    # --- polynomials and the validation split ------------------------------------------------------
    def set_curve(self, coefficients: tuple[float, ...] | None, color: QColor | None = None,
                  before: tuple[float, ...] | None = None) -> None:
        """Show the polynomial (constant term first) instead of a line, over `before` (the curve before the
        timeline's step, dashed and faint; None: none); None hides them."""
        pen = plot_style.FIT_PEN if color is None else plot_style.shared_pen(color, 2.0)
        self.fit_curve.set_coefficients(coefficients, pen)
        shown = self.fit_curve.coefficients is not None
        faint = QColor(color if color is not None else pen.color())
        faint.setAlpha(150)
        self.before_curve.set_coefficients(before if shown else None,
                                           plot_style.shared_pen(faint, 2.0, Qt.PenStyle.DashLine))
        if shown:
            self.set_fit(None, None)
            self.set_before_line(None, None)
        self._refresh_residuals()

    def show_model(self, coefficients: tuple[float, ...], weight: float, bias: float,
                   color: QColor | None = None) -> None:
        """A trained model: a line for degree 1 (its weight and bias), else the polynomial's curve."""
        if len(coefficients) > 2:
            self.set_curve(coefficients, color)
        else:
            self.set_curve(None)
            self.set_fit(weight, bias, color)

    def set_ghost_curve(self, coefficients: tuple[float, ...] | None) -> None:
        """The exact optimum of degree > 1 (or with L2), faint and dashed; None hides it."""
        self.ghost_curve.set_coefficients(coefficients)
        self.ghost_curve.setVisible(self.show_ghost and self.ghost_curve.coefficients is not None)

    def set_split(self, fraction: float, seed: int) -> None:
        """Draw hollow the points a run with this validation fraction and seed holds out."""
        if (fraction, seed) != self._split:
            self._split = (fraction, seed)
            self._refresh_split()

    def _refresh_split(self) -> None:
        count = self.model.rowCount()
        count = 0 if count > DENSITY_THRESHOLD else count  # a density image has no markers to ring
        self.held_rows = held_out(count, *self._split)
        self.scatter.setBrush(held_out_brushes(count, self.held_rows) if self.held_rows.size
                              else plot_style.POINT_BRUSH)

    def _refresh_curves(self, low: float, high: float) -> None:
        for curve in (self.fit_curve, self.ghost_curve, self.before_curve):
            curve.set_x_range(low, high)
        self.live.set_x_range(low, high)

    # --- every run that trains now: a line each, in its colour ---------------------------------------
    def frame_start_line(self, weight: float | None, bias: float | None) -> None:
        """Keep the line y = weight·x + bias (a run's start) inside the view while it fits itself to the
        data: called once when a run starts or is selected, never per frame. None forgets it."""
        finite = weight is not None and bias is not None and math.isfinite(weight) and math.isfinite(bias)
        line = (weight, bias) if finite else None
        if line != self._start_line:
            self._start_line = line  # type: ignore[assignment]
            self._refresh_line_extent()

    def _refresh_line_extent(self) -> None:
        x = self.model.x()
        if self._start_line is None or x.size == 0:
            self.line_extent.setData(x=[], y=[])
            return
        weight, bias = self._start_line
        ends = np.array([float(x.min()), float(x.max())])
        self.line_extent.setData(x=ends, y=weight * ends + bias)

    def add_live_run(self, run: Run) -> None:
        self.live.add(run)

    def set_followed(self, run: Run | None) -> None:
        """The live run whose line or curve the fitted one already shows at its newest step (the timeline
        follows it): its own live item is not drawn a second time under it."""
        self.live.set_followed(run)

    def remove_live_run(self, run: Run | None = None) -> None:
        """`run` ended (every live run when None): its own item goes; the selected run's stays drawn."""
        self.live.remove(run)

    def redraw_live(self) -> None:
        self.live.redraw()

    def live_line_of(self, run: Run) -> tuple[float, float] | None:
        """(weight, bias) drawn for a live run (tests): its own line, or the fitted line when that is the
        one showing it (the timeline follows the run)."""
        entry = self.live_lines.get(run.number)
        if entry is None:
            return None
        if run.number == self.live.followed:
            return self.fit() if self.fit_line.isVisible() else None
        line = entry[1]
        if not line.isVisible() or not isinstance(line, SlopeLine):  # a polynomial's curve has no (w, b)
            return None
        return math.tan(math.radians(line.angle)), float(line.pos().y())

    def set_ghost(self, weight: float | None, bias: float | None) -> None:
        """The exact least-squares line (None when there is none), drawn faint and dashed."""
        self._ghost = None if weight is None or bias is None else (weight, bias)
        if self._ghost is not None:
            self.ghost_line.place(*self._ghost)
        self.ghost_line.setVisible(self.show_ghost and self._ghost is not None)

    def set_show_ghost(self, shown: bool) -> None:
        self.show_ghost = shown
        self.ghost_line.setVisible(shown and self._ghost is not None)
        self.ghost_curve.setVisible(shown and self.ghost_curve.coefficients is not None)

    def set_show_residuals(self, shown: bool) -> None:
        self.show_residuals = shown
        self._refresh_residuals()

    def residual_segments(self) -> int:
        """How many residual segments are drawn (tests)."""
        x = self.residuals.xData
        return 0 if x is None or not self.residuals.isVisible() else len(x) // 2

    def _refresh_residuals(self) -> None:
        x, y = self.model.x(), self.model.y()
        curve = self.fit_curve.coefficients
        if not self.show_residuals or (self._fit is None and curve is None) or x.size > RESIDUAL_LIMIT:
            if self.residuals.xData is not None and len(self.residuals.xData):  # not every frame: it re-ranges
                self.residuals.setData([], [])
            self.residuals.setVisible(False)
            return
        predicted = evaluate(curve, x) if curve is not None else self._fit[0] * x + self._fit[1]  # type: ignore[index]
        self.residuals.setData(np.repeat(x, 2), np.column_stack([y, predicted]).reshape(-1))
        self.residuals.setVisible(True)

    def _refresh_density(self) -> None:
        if self.density.image.isVisible():
            self.density.draw(self.model.x(), self.model.y(), self.view_box.viewRange())

    def select_point(self, row: int | None) -> None:
        self.selected_row = row
        self._refresh_highlight()
        if row is not None:
            self.pointSelected.emit(row)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.keys.handle(event):
            event.accept()
        else:
            super().keyPressEvent(event)

    def move_crosshair(self, dx: int, dy: int, *, fine: bool = False) -> None:
        self.keys.move(dx, dy, fine=fine)

    def add_point_at(self, x: float, y: float) -> None:
        self._add_point(x, y)

    def remove_row(self, row: int) -> None:
        self.model.remove_rows([row])

    def view_to_widget(self, x: float, y: float) -> QPointF:
        """Where data coordinates (x, y) are on the viewport: for tests and keyboard control."""
        return QPointF(self.mapFromScene(self.view_box.mapViewToScene(QPointF(x, y))))

    def _add_point(self, x: float, y: float) -> None:
        self.model.add_point(*self.rounded_to_pixels(x, y))
        self.select_point(self.model.rowCount() - 1)

    def _move_point(self, row: int, x: float, y: float, drag_id: int) -> None:
        self.model.move_point(row, *self.rounded_to_pixels(x, y), drag_id)
        self.select_point(row)

    def rounded_to_pixels(self, x: float, y: float) -> tuple[float, float]:
        """(x, y) placed with the mouse or the crosshair, to the precision one pixel of the view resolves."""
        pixel_w, pixel_h = self.view_box.viewPixelSize()
        return round_to_pixel(x, pixel_w), round_to_pixel(y, pixel_h)

    def focusOutEvent(self, event) -> None:
        self.crosshair.setVisible(False)
        super().focusOutEvent(event)

    def _refresh_highlight(self) -> None:
        row = self.selected_row
        if row is None:
            self.highlight.setData(x=[], y=[])
        else:
            self.highlight.setData(x=[self.model.x()[row]], y=[self.model.y()[row]])
        self.highlight.setVisible(row is not None)  # an empty scatter still costs a paint on every frame
