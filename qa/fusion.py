"""Reciprocal rank fusion (Cormack et al. 2009): rank-only, so BM25 and cosine scales never mix.

Why ``k = 60``: it is the constant of the original paper, where it was robust
across collections; a large k flattens the 1/(k + rank) curve, so an item ranked
well by *both* retrievers beats one ranked first by only one of them.  The
setting is ``Settings.rrf_k``; ``python -m evaluation.sweep`` shows its curve.
"""

from __future__ import annotations


def rrf(rankings: list[list[int]], k: int = 60, weights: list[float] | None = None) -> list[tuple[int, float]]:
    """Fuse ranked id lists; an id's score is the sum of weight/(k + rank) over the lists it appears in.

    ``weights`` (one per list, default 1) let a retriever that is more often right
    count more, as in weighted RRF; the weights live in :class:`qa.weights.Weights`.
    """
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def keep_heads(fused: list[tuple[int, float]], rankings: list[list[int]], n: int, k: int) -> list[tuple[int, float]]:
    """The fused top ``k``, which always holds each retriever's own top ``n``, in fused order.

    RRF can push an item that one retriever ranks first below items both rank
    moderately; a hybrid search must never miss what either retriever alone
    would have shown near the top.
    """
    heads = {item for ranking in rankings for item in ranking[:n]}
    kept = [pair for pair in fused if pair[0] in heads]
    rest = [pair for pair in fused if pair[0] not in heads][: max(k - len(kept), 0)]
    return sorted(kept + rest, key=lambda x: (-x[1], x[0]))[: max(k, len(kept))]
