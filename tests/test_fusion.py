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
