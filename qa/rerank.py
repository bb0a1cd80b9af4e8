"""Reranking the passages shown with an answer: cited evidence first, then by term coverage.

Fusion ranks by two retrievers' opinions; the extractor has since read every
candidate sentence.  The passages a user sees (and the evaluation's hit@k)
follow that closer reading: what was cited, then what covers the question best.
"""

from __future__ import annotations

from dataclasses import replace

from .match import Idf, coverage
from .retrieve import Passage
from .understand import Question

_PRIOR = 0.05  # weight of the fused retrieval rank, to break near ties


def rerank(q: Question, passages: list[Passage], cited_rows: list[int], idf: Idf, k: int) -> list[Passage]:
    """The passages in display order, renumbered from 1, at most ``k``."""
    first = {row: i for i, row in enumerate(cited_rows)}

    def key(p: Passage) -> tuple[int, float]:
        if p.row in first:
            return (0, first[p.row])
        heading = p.chunk.section[-1] if p.chunk.section else ""
        return (1, -(coverage(q.terms, heading + "\n" + p.chunk.text, idf) + _PRIOR / p.rank))

    ordered = sorted(passages, key=key)[:k]
    return [replace(p, rank=i) for i, p in enumerate(ordered, start=1)]
