"""Question understanding: years, kinds, terms, sub-questions, follow-ups."""

from __future__ import annotations

import pytest

from qa.understand import analyse, classify, from_english, normalise_question, parse_years


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("2019年社会消费品零售总额是多少？", (2019,)),
        ("13年新增了多少学位？", (2013,)),
        ("“十三五”收官那一年新水用量是多少", (2020,)),
        ("十二五期间", (2011, 2012, 2013, 2014, 2015)),
        ("2004到2006年", (2004, 2005, 2006)),
        ("2012—2016这五年", (2012, 2013, 2014, 2015, 2016)),
        ("13个片区电力架空线入地", ()),
        ("2017年报告里提出的发展愿景", ()),  # a document, not a year asked about
    ],
)
def test_years(text: str, years: tuple[int, ...]) -> None:
    assert parse_years(text) == years


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("背街小巷整治是哪个部门牵头的？", "unit"),
        ("这事归谁管？", "unit"),
        ("西单文化广场城市森林二期建好了吗？", "status"),
        ("地安门外大街项目进展如何？", "status"),
        ("“商道”是由哪几条大街组成的？", "list"),
        ("2019年改造了多少座公厕？", "number"),
        ("“双增计划”具体指什么？", "fact"),
    ],
)
def test_kinds(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_terms_drop_question_words_and_expand_colloquial_names() -> None:
    q = analyse("2006年西城GDP预计有多少？")
    flat = [alt for alts in q.terms for alt in alts]
    assert any("地区生产总值" in t for t in flat)
    assert not any(w in flat for w in ("多少", "西城", "2006"))


def test_compound_questions_split_into_sides() -> None:
    by_year = analyse("PM2.5年均浓度，2019年和2020年各是多少？")
    assert [p.years for p in by_year.parts] == [(2019,), (2020,)]
    plan_actual = analyse("2020年义务教育学位计划新增多少？实际新增了多少？")
    first, second = plan_actual.parts
    assert first.wants_plan and not first.wants_actual and second.wants_actual and not second.wants_plan
    assert second.years == (2020,) and any("义务教育学位" in alts[0] for alts in second.terms)
    assert not analyse("13个片区电力架空线入地，2020年干完了吗？").is_compound


def test_follow_up_is_rewritten_from_the_previous_question() -> None:
    first = analyse("2019年地区生产总值是多少？")
    follow = analyse("那2013年呢？", first)
    assert follow.years == (2013,) and follow.text.startswith("2013年地区生产总值")


def test_other_places_and_hostile_text() -> None:
    assert analyse("朝阳区2013年GDP是多少？").other_places == ("朝阳",)
    assert normalise_question("  多少\x00\x07？\n\n ") == "多少？"


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("总收入比2025年增长了多少", ()),  # the year after 比 is a reference
        ("2031年税收比2030年增长了多少", (2031,)),
        ("2030 西城区 停车位", (2030,)),  # a search-box year without 年
        ("完成2030项整治", ()),  # a count, not a year
    ],
)
def test_reference_and_bare_years(text: str, years: tuple[int, ...]) -> None:
    assert analyse(text).years == years


def test_a_search_box_query_asks_for_a_figure() -> None:
    assert analyse("2030年 西城区 口袋公园数量").kind == "number"
    assert analyse("口袋公园是什么").kind == "fact"


def test_the_figure_class_asked() -> None:
    assert analyse("2030年税收增速是多少？").figure == "rate"
    assert analyse("2030年税收增长了多少？").figure == "rate"
    assert analyse("金融业占全区经济的比重是多少？").figure == "share"
    assert analyse("2030年压减经费多少钱？").figure == "money"
    assert analyse("2030年新增了多少个停车位？").figure == ""  # 个 counts anything: no measure to hold to
    assert analyse("2030年共接待了多少人？").figure == "measure:人"
    assert analyse("2030年新建几所学校？").figure == "measure:所"
    assert analyse("2030年改造了多少万平方米？").figure == "measure:平方米"
    assert analyse("2030年参加人数增长了多少？").figure == "rate"  # a change is a rate, whatever it counts
    assert analyse("2031年的目标比2030年低多少个百分点？").figure == "rate"
    assert analyse("报告是在第几次会议上作的？").figure == ""  # 第几次 is an ordinal, not a count in 次


def test_a_directive_sentence_joins_the_year_sides() -> None:
    q = analyse("2029年和2031年的税收分别是多少？增加了多少？")
    assert [p.text for p in q.parts] == ["2029年的税收分别是多少？", "2031年的税收分别是多少？"]
    assert all(p.terms == (("税收", "三级税收"),) for p in q.parts)


