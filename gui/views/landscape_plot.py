"""The loss landscape: the run's loss over (weight, bias) for the current points as a banded heat map, the
exact least-squares optimum as a star, and each shown run's path from its start to where it is now; for a
polynomial run, a slice through two of its coefficients (landscape_slice.py).

For MSE the surface is the engine's closed form (engine/analysis/least_squares.py): recomputing it for the
visible rectangle costs well under a millisecond at any number of points. MAE and Huber take a pass over
the points (engine/analysis/loss_surface.py), on a fixed sample above 20,000 of them, which the title
says. Either is redrawn whenever the points change or the view is panned or zoomed, always at screen
resolution. The view frames the optimum and the paths; it widens only when a live path leaves it. Every
live run moves its own dot; the timeline's step adds its dot and two arrows (step_arrows.py).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from engine.analysis.least_squares import LeastSquaresFit, Moments, least_squares, loss_grid
from engine.analysis.loss_surface import Objective, Sample, line_loss_grid, sample_points
from engine.training.losses import LOSSES
from gui.kit import number_format as fmt
from gui.kit import plot_style, plot_theme
from gui.kit.fast_curve import FastCurve
from gui.kit.fixed_lines import FixedLinesLabel
from gui.kit.steady_scatter import SteadyScatter
from gui.kit.widget_names import named
from gui.session.run_history import Run, RunHistoryModel
from gui.views.landscape_paths import (
    PositionDots,
    dot_style,
    framed_points,
    last_finite,
    on_screen_path,
    path_arrays,
)
from gui.views.landscape_shading import banded, dark_grey_bands, grey_bands, objective_text, sample_text
from gui.views.landscape_slice import LandscapeSlice
from gui.views.step_arrows import StepOverlay

GRID_COLUMNS = 160
GRID_ROWS = 120
FRAME_PADDING = 0.25
LIVE_DOT_SIZE = 13  # as big as the timeline's step marker: every racer's dot reads as a moving run
END_DOT_SIZE = 9
SLICE_INTERVAL_S = 0.5  # a live polynomial run's slice is shaded again at most this often
# a path's points kept, its stride, the view, and its start's loss (None: no finite point yet)
_Looked = tuple[int, int, tuple[float, float, float, float], float | None]


class LandscapeWidget(QWidget):
    def __init__(self, runs: RunHistoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.moments = Moments(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        self.optimum: LeastSquaresFit | None = None
        self.plot = named(pg.PlotWidget(), "landscapePlot",
                          "Loss landscape: the mean squared error for every (weight, bias). Darker is lower; the star "
                          "is the exact least-squares optimum, lines are the optimizers' paths. At the timeline's "
                          "step, the dashed arrow is the plain gradient step −lr·∇L, the solid one the step the "
                          "optimizer took. Hover to read a value; wheel zooms, drag pans, 'A' frames again.")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "weight w")
        item.setLabel("left", "bias b")
        plot_style.cache_axes(item)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        plot_theme.set_lookup_tables(self.image, grey_bands(), dark_grey_bands())  # follows the theme
        item.addItem(self.image, ignoreBounds=True)
        self.optimum_marker = SteadyScatter(symbol="star", size=18, pen=plot_style.OPTIMUM_PEN,
                                                 brush=plot_style.OPTIMUM_BRUSH)
        self.optimum_marker.setZValue(5)
        item.addItem(self.optimum_marker)
        # Still while a run plays: kept as pixmaps rather than painted again every frame.
        for still in (self.image, self.optimum_marker):
            still.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.position_marker = PositionDots(item.getViewBox(), 6)  # where each shown run is (or ended)
        self.paths: dict[int, FastCurve] = {}
        # Two lines, always: a narrow landscape wraps the text instead of cutting it, and the plot above
        # never changes height as the mouse moves.
        self.hover_label = named(FixedLinesLabel("Hover over the landscape to read w, b and the loss.", 2),
                                 "landscapeHover", "(w, b, loss) under the mouse", "Landscape value under the mouse")
        # In the plot's place for a polynomial: its loss is a surface over D + 1 coefficients, not (w, b).
        self.note = named(QLabel(), "landscapeNote", "Why no landscape is drawn for this model")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setVisible(False)
        self._model: tuple[int, str, bool] = (1, LOSSES.get("mse").label, False)
        self.objective = Objective()  # what the settings train: the (w, b) shading's loss
        self.sample = Sample(np.empty(0), np.empty(0), 0)
        self.slice = LandscapeSlice()  # a polynomial run's loss, two coefficients at a time
        self.slice.setVisible(False)
        self._slice_drawn_at = 0.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addWidget(self.slice, 1)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.hover_label)

        self.live_runs: dict[int, Run] = {}  # every run training now (a race moves three dots at once)
        self._drawn_latest: dict[int, tuple[int, float, float] | None] = {}
        # What the position dots show: per run its position, whether it trains, its colour.
        self._dots_drawn: list[tuple[tuple[float, float], bool, int]] = []
        self._widen_checked: dict[int, _Looked] = {}  # per live run: points, stride, view last seen
        self.selected: Run | None = None  # the timeline's run: drawn bold, even when it is an older one
        self.step_overlay = StepOverlay(item)
        self._weights, self._biases, self._losses = np.empty(0), np.empty(0), np.empty((0, 0))
        self._path_dirty = False
        self._surface_dirty = True
        item.getViewBox().sigRangeChanged.connect(self._on_range_changed)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        item.getViewBox().autoBtnClicked = self.frame  # 'A' frames the optimum and the paths, not the image
        runs.runsChanged.connect(self.sync_runs)

    # --- inputs --------------------------------------------------------------------------------------
    def set_moments(self, moments: Moments) -> None:
        """New points: new surface and optimum, framed again."""
        self.moments = moments
        self.optimum = least_squares(moments)
        if self.optimum is None:
            self.optimum_marker.setData([], [])
        else:
            self.optimum_marker.setData([self.optimum.weight], [self.optimum.bias])
        self.frame()

    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        """The points MAE and Huber are shaded over (a fixed sample of them above the limit)."""
        self.sample = sample_points(x, y)
        self._surface_dirty = True
        self._update_mode()

    def set_model(self, degree: int, loss_label: str, penalised: bool, objective: Objective | None = None) -> None:
        """What the settings train: a line is shaded with its own loss and penalties over (w, b); a
        polynomial gets a slice once a run of it is shown, a sentence before."""
        objective = objective or Objective()
        if (degree, loss_label, penalised) == self._model and objective == self.objective:
            return
        self._model = (degree, loss_label, penalised)
        self.objective = objective
        self._surface_dirty = True
        self._update_mode()
        if self.plot.isVisible() or not self.slice.isVisible():
            self._draw_surface()

    def _slice_run(self) -> Run | None:
        """The run the slice shows: the timeline's, else the newest training now — if it is a polynomial."""
        run = self.selected if self.selected is not None else self.live_run
        return run if run is not None and run.config.degree > 1 and run.coefficients() else None

    def _update_mode(self) -> None:
        """Show the (w, b) plot, the slice of a polynomial run, or the sentence; title what is shaded."""
        run = self._slice_run()
        degree = self._model[0]
        shown = self.selected if self.selected is not None else self.live_run
        polynomial = run is None and degree > 1 and (shown is None or shown.config.degree > 1)
        self.plot.setVisible(run is None and not polynomial)
        self.hover_label.setVisible(run is None and not polynomial)
        self.slice.setVisible(run is not None)
        self.note.setVisible(polynomial)
        if polynomial:
            self.note.setText(f"No loss landscape yet for degree {degree}: the loss is a surface over {degree + 1} "
                              "coefficients. Train a run to see a slice through two of them, the others held at "
                              "the run's values.")
        if run is not None:
            self.slice.show_run_of(run.config, run.coefficients(), self.sample, final=run.result is not None)
        plain = self.objective == Objective()
        sampled = "" if self.objective.loss == "mse" else sample_text(self.sample)  # MSE: moments of every point
        title = "" if plain else f"Shading: {objective_text(self.objective)}{sampled}"
        self.plot.getPlotItem().setTitle(title or None, size="8pt")

    @property
    def live_run(self) -> Run | None:
        """The newest run training now."""
        return next(reversed(self.live_runs.values()), None)

    def start_run(self, run: Run) -> None:
        self.live_runs[run.number] = run
        self._drawn_latest[run.number] = None
        self.sync_runs()
        self.frame()
        self._update_mode()

    def finish_run(self, run: Run | None = None) -> None:
        """`run` (every live run when None) ended: drawn once more, then no longer polled."""
        self.redraw()
        for done in list(self.live_runs.values()) if run is None else [run]:
            self.live_runs.pop(done.number, None)
            self._drawn_latest.pop(done.number, None)
            self._draw_path(done)
        self._draw_position()
        self._update_mode()

    def show_step(self, run: Run | None, position: int) -> None:
        """The timeline's step: a dot at the parameters there, and for a step, the arrows of −lr·∇L and
        of the step taken, from the parameters before it; a polynomial's slice moves its dot to that step."""
        self.step_overlay.show(run, position)
        coefficients = None if run is None else run.trace.coefficients_at(position)
        if coefficients is not None and run is self._slice_run():
            self.slice.move_marker(coefficients)

    def sync_runs(self) -> None:
        shown = {run.number: run for run in self.runs.shown_runs()}
        for number in [number for number in self.paths if number not in shown]:
            self.plot.removeItem(self.paths.pop(number))
        for number, run in shown.items():
            if number not in self.paths:
                self.paths[number] = path = FastCurve(run.label)
                self.plot.getPlotItem().addItem(path)
                self._draw_path(run)
            self.paths[number].setPen(plot_style.run_pen(run.color, current=self.is_bold(run)))
        self._draw_position()

    def set_selected(self, run: Run | None) -> None:
        """The run the timeline shows stands out; an older one picked in the Runs table alone."""
        if run is not self.selected:
            self.selected = run
            self.sync_runs()
            self._update_mode()

    def is_bold(self, run: Run) -> bool:
        return self.runs.stands_out(run, self.selected)

    # --- drawing -------------------------------------------------------------------------------------
    def redraw(self) -> None:
        """Each live run whose path grew since the last frame: its path, the dots, the view if it left it."""
        grown = [run for number, run in self.live_runs.items() if run.path.latest != self._drawn_latest.get(number)]
        paths = {run.number: self._path_arrays(run) for run in grown}  # built once a frame per run
        for run in grown:
            self._drawn_latest[run.number] = run.path.latest
            self._draw_path(run, paths[run.number])
        if grown:
            self._draw_position()
            for run in grown:
                self._widen_for(run, paths[run.number])
        if self._surface_dirty:
            self._draw_surface()
        sliced = self._slice_run()
        if sliced is not None and self.slice.isHidden():  # its first coefficients arrived: slice it now
            self._slice_drawn_at = time.monotonic()
            self._update_mode()
        elif sliced is not None and sliced.number in self.live_runs and sliced is not self.selected:
            self.slice.move_marker(sliced.coefficients())  # (the timeline moves the dot of the run it shows)
            if time.monotonic() - self._slice_drawn_at > SLICE_INTERVAL_S:  # MAE/Huber cost a pass over the points
                self._slice_drawn_at = time.monotonic()
                self.slice.show_run_of(sliced.config, sliced.coefficients(), self.sample)

    def frame(self) -> None:
        """Fit the view around the optimum and the shown paths' finite, not-yet-diverged parts."""
        ws: list[float] = []
        bs: list[float] = []
        if self.optimum is not None:
            # Around the optimum, as far as a move in w or in b alone costs about var(y) in loss: the
            # valley's shape shows whatever the data's units.
            scale = self.moments.var_y if self.moments.var_y > 0 else 1.0
            mean_x2 = self.moments.var_x + self.moments.mean_x**2
            half_w, half_b = 0.5 * (scale / mean_x2) ** 0.5, 0.5 * scale**0.5
            ws += [self.optimum.weight - half_w, self.optimum.weight + half_w]
            bs += [self.optimum.bias - half_b, self.optimum.bias + half_b]
        for run in self.runs.shown_runs():
            w, b, _ = self._framed_path(run)
            ws.extend(w.tolist())
            bs.extend(b.tolist())
        if not ws:
            ws, bs = [-1.0, 1.0], [-1.0, 1.0]
        self._set_view(min(ws), max(ws), min(bs), max(bs))

    def path_of(self, run: Run) -> tuple[np.ndarray, np.ndarray] | None:
        """The (w, b) drawn for `run`, from its start (tests read it)."""
        item = self.paths.get(run.number)
        if item is None or item.xData is None:
            return None
        return np.asarray(item.xData), np.asarray(item.yData)

    def surface(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The weights, biases and loss grid last drawn."""
        return self._weights, self._biases, self._losses

    def _draw_surface(self) -> None:
        self._surface_dirty = False
        (w0, w1), (b0, b1) = self.plot.getPlotItem().getViewBox().viewRange()
        self._weights = np.linspace(w0, w1, GRID_COLUMNS)
        self._biases = np.linspace(b0, b1, GRID_ROWS)
        self._losses = self.loss_over(self._weights, self._biases)
        if self.moments.n == 0:
            self.image.clear()
            return
        plain = self.objective == Objective()
        floor = self.optimum.loss if plain and self.optimum is not None else None
        self.image.setImage(banded(self._losses, floor), levels=(0.0, 1.0), autoLevels=False)
        step_w = (w1 - w0) / (GRID_COLUMNS - 1)
        step_b = (b1 - b0) / (GRID_ROWS - 1)
        self.image.setRect(QRectF(w0 - step_w / 2, b0 - step_b / 2, (w1 - w0) + step_w, (b1 - b0) + step_b))

    def loss_over(self, weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
        """The settings' loss (and penalty on w) over a grid: MSE from the moments of every point, MAE and
        Huber from a pass over the (sampled) points; rows follow `biases`, columns `weights`."""
        if self.objective.loss == "mse":
            return loss_grid(self.moments, weights, biases) + self.objective.penalty(weights)[np.newaxis, :]
        return line_loss_grid(self.sample.x, self.sample.y, weights, biases, self.objective)

    def _draw_path(self, run: Run, path: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        item = self.paths.get(run.number)
        if item is None:
            return
        w, b = path if path is not None else self._path_arrays(run)
        pixel = self.plot.getPlotItem().getViewBox().viewPixelSize()
        item.setData(*on_screen_path(w, b, pixel))

    def _draw_position(self) -> None:
        """A dot in each shown run's colour at its latest finite (w, b); the latest run's dot on top. A run
        training now (each racer of a race) has a filled dot in its colour, as big as the timeline's step
        marker; an ended run a small ring, its end marker."""
        spots, key = [], []
        for run in self.runs.shown_runs():
            position = last_finite(run)
            if position is not None:
                live = run.number in self.live_runs
                pen, brush = dot_style(run.color, live)
                spots.append({"pos": position, "pen": pen, "brush": brush,
                              "size": LIVE_DOT_SIZE if live else END_DOT_SIZE})
                key.append((position, live, run.color.rgba()))
        if key != self._dots_drawn:  # only on a change
            self._dots_drawn = key
            self.position_marker.setData(spots)

    def dot_styles(self) -> list[tuple[str, bool, float]]:
        """Per drawn dot: its fill colour (name), whether it is filled, and its size (tests)."""
        spots = self.position_marker.data
        return [(spot["brush"].color().name(), spot["brush"].color() != plot_style.OPTIMUM_BRUSH.color(),
                 float(spot["size"])) for spot in spots]

    def _path_arrays(self, run: Run) -> tuple[np.ndarray, np.ndarray]:
        return path_arrays(run)

    def _framed_path(self, run: Run, path: tuple[np.ndarray, np.ndarray] | None = None,
                     checked: _Looked | None = None) -> tuple[np.ndarray, np.ndarray, float | None]:
        """The path's finite points that are not a diverging excursion (far above the start's loss), and the
        start's loss (None: no finite point). `checked`: (points kept, stride, view, start's loss) at the last
        look: only the points kept since then and the newest, while neither the thinning nor the view changed."""
        w, b = path if path is not None else self._path_arrays(run)
        start_loss = checked[3] if checked is not None else None
        if checked is not None and start_loss is not None and checked[1:3] == (run.path.stride, self._view_range()) \
                and 0 < checked[0] <= len(run.path):
            w, b = w[checked[0]:], b[checked[0]:]  # w[i + 1] is kept point i
        else:
            start_loss = None
        return framed_points(w, b, self.moments, self.optimum.loss if self.optimum else 0.0, start_loss)

    def _view_range(self) -> tuple[float, float, float, float]:
        (w0, w1), (b0, b1) = self.plot.getPlotItem().getViewBox().viewRange()
        return float(w0), float(w1), float(b0), float(b1)

    def _widen_for(self, run: Run, path: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Frame again only when part of the live path (its start included) lies outside the view. Each
        frame looks only at the points that arrived since the last look (O(new points), not O(path))."""
        w, b, start_loss = self._framed_path(run, path, self._widen_checked.get(run.number))
        view = self._view_range()
        w0, w1, b0, b1 = view
        self._widen_checked[run.number] = (len(run.path), run.path.stride, view, start_loss)
        if w.size and not (w0 <= w.min() and w.max() <= w1 and b0 <= b.min() and b.max() <= b1):
            self._widen_checked.pop(run.number, None)
            self.frame()

    def _set_view(self, w0: float, w1: float, b0: float, b1: float) -> None:
        # A path that barely moves (or no path) still gets a view of the valley around it.
        span_w = max(w1 - w0, 0.1 * max(abs(w0), abs(w1)), 1e-6)
        span_b = max(b1 - b0, 0.1 * max(abs(b0), abs(b1)), 1e-6)
        centre_w, centre_b = (w0 + w1) / 2, (b0 + b1) / 2
        half_w, half_b = span_w * (0.5 + FRAME_PADDING), span_b * (0.5 + FRAME_PADDING)
        self.plot.getPlotItem().getViewBox().setRange(
            xRange=(centre_w - half_w, centre_w + half_w), yRange=(centre_b - half_b, centre_b + half_b), padding=0)
        self._surface_dirty = True
        self._draw_surface()

    def _on_range_changed(self, *_args: object) -> None:
        self._surface_dirty = True
        if not self.live_runs:
            self._draw_surface()
            for run in self.runs.shown_runs():  # the paths at the new zoom's resolution
                self._draw_path(run)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        view_box = self.plot.getPlotItem().getViewBox()
        if not view_box.sceneBoundingRect().contains(scene_pos):
            return
        point = view_box.mapSceneToView(scene_pos)
        loss = float(self.loss_over(np.array([point.x()]), np.array([point.y()]))[0, 0])
        self.hover_label.setText(f"w = {fmt.number(point.x(), 4)}, b = {fmt.number(point.y(), 4)}, "
                                 f"loss = {fmt.number(loss, 5)}")

    def hover_text_at(self, weight: float, bias: float) -> str:
        """What hovering at (weight, bias) shows (tests)."""
        scene = self.plot.getPlotItem().getViewBox().mapViewToScene(QPointF(weight, bias))
        self._on_mouse_moved(scene)
        return self.hover_label.text()
