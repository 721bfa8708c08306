"""Which points a run holds out for validation, without torch: the GUI process draws them hollow.

`engine.data.features.validation_split` draws them with torch.randperm on a generator seeded with the run's
seed. torch's CPU randperm (below 2³²/20 items) is the Fisher–Yates shuffle `swap(r[i], r[i + u % (n − i)])`
over the 32-bit outputs u of a Mersenne Twister seeded the standard way — the same stream numpy's legacy
RandomState gives. tests/test_held_out.py holds the two to the same rows.
"""

from __future__ import annotations

import numpy as np

MAX_DRAWN = 200_000  # beyond this the plot shows a density image, where hollow markers would not be drawn


def held_out_rows(count: int, fraction: float, seed: int) -> np.ndarray:
    """The indices (ascending) of the points the run with this seed and fraction scores but never trains on."""
    held = min(count - 1, int(fraction * count)) if count > 0 else 0
    if held <= 0:
        return np.empty(0, dtype=np.int64)
    draws = np.random.RandomState(seed).randint(0, 2**32, size=count - 1, dtype=np.uint32).tolist()
    order = list(range(count))
    for i, draw in enumerate(draws):
        j = i + draw % (count - i)
        order[i], order[j] = order[j], order[i]
        if i + 1 >= held:  # the first `held` places are final once the shuffle has passed them
            break
    return np.sort(np.asarray(order[:held], dtype=np.int64))
