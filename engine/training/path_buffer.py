"""The optimizer's path through (weight, bias), kept for a run of any length in bounded memory."""

from __future__ import annotations

import numpy as np

from engine.training.loss_history import GrowingBuffer

DEFAULT_CAPACITY = 4096


class ThinningPath:
    """Keeps the parameters after every `stride`-th epoch. When more than `capacity` are kept, every
    other one is dropped and the stride doubles, so a 10-million-epoch run keeps an evenly spaced path of
    at most `capacity` points (plenty for a line on screen) and the latest point is always known."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = max(capacity, 4)
        self.stride = 1
        self._epochs = GrowingBuffer(dtype=np.int64)
        self._weights = GrowingBuffer()
        self._biases = GrowingBuffer()
        self.latest: tuple[int, float, float] | None = None

    def __len__(self) -> int:
        return len(self._epochs)

    def extend(self, epochs: np.ndarray, weights: np.ndarray, biases: np.ndarray) -> None:
        if epochs.size == 0:
            return
        self.latest = (int(epochs[-1]), float(weights[-1]), float(biases[-1]))
        keep = (epochs - 1) % self.stride == 0
        self._epochs.extend(epochs[keep])
        self._weights.extend(weights[keep])
        self._biases.extend(biases[keep])
        while len(self._epochs) > self.capacity:
            self._thin()

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Epochs, weights and biases kept, with the latest point appended if it was thinned away."""
        epochs, weights, biases = self._epochs.view(), self._weights.view(), self._biases.view()
        if self.latest is not None and (epochs.size == 0 or epochs[-1] != self.latest[0]):
            epochs = np.append(epochs, self.latest[0])
            weights = np.append(weights, self.latest[1])
            biases = np.append(biases, self.latest[2])
        return epochs, weights, biases

    def _thin(self) -> None:
        self.stride *= 2
        epochs = self._epochs.view()
        keep = (epochs - 1) % self.stride == 0
        kept = [buffer.view()[keep].copy() for buffer in (self._epochs, self._weights, self._biases)]
        for buffer, values in zip((self._epochs, self._weights, self._biases), kept, strict=True):
            buffer.clear()
            buffer.extend(values)
