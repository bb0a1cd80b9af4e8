"""index.vocabulary: one vocabulary of report concepts, read by qa.lexicon, qa.series and index.indicators;
a name is read only where it stands as a whole term."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from index import Index
from index.indicators import canonical
from index.vocabulary import ALIASES, ENGLISH_NAMES, VOCABULARY, whole_term
from qa.lexicon import ENGLISH_PHRASES, alternatives
from qa.series import indicator_of


@pytest.mark.parametrize(
    ("piece", "wrong"),
    [
        ("人均用水量是多少", "新水用量量"),  # 用水 inside the word 用水量
        ("空气质量优良天数", "细颗粒物质量"),  # 空气 inside 空气质量: another measure
        ("空气质量优良天数", "PM2.5质量"),
        ("北京市税收收入增长", "北京市三级税收"),  # the city's taxes, not the district's 三级税收
        ("全市GDP", "全市地区生产总值"),
        ("中央级税收", "中央级三级税收"),
    ],
)
def test_a_name_inside_a_longer_word_or_after_another_level_is_not_rewritten(piece: str, wrong: str) -> None:
    assert not any(wrong in alt for alt in alternatives(piece))


@pytest.mark.parametrize(
    ("piece", "term"),
    [
        ("西城区GDP是多少", "西城区地区生产总值是多少"),
        ("区财政收入完成多少", "区一般公共预算收入完成多少"),
        ("全区税收首次突破千亿", "全区三级税收首次突破千亿"),
        ("居民用水量", "居民新水用量"),  # the whole word 用水量 is a name of 新水用量 too
        ("棚改进展", "棚户区改造进展"),
        ("拆违面积", "拆除违法建设面积"),
        ("社零是多少", "社会消费品零售总额是多少"),  # 社/零: a name may span several words
    ],
)
def test_a_whole_name_becomes_the_report_term(piece: str, term: str) -> None:
    assert term in alternatives(piece)


def test_whole_term_is_on_word_boundaries_and_not_after_another_level() -> None:
    text = "北京市税收和全区税收"
    assert not whole_term(text, 3, 5)  # after 北京市
    assert whole_term(text, 8, 10)  # after 全区: the district's own
    assert not whole_term("用水量", 0, 2)
    assert not whole_term("一般公共预算收入", 4, 8)  # 预算收入 is part of the report's own name here
    assert whole_term("用水量", 0, 3)


def test_one_entry_per_concept_and_each_name_names_one_concept() -> None:
    names = [c.name for c in VOCABULARY]
    assert len(names) == len(set(names))
    aliases = [a for a, _ in ALIASES]
    assert len(aliases) == len(set(aliases))
    english = [e for e, _ in ENGLISH_NAMES]
    assert len(english) == len(set(english))


def test_indicators_have_a_unit_and_their_name_is_one_of_their_wordings() -> None:
    for concept in VOCABULARY:
        assert concept.indicator == bool(concept.unit), concept.name
        if concept.indicator:
            assert canonical(concept.name) == concept.name


def test_english_names_come_from_the_vocabulary() -> None:
    phrases = dict(ENGLISH_PHRASES)
    assert phrases["retail sales"] == "社会消费品零售总额"
    assert phrases["gross domestic product"] == "地区生产总值"
    assert phrases["how many"] == "多少"  # question grammar, kept in qa
    assert all(e in phrases for e, _ in ENGLISH_NAMES)


def test_a_trend_question_names_an_indicator_only_by_a_whole_name() -> None:
    """qa.series reads the same vocabulary under the same rule (no statements: aliases alone)."""
    no_statements = cast(Index, SimpleNamespace(statements=[]))
    assert indicator_of(["西城区历年GDP"], no_statements) == "地区生产总值"
    assert indicator_of(["全区税收历年变化"], no_statements) == "三级税收"
    assert indicator_of(["北京市税收历年变化"], no_statements) is None
    assert indicator_of(["历年空气质量"], no_statements) is None
