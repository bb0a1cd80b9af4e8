"""qa.evidence: which years a sentence speaks of, and whether it states a plan."""

from __future__ import annotations

from answering import REVIEW_DOC, TABLE_DOC, chunk

from qa.evidence import explicit_years, is_plan_chunk, is_plan_span, period_years, sentence_years, task_end, year_fits
from qa.text import sentences

FIVE_YEAR_DOC = REVIEW_DOC.__class__(doc_id="f", file="f.txt", title="报告", years=(2026, 2027, 2028, 2029, 2030))


def test_comparison_and_baseline_years_are_not_what_a_sentence_is_about() -> None:
    assert explicit_years("2030年税收比2029年增长8%") == {2030}
    assert explicit_years("收入是2025年的1.3倍") == set()
    assert explicit_years("在2028年基础上再提高两成") == set()
    assert explicit_years("2026—2030年累计投资900亿元") == {2026, 2027, 2028, 2029, 2030}


def test_a_sentence_without_a_year_takes_the_topic_year_of_its_paragraph() -> None:
    text = "2031年主要预期目标是：地区生产总值增长5%左右。一般公共预算收入增长4%。"
    _, second = sentences(text)
    assert sentence_years(text, second) == {2031}
    passing = "迎接2032年运动会。新建场馆2座。"
    assert sentence_years(passing, sentences(passing)[1]) == set()  # a year in passing sets no topic


def test_section_decides_plan_or_review() -> None:
    plan = chunk("新建公园5处。", section=("二、2031年工作安排",))
    review = chunk("新建公园3处。", section=("一、2030年工作回顾",))
    assert is_plan_chunk(plan, REVIEW_DOC) and not is_plan_chunk(review, REVIEW_DOC)
    assert period_years(plan, REVIEW_DOC) == {2031} and period_years(review, REVIEW_DOC) == {2030}


def test_a_task_rows_task_is_its_plan_and_the_rest_its_status() -> None:
    text = "城市管理 7 完成口袋公园建设10处 区园林绿化局 已完成，建成12处。"
    row = chunk(
        text, section=(), fields={"task": "完成口袋公园建设10处", "status": "已完成，建成12处。"}, doc=TABLE_DOC
    )
    end = task_end(row)
    assert text[:end].endswith("完成口袋公园建设10处")
    task_sentence, status_sentence = sentences(text[: end + 1])[0], sentences(text)[0]
    assert is_plan_span(row, TABLE_DOC, task_sentence)
    assert not is_plan_span(row, TABLE_DOC, status_sentence.__class__(end + 1, len(text), text[end + 1 :]))


def test_a_multi_year_review_answers_its_last_year_only_for_a_state() -> None:
    total = chunk("累计新增就业岗位5万个。", section=("过去五年的工作",))
    state = chunk("保持全国文明城区三连冠。", section=("过去五年的工作",))
    for c in (total, state):
        s = sentences(c.text)[0]
        assert not year_fits((2027,), c.text, s, c, FIVE_YEAR_DOC)  # no single inner year
        assert year_fits((2026, 2027, 2028, 2029, 2030), c.text, s, c, FIVE_YEAR_DOC)
        assert year_fits((), c.text, s, c, FIVE_YEAR_DOC)  # no year asked: any year fits
    assert year_fits((2030,), state.text, sentences(state.text)[0], state, FIVE_YEAR_DOC)  # where things stand
    assert not year_fits((2030,), total.text, sentences(total.text)[0], total, FIVE_YEAR_DOC)  # a five-year total
