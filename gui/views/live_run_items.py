"""One item on the data plot per run training now, at the run's newest step: a line for a line run, the
curve for a polynomial (a race of polynomials draws every racer's curve). The run the timeline follows is
drawn by the plot's fitted line or curve instead, so its own item hides rather than drawing it twice."""

from __future__ import annotations

import math

import pyqtgraph as pg

from gui.kit import plot_style
from gui.kit.pixel_lines import SlopeLine
from gui.session.run_history import Run
from gui.views.polynomial_items import PolynomialCurve

LiveItem = SlopeLine | PolynomialCurve


class LiveRunItems:
    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        self.items: dict[int, tuple[Run, LiveItem]] = {}
        self._drawn: dict[int, object] = {}  # what each item shows (None: draw it again)
        self.followed: int | None = None  # the live run the fitted line or curve already draws
        self._x_range = (0.0, 1.0)

    def add(self, run: Run) -> None:
        if run.number in self.items:
            return
        pen = plot_style.shared_pen(run.color, 1.5)
        item: LiveItem
        if run.config.degree > 1:
            item = PolynomialCurve(pen, -1.2)
            item.set_x_range(*self._x_range)
        else:
            item = SlopeLine(angle=0, pen=pen, movable=False)
            item.setZValue(-1.2)
        item.setVisible(False)
        self.plot.addItem(item, ignoreBounds=True)
        self.items[run.number] = (run, item)
        self._drawn[run.number] = None

    def set_followed(self, run: Run | None) -> None:
        number = None if run is None else run.number
        if number != self.followed:
            self.followed = number
            for entry_number in self.items:
                self._drawn[entry_number] = None  # drawn again at the next frame, shown or hidden

    def remove(self, run: Run | None = None) -> None:
        """`run` ended (every live run when None): its own item goes."""
        for number in list(self.items) if run is None else [run.number]:
            entry = self.items.pop(number, None)
            self._drawn.pop(number, None)
            if entry is not None:
                self.plot.removeItem(entry[1])

    def set_x_range(self, low: float, high: float) -> None:
        self._x_range = (low, high)
        for _, item in self.items.values():
            if isinstance(item, PolynomialCurve):
                item.set_x_range(low, high)

    def redraw(self) -> None:
        """Each item at its run's newest step (O(1) per run); an item whose run did not move since the last
        frame is not touched (moving it repaints the plot)."""
        for number, (run, item) in self.items.items():
            shown: object = run.live_coefficients if isinstance(item, PolynomialCurve) else run.path.latest
            if shown is not None and shown == self._drawn.get(number):
                continue
            self._drawn[number] = shown
            if number == self.followed:
                item.setVisible(False)
            elif isinstance(item, PolynomialCurve):
                item.set_coefficients(run.live_coefficients or None)  # hidden until the first batch
            else:
                latest = run.path.latest
                if latest is None or not (math.isfinite(latest[1]) and math.isfinite(latest[2])):
                    item.setVisible(False)
                    continue
                item.place(latest[1], latest[2])  # as the plot places its lines
                item.setVisible(True)
