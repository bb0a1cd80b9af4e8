"""Console progress for long index work: one tqdm bar per stage, fed by the build's progress callback.

A build embeds all its new chunks in one stage, so the console shows one bar
(chunks/s and ETA), not one per document.  On the first build of an index it
also says so, once the first batch has shown how fast this machine embeds.
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from .store import EMBED_STAGE_FIRST

# tqdm's default turns a rate under 1/s into s/chunk; a build's rate reads best always in chunks/s.
_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_noinv_fmt}]"


class ConsoleProgress:
    """One tqdm bar per stage, fed by the build's progress callback."""

    def __init__(self) -> None:
        self._bars: dict[str, tqdm] = {}
        self._started: dict[str, float] = {}
        self._announced = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=stage, unit="chunk", file=sys.stderr, bar_format=_FORMAT)
            self._started[stage] = time.perf_counter()
        bar.update(done - bar.n)
        if stage == EMBED_STAGE_FIRST and done and not self._announced:
            self._announced = True
            rate = done / max(time.perf_counter() - self._started[stage], 1e-9)
            bar.write(
                f"Building the search index for the first time: {total} chunks, about "
                f"{total / rate:.0f} s at {rate:.1f} chunks/s (later starts reuse it).",
                file=sys.stderr,
            )
        if done >= total:
            bar.close()
