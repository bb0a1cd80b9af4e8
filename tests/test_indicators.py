"""index.indicators on short report sentences written for these tests (not the shipped corpus).

Each document is made as index.ingest makes a prose report (clean, structure, section_about), so a
section heading decides whether its figures are reviewed, estimated or planned, and of which years.
"""

from __future__ import annotations

import dataclasses

import pytest

from index.clean import clean_text
from index.indicators import base_value, canonical, extract
from index.meta import section_about
from index.schema import Block, DocMeta, Document, Statement
from index.structure import structure

FIVE_YEARS = (2019, 2020, 2021, 2022, 2023)


def _report(doc_id: str, body: str, years: tuple[int, ...] = (2023,), kind: str = "work_report") -> Document:
    """A report delivered the year after ``years``: salutation, then ``body`` (headings and paragraphs)."""
    meta = DocMeta(doc_id, f"{doc_id}.txt", "政府工作报告", kind, max(years) + 1, years, (max(years) + 1,))
    text = clean_text("各位代表：\n" + body)
    blocks = []
    for b in structure(text):
        about = section_about(b.section, meta)
        blocks.append(dataclasses.replace(b, role=about.role, about_years=about.years))
    return Document(meta, text, tuple(blocks))


def _review(doc_id: str, paragraph: str) -> Document:
    """A review of 2023 holding one paragraph."""
    return _report(doc_id, f"一、2023年工作回顾\n{paragraph}")


def _rows(doc: Document) -> list[tuple[str, float | None, str, int | None, str]]:
    """What a series point is made of: indicator, value, unit, year and kind of each statement."""
    return [(s.indicator, s.value, s.unit, s.year, s.kind) for s in extract(doc)]


def test_estimate_and_later_final_figure_are_both_kept() -> None:
    """A 预计 figure and a later document's final figure for that year are two statements, 预计 and 实际."""
    early = _review("r2024", "全区地区生产总值预计实现2800亿元，同比增长9%左右。")
    final = _report(
        "x2023", "一、2023年计划执行情况\n全区地区生产总值完成2815.3亿元，同比增长8.6%。", kind="plan_execution"
    )
    found = [
        (s.doc_id, s.indicator, s.value, s.unit, s.year, s.kind, s.growth) for d in (early, final) for s in extract(d)
    ]
    assert found == [
        ("r2024", "地区生产总值", 2800.0, "亿元", 2023, "预计", 9.0),
        ("x2023", "地区生产总值", 2815.3, "亿元", 2023, "实际", 8.6),
    ]


def test_compared_year_is_never_a_point() -> None:
    """A difference or ratio against another year (比/是…的…倍/低于/高于) states nothing of that year."""
    doc = _review(
        "r",
        "三级税收完成1500.5亿元，比2003年增加306.5亿元。地区生产总值达到3000亿元，是2011年的1.5倍。"
        "细颗粒物（PM2.5）年均浓度为30微克/立方米，低于2013年的89.5微克/立方米。居民人均可支配收入高于2018年水平15%。",
    )
    assert _rows(doc) == [
        ("三级税收", 1500.5, "亿元", 2023, "实际"),
        ("地区生产总值", 3000.0, "亿元", 2023, "实际"),
        ("PM2.5年均浓度", 30.0, "微克/立方米", 2023, "实际"),
    ]


def test_increase_over_last_year_is_not_a_level() -> None:
    """An increase over last year ("比上年增加30亿元") is a difference, not the year's figure."""
    doc = _review("r", "一般公共预算收入完成430亿元，比上年增加30亿元。")
    assert _rows(doc) == [("一般公共预算收入", 430.0, "亿元", 2023, "实际")]


def test_plan_section_figures_are_targets() -> None:
    """Figures in a plan section are 目标 of the planned year, never 实际."""
    doc = _report(
        "r",
        "一、2023年工作回顾\n城镇登记失业率为1.2%。\n二、2024年主要工作任务\n"
        "力争地区生产总值增长6%左右，城镇登记失业率控制在3%以内，一般公共预算收入达到460亿元。",
    )
    assert _rows(doc) == [
        ("城镇登记失业率", 1.2, "%", 2023, "实际"),
        ("地区生产总值", None, "%", 2024, "目标"),
        ("城镇登记失业率", 3.0, "%", 2024, "目标"),
        ("一般公共预算收入", 460.0, "亿元", 2024, "目标"),
    ]


