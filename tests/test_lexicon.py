"""qa.lexicon: colloquial names map to the report's terms."""

from __future__ import annotations

import pytest

from index.vocabulary import ALIASES
from qa.lexicon import alternatives


def test_a_colloquial_phrase_adds_the_report_term() -> None:
    assert alternatives("GDP增速") == ("GDP增速", "地区生产总值增速")
    assert "一般公共预算收入" in alternatives("财政收入")


def test_a_piece_already_in_the_reports_words_is_not_expanded_again() -> None:
    assert alternatives("地区生产总值") == ("地区生产总值",)
    assert alternatives("三级税收") == ("三级税收",)


@pytest.mark.parametrize(("alias", "terms"), [(a, c.report_terms) for a, c in ALIASES])
def test_no_entry_maps_a_phrase_only_to_itself(alias: str, terms: tuple[str, ...]) -> None:
    assert any(term.lower() != alias for term in terms)


@pytest.mark.parametrize("piece", ["零售额", "区生产总值", "全区税收", "GDP增速", "财政收入完成", "违建拆除"])
def test_expansion_is_idempotent(piece: str) -> None:
    for alt in alternatives(piece):
        assert set(alternatives(alt)) <= set(alternatives(piece)) | {alt}, alt


def test_a_partial_report_term_around_the_phrase_is_absorbed() -> None:
    assert "地区生产总值" in alternatives("区生产总值")  # not "区地区生产总值"
    assert "社会消费品零售总额" in alternatives("消费品零售总额")


def test_a_neighbour_the_term_ends_in_is_absorbed() -> None:
    """"社会消费品零售额" ends in 额 as 社会消费品零售总额 does: no "…总额额"."""
    assert alternatives("社会消费品零售额") == ("社会消费品零售额", "社会消费品零售总额")


def test_a_renamed_indicator_is_found_under_either_name() -> None:
    assert "区级公共财政预算收入" in alternatives("区级一般公共预算收入")
    assert "区级一般公共预算收入" in alternatives("区级公共财政预算收入")
