"""A small plot beside the loss plot: the learning rate the panel's schedule gives each epoch of the run
(hidden for a constant rate, which it would draw as a flat line).

The rates come from the schedule's own `next_rate` (the recurrence the fused loop steps, torch's formulas),
so what is drawn is the rate the run will use. A run of more than MAX_ITERATED epochs is drawn from
MAX_ITERATED evenly spaced epochs of the schedule's closed form instead: a billion Python steps would
freeze the window, and no plot this small shows the difference.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from engine.training.config import TrainingConfig
from engine.training.schedules import SCHEDULES

MAX_ITERATED = 20_000
MIN_WIDTH_PX = 90  # beside the loss plot, which needs the height on a 768-pixel screen
RATE_PEN = pg.mkPen("#7f7f7f", width=1.5)


def scheduled_rates(config: TrainingConfig) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, rate used in each): epoch 1 trains at the learning rate, each later one at what the schedule
    made of the one before."""
    spec = SCHEDULES.get(config.schedule)
    base = config.learning_rate
    if config.epochs <= MAX_ITERATED:
        rates = np.empty(config.epochs)
        rate = base
        for epoch in range(config.epochs):
            rates[epoch] = rate
            rate = spec.next_rate(rate, base, epoch + 1, config)
        return np.arange(1, config.epochs + 1, dtype=np.float64), rates
    epochs = np.unique(np.linspace(1, config.epochs, MAX_ITERATED).round())
    done = epochs - 1  # epochs finished before each: what the schedule has stepped
    if config.schedule == "step":
        rates = base * config.resolved_gamma ** np.floor(done / config.resolved_step_size)
    elif config.schedule == "exponential":
        rates = base * config.resolved_gamma ** done
    elif config.schedule == "cosine":
        rates = base * (1 + np.cos(math.pi * done / config.epochs)) / 2
    else:
        rates = np.full(epochs.size, base)
    return epochs, rates


class LearningRatePlot(pg.PlotWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("learningRatePlot")
        self.setAccessibleName("learningRatePlot")
        self.setToolTip("The learning rate in each epoch of the next run, as the chosen schedule sets it")
        self.setMinimumWidth(MIN_WIDTH_PX)
        item = self.getPlotItem()
        item.setTitle("lr schedule", size="8pt")
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.getAxis("left").enableAutoSIPrefix(False)
        self.curve = item.plot(pen=RATE_PEN)
        self._shown: tuple[object, ...] | None = None

    def show_schedule(self, config: TrainingConfig) -> None:
        """Draw the rates `config` schedules (nothing is recomputed when they are the same as drawn)."""
        key = (config.schedule, config.learning_rate, config.epochs, config.resolved_step_size,
               config.resolved_gamma)
        if key == self._shown:
            return
        self._shown = key
        self.setVisible(SCHEDULES.get(config.schedule).changes_rate)  # a flat line says nothing: no plot
        epochs, rates = scheduled_rates(config)
        self.curve.setData(epochs, rates)
        self.getPlotItem().setXRange(0, config.epochs, padding=0.02)
        # Two ticks only, the run's ends: this narrow axis cannot hold more labels without them overlapping.
        self.getPlotItem().getAxis("bottom").setTicks([[(0.0, "0"), (float(config.epochs), f"{config.epochs:,}")]])
        self.getPlotItem().setYRange(0, config.learning_rate, padding=0.1)

    def drawn(self) -> tuple[np.ndarray, np.ndarray]:
        """The epochs and rates drawn (tests)."""
        return np.asarray(self.curve.xData), np.asarray(self.curve.yData)
