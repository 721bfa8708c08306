"""A progress bar on stderr for terminal users; silent when stderr is a pipe or a file."""

from __future__ import annotations

import sys
from typing import Any

from engine.training.results import ProgressBatch


class TerminalProgress:
    def __init__(self, total_epochs: int) -> None:
        self._bar: Any = None
        if sys.stderr is not None and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total_epochs, unit="epoch", file=sys.stderr, dynamic_ncols=True,
                             mininterval=0.1)

    def __call__(self, batch: ProgressBatch) -> None:
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{batch.losses[-1]:.6g}", refresh=False)
            self._bar.update(len(batch.epochs))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
