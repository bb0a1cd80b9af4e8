"""Console progress for long index work: one tqdm bar per stage, fed by the build's progress callback."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ConsoleProgress:
    """One tqdm bar per stage, fed by the build's progress callback."""

    def __init__(self) -> None:
        self._bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=stage, unit="chunk", file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
