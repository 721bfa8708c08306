"""The loss plot: the current run's loss per epoch, streamed live, with earlier runs faded behind it.

Batches from the worker only append to numpy buffers; a timer redraws at display rate when something
changed, so a run of millions of epochs costs a few dozen setData calls a second, never one per epoch.
Peak-mode downsampling and clip-to-view keep long curves fast. The axes move in coarse steps (the x axis
spans the whole run, the y axis whole decades on the log scale), because laying out and painting an
axis costs several milliseconds and a smoothly rescaling axis would pay that on every frame.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from engine.loss_history import GrowingBuffer
from gui import plot_style

REDRAW_INTERVAL_MS = 16
MAX_EARLIER_RUNS = 8
MAX_DRAWN_POINTS = 8192  # a few points per pixel of a wide plot; more only costs time


def peak_decimate(x: np.ndarray, y: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """At most about `limit` points that keep every block's minimum and maximum, so spikes and the lowest
    loss stay visible. One vectorised pass: cheaper than handing pyqtgraph the whole curve each frame."""
    if x.size <= limit:
        return x, y
    block = -(-x.size // (limit // 2))
    whole = (x.size // block) * block
    blocks = y[:whole].reshape(-1, block)
    x_blocks = x[:whole].reshape(-1, block)
    low_at = blocks.argmin(axis=1)
    high_at = blocks.argmax(axis=1)
    first = np.minimum(low_at, high_at)
    second = np.maximum(low_at, high_at)
    rows = np.arange(blocks.shape[0])
    xs = np.column_stack([x_blocks[rows, first], x_blocks[rows, second]]).reshape(-1)
    ys = np.column_stack([blocks[rows, first], blocks[rows, second]]).reshape(-1)
    if whole == x.size:
        return xs, ys
    tail_x, tail_y = x[whole:], y[whole:]
    ends = sorted({int(tail_y.argmin()), int(tail_y.argmax())})
    return np.concatenate([xs, tail_x[ends]]), np.concatenate([ys, tail_y[ends]])


class LossPlotWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("lossPlot")
        self.plot.setAccessibleName("lossPlot")
        self.plot.setToolTip("Loss (mean squared error) per epoch. Earlier runs stay faded until cleared.")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss (MSE)")
        item.showGrid(x=False, y=False)  # a grid is drawn by the axes and made each axis repaint cost ~8 ms
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        plot_style.cache_axes(item)
        self.curve = item.plot(pen=plot_style.LOSS_PEN, name="current run")
        self.earlier: list[pg.PlotDataItem] = []
        self.epochs = GrowingBuffer(dtype=np.float64)
        self.losses = GrowingBuffer(dtype=np.float64)
        self._dirty = False
        self._low = math.inf  # smallest and largest finite loss of the current run
        self._high = -math.inf
        self._y_range: tuple[float, float] | None = None

        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setObjectName("logScaleCheck")
        self.log_scale.setAccessibleName("Log scale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis")
        self.log_scale.setChecked(True)
        self.log_scale.toggled.connect(self.set_log_scale)
        self.clear_button = QPushButton("Clear earlier runs")
        self.clear_button.setObjectName("clearRunsButton")
        self.clear_button.setAccessibleName("Clear earlier runs")
        self.clear_button.setToolTip("Remove the faded curves of earlier runs")
        self.clear_button.clicked.connect(self.clear_earlier_runs)
        controls = QHBoxLayout()
        controls.addWidget(self.log_scale)
        controls.addStretch(1)
        controls.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.plot)
        self.set_log_scale(True)

        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_INTERVAL_MS)
        self.timer.timeout.connect(self.redraw)

    def start_run(self, total_epochs: int | None = None) -> None:
        """Fade the current curve into the earlier runs and start an empty one. With `total_epochs` the
        x axis spans the whole run from the start: the curve grows left to right like a progress bar,
        and the axis is not re-laid out on every frame."""
        if len(self.losses):
            self.redraw()
            faded, self.curve = self.curve, self.plot.getPlotItem().plot(pen=plot_style.LOSS_PEN)
            faded.setZValue(-1)  # the finished curve itself fades: no copy of its data
            self.earlier.insert(0, faded)
            while len(self.earlier) > MAX_EARLIER_RUNS:
                self.plot.removeItem(self.earlier.pop())
            for age, curve in enumerate(self.earlier):
                curve.setPen(plot_style.faded_pen(age))
        # New buffers, not cleared ones: the faded curve still shows the old buffers' memory.
        self.epochs = GrowingBuffer(dtype=np.float64)
        self.losses = GrowingBuffer(dtype=np.float64)
        self._low, self._high, self._y_range = math.inf, -math.inf, None
        self.curve.setData([], [])
        self._frame_x(total_epochs)
        self.timer.start()

    def append(self, epochs: np.ndarray, losses: np.ndarray) -> None:
        self.epochs.extend(epochs)
        self.losses.extend(losses)
        finite = losses[np.isfinite(losses)]
        if finite.size:
            self._low = min(self._low, float(finite.min()))
            self._high = max(self._high, float(finite.max()))
        self._dirty = True

    def finish_run(self) -> None:
        self.timer.stop()
        self.redraw()

    def show_history(self, losses: np.ndarray) -> None:
        """Show a finished run's whole history (a reopened project)."""
        self.epochs.clear()
        self.losses.clear()
        self._low, self._high, self._y_range = math.inf, -math.inf, None
        self.append(np.arange(1, losses.size + 1, dtype=np.float64), losses)
        self._frame_x(losses.size or None)
        self.redraw()

    def clear_earlier_runs(self) -> None:
        for curve in self.earlier:
            self.plot.removeItem(curve)
        self.earlier.clear()

    def set_log_scale(self, enabled: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=enabled)
        for curve in self.earlier:
            x, y = curve.getOriginalDataset()
            curve.setData(x, self._shown(y) if y is not None else y)
        self._y_range = None
        self._dirty = True
        self.redraw()

    def point_count(self) -> int:
        return len(self.losses)

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        epochs, losses = peak_decimate(self.epochs.view(), self.losses.view(), MAX_DRAWN_POINTS)
        self.curve.setData(epochs, self._shown(losses))
        self._frame_y()

    def _frame_y(self) -> None:
        """Whole decades on the log axis, a rounded top on the linear one; changed only when the data
        leaves the current range."""
        if not math.isfinite(self._low):
            return
        item = self.plot.getPlotItem()
        wanted: tuple[float, float]
        if self.log_scale.isChecked():
            low = max(self._low, np.finfo(np.float64).tiny)
            bottom, top = math.floor(math.log10(low)), math.ceil(math.log10(max(self._high, low)))
            wanted = (float(bottom), float(max(top, bottom + 1)))
        else:
            step = 10 ** math.floor(math.log10(self._high)) if self._high > 0 else 1.0
            wanted = (min(0.0, self._low), math.ceil(self._high / step) * step)
        if wanted != self._y_range:
            self._y_range = wanted
            item.enableAutoRange(y=False)
            item.setYRange(*wanted, padding=0.02)

    def _frame_x(self, total_epochs: int | None) -> None:
        item = self.plot.getPlotItem()
        if total_epochs:
            item.enableAutoRange(x=False)
            item.setXRange(0, total_epochs, padding=0.02)
        else:
            item.enableAutoRange(x=True)

    def _shown(self, losses: np.ndarray) -> np.ndarray:
        """A loss of exactly 0 has no logarithm: on the log axis it is drawn at the smallest float."""
        if self.log_scale.isChecked():
            return np.maximum(losses, np.finfo(np.float64).tiny)
        return losses