def test_task_text_is_a_target_and_its_status_an_actual() -> None:
    """In a task row the task's own text states a target; its completion status states actuals."""
    task, status = "全区地区生产总值增长6%左右", "全区地区生产总值完成3000亿元，同比增长6.2%"
    text = f"经济发展1{task}区发展改革委{status}"
    row = Block(0, len(text), ("经济发展",), {"task": task, "status": status}, "status", (2023,))
    meta = DocMeta("t", "t.txt", "重点工作完成情况", "task_table", 2024, (2023,))
    assert _rows(Document(meta, text, (row,))) == [
        ("地区生产总值", None, "%", 2023, "目标"),
        ("地区生产总值", 3000.0, "亿元", 2023, "实际"),
    ]


def test_revised_target_and_the_one_it_replaces() -> None:
    """调整为 gives 调整后目标; the figure it replaces (由年初预算…) is the original 目标."""
    doc = _review("r", "区级一般公共预算收入由年初预算400亿元调整为380亿元。")
    assert _rows(doc) == [
        ("一般公共预算收入", 400.0, "亿元", 2023, "目标"),
        ("一般公共预算收入", 380.0, "亿元", 2023, "调整后目标"),
    ]


@pytest.mark.parametrize("sentence", ["一般公共预算收入力争达到460亿元。", "一般公共预算收入目标为460亿元。"])
def test_target_worded_after_the_indicator(sentence: str) -> None:
    """A plan's "<indicator>力争达到/目标为<figure>" is a 目标 like "力争<indicator>达到<figure>"."""
    doc = _report("r", f"一、2024年主要工作任务\n{sentence}")
    assert _rows(doc) == [("一般公共预算收入", 460.0, "亿元", 2024, "目标")]


def test_striving_for_is_never_an_actual() -> None:
    """A 力争 figure is aimed at, not achieved, even in a review section."""
    assert _rows(_review("r", "力争全区一般公共预算收入达到450亿元。")) == [
        ("一般公共预算收入", 450.0, "亿元", 2023, "目标")
    ]


def test_growth_attaches_to_the_level_just_stated() -> None:
    """A rate after a level ("实现X亿元，同比增长9%") is its growth; a growth alone has value None."""
    doc = _review(
        "r",
        "一般公共预算收入完成430.5亿元，同比增长5.2%。社会消费品零售总额实现900亿元，下降3.5%。地区生产总值增长6%左右。",
    )
    found = [(s.indicator, s.value, s.unit, s.base, s.growth, s.year, s.kind) for s in extract(doc)]
    assert found == [
        ("一般公共预算收入", 430.5, "亿元", 430.5e8, 5.2, 2023, "实际"),
        ("社会消费品零售总额", 900.0, "亿元", 900e8, -3.5, 2023, "实际"),
        ("地区生产总值", None, "%", None, 6.0, 2023, "实际"),
    ]


def test_growth_over_last_year_with_jiao() -> None:
    """A rate over last year written with 较 ("较上年增长5%") is the growth, as with 比上年."""
    doc = _review("r", "社会消费品零售总额实现900亿元，较上年增长5%。")
    assert [(s.value, s.growth, s.year) for s in extract(doc)] == [(900.0, 5.0, 2023)]


def test_from_to_keeps_both_ends() -> None:
    """A change "由2013年的89.5降至30" gives 89.5 to 2013 and the level reached to the section's year."""
    doc = _review("r", "PM2.5年均浓度由2013年的89.5微克/立方米降至30微克/立方米。")
    assert _rows(doc) == [
        ("PM2.5年均浓度", 89.5, "微克/立方米", 2013, "实际"),
        ("PM2.5年均浓度", 30.0, "微克/立方米", 2023, "实际"),
    ]


def test_cumulative_and_annual_average_are_period_figures() -> None:
    """累计 and 年均 figures are of the period the section covers, of no single year."""
    doc = _report(
        "r", "一、过去五年工作回顾\n五年来，全区固定资产投资累计完成1200亿元，地区生产总值年均增长6.5%。", FIVE_YEARS
    )
    found = [(s.indicator, s.value, s.growth, s.year, s.years, s.kind) for s in extract(doc)]
    assert found == [
        ("全社会固定资产投资", 1200.0, None, None, FIVE_YEARS, "累计"),
        ("地区生产总值", None, 6.5, None, FIVE_YEARS, "年均"),
    ]