def test_a_follow_up_with_a_new_topic_replaces_it_and_keeps_the_year() -> None:
    first = analyse("2031年停车位新增了多少个？")
    q = analyse("那口袋公园呢？", first)
    assert q.text == "2031年口袋公园新增了多少个？" and q.years == (2031,)
    assert q.terms[0][0].startswith("口袋公园") and not any("停车位" in t[0] for t in q.terms)
    again = analyse("那2029年呢？", q)
    assert again.text.startswith("2029年口袋公园") and again.years == (2029,)


def test_relative_years_of_a_named_report_and_list_counts() -> None:
    assert analyse("2031年的报告里说上一年新增了多少停车位？").years == (2030,)
    assert analyse("2031年报告里说当年要新建多少口袋公园？").years == (2031,)
    assert analyse("三大片区是哪些？").count == 3 and analyse("重点街区是哪四个？").count == 4
    assert analyse("有哪些文化设施？").count is None


@pytest.mark.parametrize(
    ("english", "rewrite"),
    [
        ("What was Xicheng's GDP in 2031?", "2031年地区生产总值是多少？"),
        ("How much were retail sales in 2031?", "2031年社会消费品零售总额多少？"),
        ("What is the 2031 target for the registered unemployment rate?", "2031年目标城镇登记失业率是多少？"),
    ],
)
def test_an_english_question_is_rewritten_as_one_clean_question(english: str, rewrite: str) -> None:
    assert analyse(english).text == rewrite
    assert analyse("2031年GDP是多少？").text == "2031年GDP是多少？"  # a Chinese question keeps its Latin names
    pasted = "2031年停车位新增多少个？[链接](javascript:window.open_some_page_now)"
    assert analyse(pasted).text.startswith("2031年停车位新增多少个")  # Latin code pasted into a Chinese question


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("2031年政协提案次数少了多少？", ["政协提案次数"]),  # not the fragment "数少"
        ("次数是多少", ["次数"]),  # a topic that begins like a measure word keeps it
        ("2031年新增多少个停车位", ["新增", "停车位"]),
        ("多少人次参加了培训", ["参加", "培训"]),
    ],
)
def test_question_words_are_masked_whole_so_no_fragments_remain(text: str, pieces: list[str]) -> None:
    from qa.understand import content_terms

    assert [alts[0] for alts in content_terms(text)] == pieces


def test_english_phrases_inside_a_chinese_question_become_report_terms_in_place() -> None:
    assert analyse("2031年 retail sales 多少亿元？").text == "2031年 社会消费品零售总额 多少亿元？"
    assert "GDP" in analyse("2031年万元GDP水耗下降率是多少").text  # the reports print GDP too


def test_a_list_question_names_the_noun_whose_members_it_asks() -> None:
    assert analyse("园区的“三大平台”是哪三个？").noun == "三大平台"
    assert analyse("2030年的五项民生工程分别是什么？").noun == "五项民生工程"
    assert analyse("2030年新建了多少口袋公园？").noun == ""


def test_lead_unit_column_words_and_sentence_particles() -> None:
    q = analyse("2030 口袋公园 责任单位")
    assert q.kind == "unit" and q.terms == (("口袋公园",),)
    assert analyse("口袋公园归哪个主责部门").kind == "unit"
    assert analyse("2030年新建了多少座口袋公园啊？").terms == (("新建",), ("口袋公园",))


def test_an_english_question_names_another_district_in_chinese() -> None:
    assert "朝阳区" in from_english("What was Chaoyang District's GDP in 2030?")


def test_colloquial_status_and_unit_asks_and_now_words() -> None:
    assert analyse("口袋公园这块现在啥情况").kind == "status"
    assert analyse("口袋公园这块现在啥情况").terms == (("口袋公园",),)
    assert analyse("口袋公园那个事儿是谁在管").kind == "unit"
    assert analyse("2030年PM10年均浓度是多少？").years == (2030,)  # "10年" inside a code name is no year


def test_a_multiple_of_another_year_asks_both_years() -> None:
    q = analyse("2031年口袋公园数量是2030年的几倍？")
    assert q.is_compound and q.ratio and [p.years for p in q.parts] == [(2031,), (2030,)]


def test_the_noun_a_definition_question_asks_about() -> None:
    assert analyse("“一园、两区”中的两区指什么？").noun == "两区"
    assert analyse("口袋公园是什么意思？").noun == "口袋公园"
    assert analyse("两区是指什么").noun == "两区"
