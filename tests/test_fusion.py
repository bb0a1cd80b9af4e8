"""qa.fusion: reciprocal rank fusion."""

from __future__ import annotations

import pytest

from qa.fusion import rrf


def test_agreement_of_two_rankers_beats_one_first_place() -> None:
    fused = rrf([[1, 2, 3], [2, 3, 1]], k=60)
    assert [item for item, _ in fused][:1] == [2]
    assert dict(fused)[2] == pytest.approx(1 / 62 + 1 / 61)


def test_items_of_one_list_only_are_kept_and_ties_break_by_id() -> None:
    fused = rrf([[5], [7]], k=60)
    assert fused == [(5, 1 / 61), (7, 1 / 61)]
    assert rrf([], k=60) == []


def test_each_retrievers_head_survives_the_cut() -> None:
    from qa.fusion import keep_heads

    keyword, dense = [1, 2, 3, 4], [9, 8, 7, 3, 4, 2]
    fused = rrf([keyword, dense], k=60)
    top3 = [item for item, _ in fused[:3]]
    assert 1 not in top3 or 9 not in top3  # plain RRF cut at 3 can drop a retriever's first item
    kept = [item for item, _ in keep_heads(fused, [keyword, dense], n=1, k=3)]
    assert {1, 9} <= set(kept) and len(kept) == 3
    assert kept == sorted(kept, key=lambda i: -dict(fused)[i])  # still in fused order
