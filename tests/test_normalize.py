"""Question normalisation (qa.normalize): each form people type, on sentences written for this test."""

from __future__ import annotations

import pytest

from qa.normalize import SIMPLIFIED, TRADITIONAL, normalise, normalise_question, to_user_script


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("去年區裡新建了幾座體育館？", "去年区里新建了几座体育馆？"),
        ("哪個部門負責老舊小區的電梯加裝？", "哪个部门负责老旧小区的电梯加装？"),
        ("2018年財政收入增長了多少", "2018年财政收入增长了多少"),
    ],
)
def test_traditional_questions_are_read_in_simplified(typed: str, expected: str) -> None:
    n = normalise(typed)
    assert n.text == expected and n.script == TRADITIONAL
    assert any(c.kind == "script" for c in n.changes)


def test_simplified_questions_are_left_as_typed_and_called_simplified() -> None:
    n = normalise("前年区里新开了几家便民菜店？")
    assert n.text == "前年区里新开了几家便民菜店？" and n.script == SIMPLIFIED and not n.changes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("二〇一七年新建了多少个停车位", "2017年新建了多少个停车位"),
        ("二零零八年的奥运会期间", "2008年的奥运会期间"),
        ("一九九九年以前的规划", "1999年以前的规划"),
        ("一八年种了多少棵树", "2018年种了多少棵树"),
        ("〇七年的财政收入", "2007年的财政收入"),
        ("两千零九年完成了哪些项目", "2009年完成了哪些项目"),
        ("二千零一十五年的目标", "2015年的目标"),
        ("二〇二一的规划是什么", "2021年的规划是什么"),
    ],
)
def test_chinese_numeral_years_become_digits(typed: str, expected: str) -> None:
    n = normalise(typed)
    assert n.text == expected
    assert [c.kind for c in n.changes] == ["numeral"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("税收突破了两千亿元吗", "税收突破了2000亿元吗"),
        ("一万二千户居民受益", "12000户居民受益"),
        ("改造了一百二十五座公厕", "改造了125座公厕"),
        ("人均寿命达到八十二点五岁", "人均寿命达到82.5岁"),
        ("收入增长百分之七", "收入增长7%"),
        ("降低百分之十二点五", "降低12.5%"),
        ("增长三点五个百分点", "增长3.5个百分点"),
        ("常住人口减少了五万", "常住人口减少了5万"),
    ],
)
def test_chinese_numeral_figures_become_digits(typed: str, expected: str) -> None:
    assert normalise_question(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "十三五时期完成了哪些任务",  # a plan's name, not a number (qa.understand reads it)
        "十四五规划提出了什么",
        "一般公共预算收入是多少",
        "一带一路有关的项目",
        "三级税收是多少",
        "第一批试点街道有哪些",
        "第十二次党代会",
        "有一些什么措施",
        "统一规划的内容",
        "建了三个中心",  # one-character counts: the reports write them in words too
        "出台了十条措施",
        "近三五年的变化",  # approximate counts, not the year 2035
        "三五年内完成",
        "七八年左右",
        "二三十个社区",  # twenty or thirty: not one number
        "千家万户",
        "万一没完成呢",
        "十五年来的变化",
    ],
)
def test_words_that_merely_contain_numerals_stay(typed: str) -> None:
    n = normalise(typed)
    assert n.text == typed and not n.changes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("２０１６年ＧＤＰ是多少", "2016年GDP是多少"),
        ("2016 年的地区生产总值", "2016年的地区生产总值"),
        ("完成 12 万平方米", "完成 12万平方米"),
        ("2015年 西城区 城镇登记失业率", "2015年 西城区 城镇登记失业率"),  # search-box spaces separate pieces
        ("收入是多少 ？", "收入是多少？"),
        ("收入\u3000是多少", "收入 是多少"),
    ],
)
def test_width_and_stray_spaces(typed: str, expected: str) -> None:
    assert normalise_question(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("新建了几所学校??", "新建了几所学校？"),
        ("真的完成了吗?!", "真的完成了吗？"),
        ("太好了!!!", "太好了！"),
        ("预算是1,250亿元,对吗?", "预算是1,250亿元，对吗？"),
        ("几点开会：10:30吗？？", "几点开会：10:30吗？"),
        ("人口、、面积", "人口、面积"),
        ("How many parks were built??", "How many parks were built?"),  # English keeps ASCII marks
    ],
)
def test_punctuation(typed: str, expected: str) -> None:
    assert normalise_question(typed) == expected


def test_control_characters_and_zero_width_marks_are_removed() -> None:
    n = normalise("绿化\u200b面积\x07是\ufeff多少")
    assert n.text == "绿化面积是多少" and n.changes[0].kind == "control"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2016年gdp增长多少", "2016年GDP增长多少"),
        ("pm2.5浓度降到多少", "PM2.5浓度降到多少"),
        ("cbd建设进展", "CBD建设进展"),
        ("What was the gdp in 2016?", "What was the gdp in 2016?"),  # English: matched case-insensitively
    ],
)
def test_lower_case_acronyms_match_the_reports_capitals(typed: str, expected: str) -> None:
    assert normalise_question(typed) == expected


def test_all_forms_at_once_in_the_documented_order() -> None:
    n = normalise("二〇一五年　西城區的ｇｄｐ增長百分之七點五嗎??")
    assert n.text == "2015年 西城区的GDP增长7.5%吗？"
    assert n.script == TRADITIONAL
    assert [c.kind for c in n.changes] == ["width", "script", "numeral", "numeral", "space", "punctuation", "case"]
    assert "百分之七点五→7.5%" in [str(c) for c in n.changes]


def test_messages_shown_in_the_users_script_keep_quotes_as_printed() -> None:
    message = "没有找到相关报告，请换个说法：“社会发展总体规划”"
    shown = to_user_script(message, TRADITIONAL)
    assert shown.startswith("沒有找到相關報告，請換個說法")
    assert shown.endswith("“社会发展总体规划”")
    assert to_user_script(message, SIMPLIFIED) == message


def test_normalising_twice_changes_nothing() -> None:
    once = normalise_question("二〇一五年　西城區的ｇｄｐ增長百分之七點五嗎??")
    assert normalise(once).text == once and not normalise(once).changes


# Questions written for this test, each with its traditional-script and Chinese-numeral twins.
_TWINS = [
    (
        "2019年全区社会消费品零售总额预计实现多少？",
        "2019年全區社會消費品零售總額預計實現多少？",
        "二〇一九年全区社会消费品零售总额预计实现多少？",
    ),
    ("2016年全区三级税收达到了多少？", "2016年全區三級稅收達到了多少？", "二零一六年全区三级税收达到了多少？"),
    ("2013年的地区生产总值预计实现多少？", "2013年的地區生產總值預計實現多少？", "一三年的地区生产总值预计实现多少？"),
    ("2006年地区生产总值预计完成多少？", "2006年地區生產總值預計完成多少？", "两千零六年地区生产总值预计完成多少？"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("plain", "traditional", "numerals"), _TWINS)
def test_traditional_and_numeral_twins_get_the_same_answer(
    assistant, plain: str, traditional: str, numerals: str
) -> None:
    expected = assistant.ask(plain)
    assert not expected.abstained
    for twin in (traditional, numerals):
        got = assistant.ask(twin)
        assert got.answer == expected.answer
        assert [c.text for c in got.citations] == [c.text for c in expected.citations]
