"""Indicator timelines on the shipped reports: qa.series and Assistant.series, every point against its source.

The four headline indicators each reports states (GDP, 一般公共预算收入, 居民人均可支配收入, 三级税收)
are collected across all documents; each point must be found, as written, in the text its citation
quotes, of the year it is plotted at, and of an actual kind.
"""

from __future__ import annotations

import re

import pytest

from qa import Assistant
from qa.series import collect, format_value, indicator_of
from qa.understand import analyse, asks_series

pytestmark = pytest.mark.slow
HEADLINE = ("地区生产总值", "一般公共预算收入", "居民人均可支配收入", "三级税收")


def _digits(text: str) -> str:
    return re.sub(r"[\s,]", "", text)


@pytest.mark.parametrize("name", HEADLINE)
def test_every_point_is_the_figure_its_citation_quotes(assistant: Assistant, name: str):
    answer = assistant.series(name)
    assert answer is not None and not answer.abstained
    series = answer.series[0]
    assert series.indicator == name and series.measure == "level"
    assert len({p.statement.doc_id for p in series.points}) >= 3, "collected across reports, not from one"
    by_n = {c.n: c for c in answer.citations}
    for p in series.points:
        st, cited = p.statement, by_n[p.n]
        quote = _digits(cited.quote)
        assert cited.doc_id == st.doc_id
        assert f"{format_value(st.value)}{st.unit}" in quote, (p, cited.quote)
        assert st.kind in ("实际", "预计")
        doc = assistant.index.docs[st.doc_id]
        assert p.year in (*doc.years, *doc.plan_years) or str(p.year) in cited.text, "of a year its report covers"
        assert assistant.index.texts[st.doc_id][st.start : st.end] in cited.text


@pytest.mark.parametrize("name", HEADLINE)
def test_gaps_are_the_years_without_a_statement(assistant: Assistant, name: str):
    series = assistant.series(name).series[0]
    stated = {p.year for p in series.points}
    assert set(series.gaps) == set(series.years) - stated
    assert series.years == tuple(range(min(stated), max(stated) + 1))
    assert list(series.points) == sorted(series.points, key=lambda p: p.year)


def test_one_axis_one_unit_and_rates_apart(assistant: Assistant):
    """万元 and 亿元 figures share the series' unit by their base; rates are a series of their own in %."""
    answer = assistant.series("地区生产总值")
    levels, rates = answer.series
    assert levels.unit == "亿元" and rates.measure == "growth" and rates.unit == "%"
    assert {p.statement.base_unit for p in levels.points} == {"元"}
    for p in levels.points:
        assert p.value == pytest.approx(p.statement.base / 1e8, rel=1e-6)
    assert {p.n for p in rates.points} <= {p.n for p in levels.points}, "a rate cites the level it was stated with"


def test_a_comparison_year_is_never_a_point(assistant: Assistant):
    """The 2006 report's "比2003年增加306.5亿元" makes no 2003 point, and 306.5 is nobody's figure."""
    for name in HEADLINE:
        for series in assistant.series(name).series:
            assert all(p.year != 2003 for p in series.points)
            assert all(p.statement.value != 306.5 for p in series.points)


def test_targets_only_when_asked(assistant: Assistant):
    actual = collect(assistant.index, "地区生产总值", growth=True)
    targets = collect(assistant.index, "地区生产总值", growth=True, targets=True)
    assert targets.points and actual.points
    assert {p.statement.kind for p in targets.points} <= {"目标", "调整后目标"}
    assert not {id(p.statement) for p in targets.points} & {id(p.statement) for p in actual.points}


def test_years_and_documents_narrow_the_series(assistant: Assistant):
    series = assistant.series("三级税收", years=tuple(range(2010, 2017))).series[0]
    assert series.years == tuple(range(2010, 2017)) and {p.year for p in series.points} <= set(series.years)
    one = assistant.series("地区生产总值", doc_ids=["2014-work-report"]).series[0]
    assert {p.statement.doc_id for p in one.points} == {"2014-work-report"}


def test_question_names_and_words_find_the_series(assistant: Assistant):
    index = assistant.index
    assert indicator_of(["西城区历年GDP"], index) == "地区生产总值"
    assert indicator_of(["区级财政收入这几年的变化"], index) == "一般公共预算收入"
    assert indicator_of(["空气质量优良天数历年"], index) is None  # another measure after the name
    assert asks_series("2004年以来区级财政收入的变化") and not asks_series("2013年到2016年累计完成多少")
    assert analyse("GDP历年增速").trend == "growth" and analyse("GDP历年涨到多少").trend == "level"
    assert analyse("历年地区生产总值的增长目标").targets and analyse("2004年以来区级财政收入的变化").since == 2004


def test_a_trend_question_in_the_chat_is_answered_as_the_series(assistant: Assistant):
    answer = assistant.ask("西城区历年地区生产总值是多少？")
    assert answer.series and answer.series[0].indicator == "地区生产总值"
    assert [p.year for p in answer.series[0].points] == [p.year for p in assistant.series("地区生产总值").series[0].points]
    assert answer.passages, "the retrieved passages are still shown beside the series"


def test_an_unknown_indicator_has_no_series(assistant: Assistant):
    assert assistant.series("火星殖民地人口") is None


def test_a_series_gathered_under_other_names_says_so(assistant: Assistant):
    answer = assistant.series("一般公共预算收入")
    series = answer.series[0]
    others = {p.statement.wording for p in series.points} - {series.indicator}
    assert others, "the shipped reports name this indicator in more than one way"
    for wording in others:
        assert f"称“{wording}”" in answer.answer
    gdp = assistant.series("地区生产总值")
    renamed = {p.statement.wording for p in gdp.series[0].points} - {"地区生产总值"}
    assert ("名称或口径有变化" in gdp.answer) == bool(renamed)
