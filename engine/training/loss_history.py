"""A growing float64 buffer: amortised O(1) appends of whole arrays, never capped, never copied per epoch."""

from __future__ import annotations

import numpy as np


class GrowingBuffer:
    def __init__(self, capacity: int = 1024, dtype: type = np.float64) -> None:
        self._data: np.ndarray = np.empty(max(capacity, 16), dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, values: np.ndarray) -> None:
        needed = self._size + len(values)
        if needed > self._data.size:
            grown = np.empty(max(needed, self._data.size * 2), dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : needed] = values
        self._size = needed

    @property
    def nbytes(self) -> int:
        """The memory it holds, filled or not."""
        return int(self._data.nbytes)

    def clear(self) -> None:
        self._size = 0

    def view(self) -> np.ndarray:
        """The filled part, without copying. Valid until the next extend()."""
        return self._data[: self._size]

    def copy(self) -> np.ndarray:
        return self._data[: self._size].copy()