def test_other_places_figures_keep_their_place() -> None:
    """Figures of 全市, 北京市 or 全国 are their own series, named with the place; never the district's."""
    doc = _review(
        "r",
        "全市地区生产总值增长5%。北京市一般公共预算收入完成6000亿元。全国社会消费品零售总额增长7%。"
        "全区地区生产总值增长6.5%，高于全市1.5个百分点。",
    )
    assert [(s.indicator, s.value, s.growth) for s in extract(doc)] == [
        ("全市地区生产总值", None, 5.0),
        ("北京市一般公共预算收入", 6000.0, None),
        ("全国社会消费品零售总额", None, 7.0),
        ("地区生产总值", None, 6.5),  # 高于全市1.5个百分点: a comparison, no figure of the city
    ]


def test_counts_of_things_done_are_not_indicators() -> None:
    """A count of works done names no measure (…值/额/收入/率…), so it is no indicator."""
    doc = _review(
        "r",
        "建成12座消防站，新引进企业120家，完成棚户区改造1200户，培训社区工作者5000人次，3月15日新增就业岗位2.1万个。",
    )
    assert extract(doc) == []


@pytest.mark.parametrize(
    ("wording", "indicator"),
    [
        ("公共财政预算收入", "一般公共预算收入"),
        ("区级公共财政预算收入", "一般公共预算收入"),
        ("全区财政收入", "一般公共预算收入"),
        ("GDP", "地区生产总值"),
        ("全区生产总值", "地区生产总值"),
        ("登记失业率", "城镇登记失业率"),
        ("细颗粒物（PM2.5）年均浓度", "PM2.5年均浓度"),
        ("PM2.5平均浓度", "PM2.5年均浓度"),
        ("三级税收收入", "三级税收"),
        ("社会消费品零售额", "社会消费品零售总额"),
        ("固定资产投资额", "全社会固定资产投资"),
    ],
)
def test_canonical_merges_renamed_wordings(wording: str, indicator: str) -> None:
    """A report's wording of a renamed or variously written indicator maps to its one series name."""
    assert canonical(wording) == indicator


def test_statements_keep_their_own_wording() -> None:
    """Two years' wordings of one indicator share its name, each statement keeping the report's words."""
    old = _report("r2013", "一、2012年工作回顾\n区级公共财政预算收入完成300亿元。", (2012,))
    new = _review("r2024", "一般公共预算收入完成430.5亿元。")
    found = [(s.indicator, s.wording, s.year) for doc in (old, new) for s in extract(doc)]
    assert found == [("一般公共预算收入", "区级公共财政预算收入", 2012), ("一般公共预算收入", "一般公共预算收入", 2023)]


def test_base_value_puts_scaled_units_on_one_axis() -> None:
    """万元 and 亿元 (and 万人, ％) figures convert to one base unit, so they can be compared."""
    assert base_value(430.5, "亿元") == (pytest.approx(43_050_000_000.0), "元")
    assert base_value(5000, "万元") == base_value(0.5, "亿元") == (50_000_000.0, "元")
    assert base_value(1.2, "万亿元") == (pytest.approx(1.2e12), "元")
    assert base_value(3.5, "万人") == (35_000.0, "人")
    assert base_value(5.2, "％") == (5.2, "%")
    assert base_value(30, "微克/立方米") == (30, "微克/立方米")


def _written(s: Statement) -> str:
    """The figure as a report writes it: the level, or the rate of a growth-only statement."""
    return f"{s.value:g}{s.unit}" if s.value is not None else f"{abs(s.growth or 0):g}%"


def test_offsets_slice_the_stating_clause() -> None:
    """Every statement's start/end cut out the clause that states it, figure as written included."""
    doc = _review(
        "r",
        "全区三级税收首次突破千亿元大关，预计达到1142亿元。地区生产总值预计实现2800亿元，同比增长9%左右；"
        "细颗粒物（PM2.5）年均浓度为30微克/立方米，下降17%。固定资产投资累计完成1200亿元。",
    )
    found = extract(doc)
    clauses = [doc.text[s.start : s.end] for s in found]
    assert clauses == [
        "三级税收首次突破千亿元大关，预计达到1142亿元",
        "地区生产总值预计实现2800亿元，同比增长9%左右",
        "细颗粒物（PM2.5）年均浓度为30微克/立方米，下降17%",
        "固定资产投资累计完成1200亿元",
    ]
    for s, clause in zip(found, clauses, strict=True):
        assert _written(s) in clause and s.wording in clause and "。" not in clause


