"""Reranking the passages shown with an answer: cited evidence first, then by term coverage.

Fusion ranks by two retrievers' opinions; the extractor has since read every
candidate sentence.  The passages a user sees (and the evaluation's hit@k)
follow that closer reading: what was cited, then what covers the question best.
"""

from __future__ import annotations

from dataclasses import replace

from .match import Idf
from .retrieve import Passage
from .understand import Question
from .weights import DEFAULT, Weights


def rerank(
    q: Question, passages: list[Passage], cited_rows: list[int], idf: Idf, k: int, weights: Weights = DEFAULT
) -> list[Passage]:
    """The passages in display order, renumbered from 1, at most ``k``."""
    first = {row: i for i, row in enumerate(cited_rows)}

    def key(p: Passage) -> tuple[int, float]:
        if p.row in first:
            return (0, first[p.row])
        return (1, -(idf.coverage(q.terms, p.heading + "\n" + p.chunk.text) + weights.display_rank_prior / p.rank))

    ordered = sorted(passages, key=key)[:k]
    return [replace(p, rank=i) for i, p in enumerate(ordered, start=1)]
