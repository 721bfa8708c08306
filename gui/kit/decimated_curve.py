"""A loss curve kept ready to draw: each block of epochs is reduced to its minimum and maximum as it
arrives, so drawing a frame never reads the whole history (10 million epochs stay ~2 × MAX_BLOCKS points).

When the blocks outnumber MAX_BLOCKS, neighbours merge pairwise (the min of two mins, the max of two
maxes) and new data is reduced in blocks twice as long. Spikes and the lowest loss stay visible; the
newest epoch is always drawn.
"""

from __future__ import annotations

import numpy as np

from engine.training.loss_history import GrowingBuffer

MAX_BLOCKS = 4096


class DecimatedCurve:
    def __init__(self, max_blocks: int = MAX_BLOCKS) -> None:
        self.max_blocks = max_blocks
        self.block = 1
        self.count = 0  # values received; the x of value i (0-based) is epoch i + 1
        self._columns = [GrowingBuffer() for _ in range(4)]  # per block: x and y of its min, then its max
        self._tail = np.empty(0)  # values not yet filling a block
        self._last = np.nan
        self.low = np.inf  # smallest and largest finite value seen
        self.high = -np.inf
        self.low_positive = np.inf  # what a log axis can show

    def __len__(self) -> int:
        return self.count

    @classmethod
    def of(cls, values: np.ndarray) -> DecimatedCurve:
        curve = cls()
        curve.extend(values)
        return curve

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.size == 0:
            return
        finite = values[np.isfinite(values)]
        if finite.size:
            self.low = min(self.low, float(finite.min()))
            self.high = max(self.high, float(finite.max()))
            positive = finite[finite > 0]
            if positive.size:
                self.low_positive = min(self.low_positive, float(positive.min()))
        self._last = float(values[-1])
        first_x = self.count - self._tail.size + 1
        pending = np.concatenate([self._tail, values]) if self._tail.size else values
        self.count += values.size
        whole = (pending.size // self.block) * self.block
        if whole:
            self._add_blocks(first_x, pending[:whole])
        self._tail = pending[whole:].copy()
        while len(self._columns[0]) > self.max_blocks:
            self._merge_pairs()

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """x (epochs) and y to draw, in order of x."""
        min_x, min_y, max_x, max_y = (column.view() for column in self._columns)
        if self.block == 1:  # each value its own block (min = max, no tail): the values themselves
            return min_x.copy(), min_y.copy()
        min_first = min_x <= max_x
        xs = np.column_stack([np.where(min_first, min_x, max_x), np.where(min_first, max_x, min_x)]).reshape(-1)
        ys = np.column_stack([np.where(min_first, min_y, max_y), np.where(min_first, max_y, min_y)]).reshape(-1)
        distinct = np.column_stack([np.ones(min_x.size, dtype=bool), min_x != max_x]).reshape(-1)
        xs, ys = xs[distinct], ys[distinct]  # a block whose min and max are one value gives one point
        tail_x = np.arange(self.count - self._tail.size + 1, self.count + 1, dtype=np.float64)
        xs, ys = np.concatenate([xs, tail_x]), np.concatenate([ys, self._tail])
        if self.count and (xs.size == 0 or xs[-1] != self.count):
            xs, ys = np.append(xs, float(self.count)), np.append(ys, self._last)
        return xs, ys

    def _add_blocks(self, first_x: int, values: np.ndarray) -> None:
        if self.block == 1:  # each value its own block, its min and its max (a live curve's few new epochs)
            xs = np.arange(first_x, first_x + values.size, dtype=np.float64)
            for column, new in zip(self._columns, (xs, values, xs, values), strict=True):
                column.extend(new)
            return
        blocks = values.reshape(-1, self.block)
        rows = np.arange(blocks.shape[0])
        starts = first_x + rows * self.block
        low_at, high_at = self._arg_extremes(blocks)
        for column, new in zip(self._columns, (starts + low_at, blocks[rows, low_at], starts + high_at,
                                               blocks[rows, high_at]), strict=True):
            column.extend(new.astype(np.float64))

    @staticmethod
    def _arg_extremes(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of each row's min and max, treating NaN as missing (a diverged run's last values)."""
        if blocks.shape[1] == 1:
            zero = np.zeros(blocks.shape[0], dtype=np.int64)
            return zero, zero
        clean = np.where(np.isnan(blocks), np.inf, blocks)
        low_at = clean.argmin(axis=1)
        clean = np.where(np.isnan(blocks), -np.inf, blocks)
        return low_at, clean.argmax(axis=1)

    def _merge_pairs(self) -> None:
        min_x, min_y, max_x, max_y = (column.view() for column in self._columns)
        pairs = (min_x.size // 2) * 2
        left, right = slice(0, pairs, 2), slice(1, pairs, 2)
        take_left_min = ~(min_y[right] < min_y[left])
        take_left_max = ~(max_y[right] > max_y[left])
        merged = [np.where(take_left_min, min_x[left], min_x[right]),
                  np.where(take_left_min, min_y[left], min_y[right]),
                  np.where(take_left_max, max_x[left], max_x[right]),
                  np.where(take_left_max, max_y[left], max_y[right])]
        leftovers = [column[pairs:].copy() for column in (min_x, min_y, max_x, max_y)]
        for column, values, rest in zip(self._columns, merged, leftovers, strict=True):
            column.clear()
            column.extend(values)
            column.extend(rest)
        self.block *= 2