def test_a_share_clause_shares_its_subject() -> None:
    """"A占B的32%，占全市C的33%": the second share is A's too, its denominator the city's."""
    doc = _review("r", "其中金融业增加值占地区生产总值的32%左右，占全市金融业增加值的33%左右。")
    assert [(s.indicator, s.value) for s in extract(doc)] == [
        ("金融业增加值占地区生产总值比重", 32.0),
        ("金融业增加值占全市金融业增加值比重", 33.0),
    ]


def test_an_extent_names_its_indicator() -> None:
    """A figure in 万平方米/公里/万立方米 measures what its clause names, though no measure noun ends it."""
    doc = _review("r", "拆除违法建设21.5万平方米，完成架空线入地改造13.2公里，全年新水用量为8200万立方米。")
    assert _rows(doc) == [
        ("拆除违法建设", 21.5, "万平方米", 2023, "实际"),
        ("架空线入地改造", 13.2, "公里", 2023, "实际"),
        ("新水用量", 8200.0, "万立方米", 2023, "实际"),
    ]


def test_cumulative_scopes_over_its_group_in_a_review_of_years() -> None:
    """累计 opening a sentence, or said in a clause of a five-year review, covers the figures after it."""
    doc = _report(
        "r",
        "一、过去五年工作回顾\n累计完成固定资产投资900亿元，城市建设开复工800万平方米。"
        "五年来累计拆除违法建设40万平方米，架空线入地改造50公里。",
        FIVE_YEARS,
    )
    assert {(s.kind, s.years) for s in extract(doc)} == {("累计", FIVE_YEARS)}
    assert len(extract(doc)) == 4


def test_estimate_scope_follows_the_subject() -> None:
    """预计 covers a subjectless continuation (其中…, 实现…) but not a clause with its own subject."""
    doc = _review(
        "r",
        "金融业收入预计超过9000亿元、增长8%，实现利润总额3000亿元、增长6%，一般公共预算收入完成420亿元、增长1%。"
        "预计实现进出口总额5000亿元，其中出口总额1000亿元。",
    )
    assert [(s.wording, s.kind) for s in extract(doc)] == [
        ("金融业收入", "预计"),
        ("利润总额", "预计"),
        ("一般公共预算收入", "实际"),
        ("进出口总额", "预计"),
        ("出口总额", "预计"),
    ]


def test_a_state_held_through_a_review_of_years_is_of_the_period() -> None:
    """"保持在/控制在" with no year, in a five-year review, is of the whole period, no one year's point."""
    doc = _report(
        "r", "一、过去五年工作回顾\n城镇登记失业率控制在1.5%以内。2023年社会消费品零售总额实现900亿元。", FIVE_YEARS
    )
    assert [(s.indicator, s.year, s.years) for s in extract(doc)] == [
        ("城镇登记失业率", None, FIVE_YEARS),
        ("社会消费品零售总额", 2023, ()),
    ]


def test_since_a_year_is_the_period_after_it() -> None:
    """"自2019年以来累计下降20%" is a change over 2020–2023, of no one year."""
    doc = _review("r", "细颗粒物(PM2.5)年均浓度自2019年以来累计下降20%。")
    assert [(s.indicator, s.growth, s.year, s.years, s.kind) for s in extract(doc)] == [
        ("PM2.5年均浓度", -20.0, None, (2020, 2021, 2022, 2023), "累计")
    ]


def test_a_plans_baseline_year_is_an_actual() -> None:
    """A plan section's figure dated before the plan's years is where it starts from, not a target."""
    doc = _report("r", "一、2024年主要工作任务\n2023年全区三级税收为4200亿元。力争一般公共预算收入达到460亿元。")
    assert _rows(doc) == [("三级税收", 4200.0, "亿元", 2023, "实际"), ("一般公共预算收入", 460.0, "亿元", 2024, "目标")]


def test_a_rate_stated_apart_joins_its_level() -> None:
    """"由年初预算A调整为B，增长由年初的x%调整为y%": each target carries its own rate."""
    doc = _review("r", "区级一般公共预算收入由年初预算400亿元调整为380亿元，增长由年初的3%调整为-2%。")
    assert [(s.value, s.growth, s.kind) for s in extract(doc)] == [(400.0, 3.0, "目标"), (380.0, -2.0, "调整后目标")]
