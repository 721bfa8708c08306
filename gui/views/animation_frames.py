"""One run drawn at one timeline position, offscreen, as an RGB array: the frames of an animation export.

The data plot (the points and the line or polynomial at that step), the loss landscape (the path so far and
a dot) and the loss plot (the curve with a cursor at that epoch) side by side under a title line. The
landscape is shaded (the mean squared error over (w, b), its minimum starred) for a line trained on it
without a penalty or a split; for any other run the middle plot draws the path alone, of (w, b) for a line and of the
polynomial's linear and constant coefficients in the user's units for a polynomial, and the title gives the
epoch's loss as the run measured it. Its own small
plots, never the window's: the window keeps training and drawing while an export renders, and each frame
here has fixed axes so the animation does not jump. What it draws is a snapshot of the run taken when the
export starts (`RunFilm`): a run that keeps training meanwhile changes nothing in the file.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsTextItem, QStyleOptionGraphicsItem

from engine.analysis.least_squares import LeastSquaresFit, Moments, least_squares, loss_grid
from gui.kit import number_format as fmt
from gui.kit import plot_style
from gui.session.run_history import Run
from gui.views.animation_framing import data_view, landscape_view

GRID_COLUMNS, GRID_ROWS = 240, 160
CURVE_SAMPLES = 200  # a polynomial's curve across the data plot
BANDS = 18
PATH_PIXEL = 1.0  # the landscape path is drawn through positions this far apart along it, in pixels
DOT_RADIUS = 5.0  # the window's dot: a 10-pixel circle
TITLE_SIZE, TITLE_COLOR = "11pt", "#222"


@dataclass(frozen=True)
class RunFilm:
    """What the frames show, copied from a Run (its trace may grow or thin while the export runs)."""

    label: str
    color: str
    x: np.ndarray
    y: np.ndarray
    steps: np.ndarray  # per timeline position (0 first)
    epochs: np.ndarray  # per timeline position; 0 before the first step
    weights: np.ndarray
    biases: np.ndarray
    losses: np.ndarray  # per epoch
    moments: Moments
    coefficients: np.ndarray | None = None  # a polynomial's, per timeline position [positions, P]
    shaded: bool = True  # a line with MSE and no penalty: the (w, b) landscape and its optimum are drawn

    @classmethod
    def of(cls, run: Run) -> RunFilm | None:
        """The run as it is now; None when it has taken no step that its trace kept."""
        trace = run.trace
        if trace.steps_run == 0 or len(trace) < 2:
            return None
        steps, weights, biases, _ = trace.columns()
        epochs = np.concatenate([[0], trace.records().epochs]).astype(np.int64)
        coefficients = trace.coefficient_columns()
        if coefficients is not None:  # the path of the polynomial's linear and constant coefficients
            weights, biases = coefficients[:, 1].copy(), coefficients[:, 0].copy()
        config = run.config
        shaded = (config.degree == 1 and config.loss == "mse" and config.l1 == 0.0 and config.l2 == 0.0
                  and config.validation_fraction == 0.0)  # else the run's loss is not the MSE over every point
        x = run.points.x.copy() if run.points is not None else np.empty(0)
        y = run.points.y.copy() if run.points is not None else np.empty(0)
        losses = np.array(run.loss_values(), dtype=np.float64)
        return cls(run.label, run.color.name(), x, y, steps, epochs, weights, biases, losses,
                   Moments.of_columns(x, y), coefficients, shaded)

    @property
    def positions(self) -> int:
        return int(self.steps.size)

    def frame_positions(self, frames: int) -> np.ndarray:
        """`frames` timeline positions spread evenly from the start to the newest step (repeats when the
        run has fewer positions than frames: each then shows for longer)."""
        return np.rint(np.linspace(0, self.positions - 1, frames)).astype(np.int64)

    def title(self, position: int) -> str:
        w, b = float(self.weights[position]), float(self.biases[position])
        epoch = int(self.epochs[position])
        head = f"{self.label} — epoch {epoch} · step {int(self.steps[position]):,} · "
        if not self.shaded:  # the loss the run measured over that epoch (its own loss function)
            loss = fmt.number(float(self.losses[epoch - 1]), 5) if 0 < epoch <= self.losses.size else "—"
            return head + f"loss {loss} · " + (f"c₁ {fmt.number(w, 5)} c₀ {fmt.number(b, 5)}"
                                               if self.coefficients is not None else
                                               f"w {fmt.number(w, 5)} b {fmt.number(b, 5)}")
        loss_here = float(self.moments.loss(w, b)) if self.moments.n else float("nan")
        return head + f"loss {fmt.number(loss_here, 5)} · w {fmt.number(w, 5)} b {fmt.number(b, 5)}"


class FrameRenderer:
    """Three plots side by side under a title, at any timeline position of one film.

    Everything that stays put across frames (axes, points, the landscape's bands, the optimum, the
    least-squares line, the whole loss curve faded) is laid out once by pyqtgraph and rendered once into a
    background; a frame is a copy of it with the moving parts (the run's line, its path and dot, the loss so
    far, the cursor, the title) painted straight on with QPainter in pixel coordinates. That is what a
    scene render of every item would give, at a fraction of the cost: 300 frames must take less time than
    the run they show.
    """

    def __init__(self, film: RunFilm, width: int, height: int) -> None:
        self.film, self.width, self.height = film, width, height
        self.optimum = least_squares(film.moments) if film.moments.n and film.shaded else None
        self.color = QColor(film.color)
        self._run_pen = pg.mkPen(self.color, width=2)
        self._dot_pen = pg.mkPen(self.color, width=2)
        self._cursor_pen = pg.mkPen("#333", width=1, style=Qt.PenStyle.DashLine)
        self._dot_brush = QBrush(plot_style.OPTIMUM_BRUSH)
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.widget.setBackground("w")
        self.widget.resize(width, height)
        self.widget.show()  # not on screen (WA_DontShowOnScreen); a hidden view never lays out its plots
        self.title = self.widget.addLabel("", row=0, col=0, colspan=3, size=TITLE_SIZE,
                                          color=TITLE_COLOR)  # reserves the title's row; painted per frame
        self.data = self._plot(1, 0, "x", "y")
        polynomial = film.coefficients is not None
        self.landscape = self._plot(1, 1, "coefficient of x, c₁" if polynomial else "weight w",
                                    "constant, c₀" if polynomial else "bias b")
        losses = film.losses
        self.log_loss = bool((np.isfinite(losses) & (losses > 0)).any())  # a log axis, as the window's default
        self.loss = self._plot(1, 2, "epoch", "loss", log_y=self.log_loss)
        self._draw_data()
        self._draw_surface()
        self._draw_loss()
        for plot in (self.data, self.landscape, self.loss):  # lay out now, not at the next event-loop turn
            plot.layout.activate()
        self.widget.ci.layout.activate()
        self.title.item.setVisible(False)
        self._background = self._render_scene()
        self._text = QGraphicsTextItem()  # the title, outside the scene: a new text never moves the layout
        self._title_rect = self.title.sceneBoundingRect()
        self.data_map, self.landscape_map, self.loss_map = (ViewMap.of(plot) for plot in
                                                            (self.data, self.landscape, self.loss))
        self._path_x, self._path_y = self.landscape_map.to_pixels(film.weights, film.biases)
        self._path_kept = _travelled(self._path_x, self._path_y)
        self._loss_layer, self._loss_layer_origin = self._loss_so_far_layer()
        self._option = QStyleOptionGraphicsItem()

    def _loss_so_far_layer(self) -> tuple[QImage, QPoint]:
        """The whole loss curve in the run's colour on a transparent layer over the loss plot: a frame shows
        it up to the cursor (the loss so far is the whole curve cut there)."""
        losses = self.film.losses
        epochs = np.arange(1, losses.size + 1, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            shown = np.log10(np.where(losses > 0, losses, np.nan)) if self.log_loss else losses
        xs, ys = self.loss_map.to_pixels(*_peaks(epochs, shown, 2 * self.width))
        rect = self.loss_map.rect.toAlignedRect()
        layer = QImage(rect.size(), QImage.Format.Format_ARGB32_Premultiplied)
        layer.fill(Qt.GlobalColor.transparent)
        painter = QPainter(layer)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.translate(-rect.left(), -rect.top())
            painter.setClipRect(self.loss_map.rect)
            painter.setPen(self._run_pen)
            painter.drawPath(pg.functions.arrayToQPath(xs, ys, connect="finite"))
        finally:
            painter.end()
        return layer, rect.topLeft()

    def _plot(self, row: int, col: int, bottom: str, left: str, log_y: bool = False) -> pg.PlotItem:
        plot = self.widget.addPlot(row=row, col=col)
        plot.setLogMode(x=False, y=log_y)  # before the axes are sized: it lets them size themselves again
        plot.setLabel("bottom", bottom)
        plot.setLabel("left", left)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.getViewBox().setMouseEnabled(False, False)
        plot.disableAutoRange()
        plot.getAxis("bottom").setHeight(44)  # the same for all three: their axes line up
        plot.getAxis("left").setWidth(plot_style.LEFT_AXIS_WIDTH)
        return plot

    def _draw_data(self) -> None:
        film = self.film
        if film.x.size:
            self.data.addItem(pg.ScatterPlotItem(film.x[:20_000], film.y[:20_000], size=7, pen=plot_style.POINT_PEN,
                                                 brush=plot_style.POINT_BRUSH))
        x_range, y_range = data_view(film)
        self._line_x = np.array(x_range)
        self._curve_x = np.linspace(x_range[0], x_range[1], CURVE_SAMPLES)
        if self.optimum is not None:
            self.data.plot(self._line_x, self.optimum.weight * self._line_x + self.optimum.bias,
                           pen=plot_style.GHOST_PEN)
        self.data.setRange(xRange=x_range, yRange=y_range, padding=0)

    def _draw_surface(self) -> None:
        film = self.film
        (w0, w1), (b0, b1) = landscape_view(film, self.optimum)
        if film.moments.n and film.shaded:
            image = pg.ImageItem(_bands(film.moments, self.optimum, (w0, w1), (b0, b1)), axisOrder="row-major")
            image.setLookupTable(_grey_bands())
            image.setLevels((0.0, 1.0))
            image.setRect(QRectF(w0, b0, w1 - w0, b1 - b0))
            image.setZValue(-10)
            self.landscape.addItem(image)
        if self.optimum is not None:
            self.landscape.addItem(pg.ScatterPlotItem([self.optimum.weight], [self.optimum.bias], symbol="star",
                                                      size=16, pen=plot_style.OPTIMUM_PEN,
                                                      brush=plot_style.OPTIMUM_BRUSH))
        self.landscape.setRange(xRange=(w0, w1), yRange=(b0, b1), padding=0)

    def _draw_loss(self) -> None:
        losses = self.film.losses
        epochs = np.arange(1, losses.size + 1, dtype=np.float64)
        positive = losses[np.isfinite(losses) & (losses > 0)]
        shown = np.where(np.isfinite(losses) & (losses > 0), losses, np.nan) if self.log_loss else losses
        faded = QColor(self.color)
        faded.setAlpha(90)
        self.loss.plot(epochs, shown, pen=pg.mkPen(faded, width=1), connect="finite")
        top = max(float(epochs[-1]) if epochs.size else 1.0, 1.0)
        self.loss.setXRange(0, top, padding=0.02)
        finite = positive if self.log_loss else losses[np.isfinite(losses)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
            if self.log_loss:
                low, high = np.log10(low), np.log10(high)
            span = max(high - low, 1e-9)
            self.loss.setYRange(low - 0.05 * span, high + 0.05 * span, padding=0)

    def _render_scene(self) -> np.ndarray:
        frame = np.full((self.height, self.width, 4), 255, dtype=np.uint8)
        image = self._image(frame)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.widget.scene().render(painter, QRectF(image.rect()), self.widget.sceneRect())
        finally:
            painter.end()
        return frame

    def _image(self, frame: np.ndarray) -> QImage:
        """A QImage over the array's memory: QPainter draws into the array itself."""
        return QImage(frame.data, self.width, self.height, 4 * self.width, QImage.Format.Format_RGBX8888)

    def render(self, position: int) -> np.ndarray:
        """The frame at `position`: uint8 [height, width, 4], RGBX (the fourth byte 255), painted straight into
        the array; the encoders take it as it is (4 bytes a pixel is what QPainter draws into fastest)."""
        frame = self._background.copy()
        image = self._image(frame)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_line(painter, position)
            self._paint_path(painter, position)
            self._paint_loss(painter, int(self.film.epochs[position]))
            self._paint_title(painter, position)
        finally:
            painter.end()
        return frame

    def _paint_line(self, painter: QPainter, position: int) -> None:
        if self.film.coefficients is not None:
            self._paint_curve(painter, self.film.coefficients[position])
            return
        w, b = float(self.film.weights[position]), float(self.film.biases[position])
        xs, ys = self.data_map.to_pixels(self._line_x, w * self._line_x + b)
        if np.isfinite(xs).all() and np.isfinite(ys).all():
            painter.setClipRect(self.data_map.rect)
            painter.setPen(self._run_pen)
            painter.drawLine(QPointF(xs[0], ys[0]), QPointF(xs[1], ys[1]))

    def _paint_curve(self, painter: QPainter, coefficients: np.ndarray) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.polyval(coefficients[::-1], self._curve_x)
        xs, ys = self.data_map.to_pixels(self._curve_x, values)
        painter.setClipRect(self.data_map.rect)
        painter.setPen(self._run_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(pg.functions.arrayToQPath(xs, ys, connect="finite"))

    def _paint_path(self, painter: QPainter, position: int) -> None:
        """The path through every position kept so far (a pixel's travel apart) and this one, then the dot."""
        kept = self._path_kept[: int(np.searchsorted(self._path_kept, position, side="right"))]
        xs = np.append(self._path_x[kept], self._path_x[position])
        ys = np.append(self._path_y[kept], self._path_y[position])
        painter.setClipRect(self.landscape_map.rect)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if xs.size > 1:
            painter.setPen(self._run_pen)
            painter.drawPath(pg.functions.arrayToQPath(xs, ys, connect="finite"))
        x, y = float(self._path_x[position]), float(self._path_y[position])
        if np.isfinite(x) and np.isfinite(y):
            painter.setPen(self._dot_pen)
            painter.setBrush(self._dot_brush)
            painter.drawEllipse(QPointF(x, y), DOT_RADIUS, DOT_RADIUS)

    def _paint_loss(self, painter: QPainter, epoch: int) -> None:
        cursor_x = float(self.loss_map.to_pixels(np.array([float(epoch)]), np.zeros(1))[0][0])
        rect = self.loss_map.rect
        if epoch > 0 and np.isfinite(cursor_x):
            origin = self._loss_layer_origin
            shown = min(self._loss_layer.width(), max(0, int(np.ceil(cursor_x)) + 2 - origin.x()))
            painter.setClipping(False)
            painter.drawImage(origin, self._loss_layer, QRect(0, 0, shown, self._loss_layer.height()))
        if np.isfinite(cursor_x):
            painter.setClipRect(rect)
            painter.setPen(self._cursor_pen)
            painter.drawLine(QPointF(cursor_x, rect.top()), QPointF(cursor_x, rect.bottom()))

    def _paint_title(self, painter: QPainter, position: int) -> None:
        """The title centred in the row pyqtgraph laid out for it, drawn as pyqtgraph's LabelItem draws it."""
        self._text.setHtml(f"<span style='color: {TITLE_COLOR}; font-size: {TITLE_SIZE}'>"
                           f"{html.escape(self.film.title(position))}</span>")
        bounds = self._text.boundingRect()
        painter.setClipping(False)
        painter.save()
        painter.translate(self._title_rect.center() - bounds.center())
        self._text.paint(painter, self._option, self.widget)
        painter.restore()

    def close(self) -> None:
        self.widget.close()
        self.widget.deleteLater()


@dataclass(frozen=True)
class ViewMap:
    """A plot's view coordinates (log10 on a log axis) to frame pixels, and the plot's area in pixels."""

    scale_x: float
    scale_y: float
    offset_x: float
    offset_y: float
    rect: QRectF

    @classmethod
    def of(cls, plot: pg.PlotItem) -> ViewMap:
        view = plot.getViewBox()
        transform = view.childGroup.sceneTransform()  # the scene is the frame, pixel for pixel
        return cls(transform.m11(), transform.m22(), transform.dx(), transform.dy(), view.sceneBoundingRect())

    def to_pixels(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(over="ignore", invalid="ignore"):
            return self.scale_x * x + self.offset_x, self.scale_y * y + self.offset_y


def _travelled(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The positions (indices) the path is drawn through: the first, each one that has travelled at least
    PATH_PIXEL along the path since the previous one kept, and each one beside a gap (a non-finite position).
    A converged run stacks hundreds of steps on one pixel; each would cost a stroke and change nothing."""
    finite = np.isfinite(xs) & np.isfinite(ys)
    with np.errstate(invalid="ignore", over="ignore"):
        steps = np.hypot(np.diff(xs), np.diff(ys))
    steps[~np.isfinite(steps)] = 0.0
    pixel = np.floor(np.concatenate([[0.0], np.cumsum(steps)]) / PATH_PIXEL)
    keep = np.ones(xs.size, dtype=bool)
    keep[1:] = pixel[1:] != pixel[:-1]
    keep[1:] |= finite[1:] != finite[:-1]
    keep[:-1] |= finite[:-1] != finite[1:]
    return np.flatnonzero(keep)


def _peaks(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """A long curve as each column's lowest and highest value (as pyqtgraph's peak downsampling draws it)."""
    size = x.size // columns
    if size < 2:
        return x, y
    count = x.size // size
    head_x, head_y = x[: count * size].reshape(count, size), y[: count * size].reshape(count, size)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column stays NaN: a gap, as before
        low, high = np.nanmin(head_y, axis=1), np.nanmax(head_y, axis=1)
    peak_x = np.repeat(head_x[:, 0], 2)
    peak_y = np.column_stack([low, high]).ravel()
    return np.concatenate([peak_x, x[count * size:]]), np.concatenate([peak_y, y[count * size:]])


def _bands(moments: Moments, optimum: LeastSquaresFit | None, w_range: tuple[float, float],
           b_range: tuple[float, float]) -> np.ndarray:
    """The landscape's grey bands (log of the loss above the optimum, in BANDS steps), as the window draws."""
    losses = loss_grid(moments, np.linspace(*w_range, GRID_COLUMNS), np.linspace(*b_range, GRID_ROWS))
    excess = losses - (optimum.loss if optimum is not None else float(losses.min()))
    positive = excess[excess > 0]
    shade = np.log10(np.maximum(excess, float(positive.min()) if positive.size else 1.0))
    low, high = float(shade.min()), float(shade.max())
    return np.floor((shade - low) / max(high - low, 1e-12) * (BANDS - 1e-9)) / (BANDS - 1)


def _grey_bands() -> np.ndarray:
    shade = np.linspace(105, 246, BANDS).astype(np.ubyte)
    return np.column_stack([shade, shade, np.minimum(shade + 8, 255)]).astype(np.ubyte)
