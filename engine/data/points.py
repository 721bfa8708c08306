"""The point set: (x, y) pairs of floats, validated once so every later stage can trust them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import DataError

SEED_X = (1.0, 2.0, 3.0, 4.0)
SEED_Y = (2.0, 4.0, 6.0, 8.0)


# Training runs in 32-bit floats: a larger value would be infinite before the first step (a false
# "divergence"), and squares of it overflow the analysis. Every way in (files, cells, paste) stops here.
MAX_MAGNITUDE = float(np.finfo(np.float32).max)
TOO_LARGE = "is too large to train on: training uses 32-bit numbers, which end at about 3.4e+38"

@dataclass(frozen=True, eq=False)
class PointSet:
    """Immutable x and y columns (float64, same length). Build with `from_pairs` or `from_columns`."""

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        self.x.flags.writeable = False
        self.y.flags.writeable = False

    @classmethod
    def from_columns(cls, x: Iterable[float] | np.ndarray, y: Iterable[float] | np.ndarray,
                     *, validate: bool = True) -> PointSet:
        xs = np.array(x, dtype=np.float64).reshape(-1)
        ys = np.array(y, dtype=np.float64).reshape(-1)
        if xs.shape != ys.shape:
            raise DataError(f"x has {xs.size} values but y has {ys.size}.")
        points = cls(xs, ys)
        if validate:
            points.validate()
        return points

    @classmethod
    def from_pairs(cls, pairs: Sequence[Sequence[float]], *, validate: bool = True) -> PointSet:
        for row, pair in enumerate(pairs):
            if len(pair) != 2:
                raise DataError(f"Row {row + 1} has {len(pair)} values; a point needs exactly 2 (x, y).",
                                row=row)
        if not pairs:
            return cls.from_columns([], [], validate=validate)
        array = np.array(pairs, dtype=np.float64)
        return cls.from_columns(array[:, 0], array[:, 1], validate=validate)

    @classmethod
    def seed(cls) -> PointSet:
        """The four points of the classic PyTorch example: y = 2x."""
        return cls.from_columns(SEED_X, SEED_Y)

    def __len__(self) -> int:
        return int(self.x.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PointSet):
            return NotImplemented
        return bool(np.array_equal(self.x, other.x) and np.array_equal(self.y, other.y))

    def pairs(self) -> list[tuple[float, float]]:
        return list(zip(self.x.tolist(), self.y.tolist(), strict=True))

    def validate(self, *, for_fitting: bool = True) -> None:
        """Raise DataError naming the first problem: a non-finite value, then (when `for_fitting`)
        fewer than 2 points or all x equal."""
        for name, column in (("x", self.x), ("y", self.y)):
            bad = np.flatnonzero(~np.isfinite(column))
            if bad.size:
                row = int(bad[0])
                raise DataError(f"Row {row + 1}: {name} = {float(column[row])} is not a finite number.", row=row)
            huge = np.flatnonzero(np.abs(column) > MAX_MAGNITUDE)
            if huge.size:
                row = int(huge[0])
                raise DataError(f"Row {row + 1}: {name} = {float(column[row]):.6g} {TOO_LARGE}.", row=row)
        if not for_fitting:
            return
        if len(self) < 2:
            raise DataError(f"At least 2 points are needed to fit a line; there {_are(len(self))}.")
        if np.all(self.x == self.x[0]):
            raise DataError(f"All {len(self)} points have x = {self.x[0]:g}; a line needs at least two "
                            "different x values.")


def _are(count: int) -> str:
    return "is 1" if count == 1 else f"are {count}"
