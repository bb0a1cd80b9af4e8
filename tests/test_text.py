"""qa.text: the shared primitives (years, figures, sentences, clauses, enumerations)."""

from __future__ import annotations

from qa.text import NUMBER_RE, YEAR_RE, clauses, has_figure, has_figure_of, is_enumeration, only_as_part, sentences


def test_years_are_four_digits_followed_by_nian() -> None:
    assert YEAR_RE.findall("2030年和2031 年相比") == ["2030", "2031"]
    assert YEAR_RE.findall("编号12030年") == []  # part of a longer number
    assert YEAR_RE.findall("1999年") == ["1999"] and YEAR_RE.findall("2999年") == []


def test_figures_carry_their_units() -> None:
    text = "完成投资1,250.5亿元，增长7.3%，新建学校6所，连续三年保持两项第一"
    found = [m.group() for m in NUMBER_RE.finditer(text)]
    assert found == ["1,250.5亿元", "7.3%", "6所", "两项", "第一"]
    assert has_figure("提高12个百分点") and not has_figure("稳步提高服务水平")


def test_figures_written_loosely_still_count() -> None:
    text = "新增车位3000多个，步行20分钟可达，获得三块奖牌，开通“12345”热线，结构为1∶9.5∶89.5，2030年起施行"
    found = [m.group() for m in NUMBER_RE.finditer(text)]
    assert found == ["3000多个", "20分钟", "三块", "12345", "1∶9.5∶89.5", "2030年"]
    assert not has_figure("按2030版规划执行")  # a bare year is no figure
    assert not has_figure("居民人均可支配收入\t元\t36482")  # nor a bare table cell: its unit is a column
    assert [c.text for c in clauses("区财政局\t全年完成42亿元，增长3%")] == ["区财政局\t", "全年完成42亿元，", "增长3%"]


def test_a_count_asked_in_a_measure_is_answered_in_that_measure_or_its_kin() -> None:
    assert has_figure_of("服务居民3.2万人次", "measure:人") and has_figure_of("招募志愿者120名", "measure:人")
    assert not has_figure_of("举办专场活动12场", "measure:人")
    assert has_figure_of("改造平房院落420户", "measure:户") and not has_figure_of("改造院落420处", "measure:户")
    assert has_figure_of("完成绿化1.5万平方米", "measure:平方米")


def test_an_indicator_named_only_as_part_of_another_measure_gives_no_figure_of_its_own() -> None:
    share = "文化产业增加值占全区地区生产总值的比重为12.5%，占地区生产总值的8%"
    assert only_as_part("地区生产总值", share, "2030年地区生产总值是多少")
    assert only_as_part("地区生产总值", "人均地区生产总值达到15万元", "2030年地区生产总值是多少")
    assert not only_as_part("地区生产总值", "人均地区生产总值达到15万元", "2030年人均地区生产总值是多少")
    assert not only_as_part("地区生产总值", "地区生产总值增长6%，占全市的比重为9%", "2030年地区生产总值是多少")


def test_sentences_and_clauses_keep_offsets() -> None:
    text = "新建公园3处，改造绿地20公顷；植树1万株。\n下一段落没有句号"
    ss = sentences(text)
    assert [s.text for s in ss] == ["新建公园3处，改造绿地20公顷；植树1万株。", "下一段落没有句号"]
    assert all(text[s.start : s.end] == s.text for s in ss)
    cs = clauses(ss[0].text)
    assert [c.text for c in cs] == ["新建公园3处，", "改造绿地20公顷；", "植树1万株。"]


def test_enumeration_needs_the_list_comma() -> None:
    assert is_enumeration("建设图书馆、博物馆和文化站")
    assert not is_enumeration("建设图书馆和博物馆")


def test_figure_classes() -> None:
    from qa.text import has_figure_of

    assert has_figure_of("税收增长6.2%", "rate") and has_figure_of("比上年增加12亿元", "rate")
    assert not has_figure_of("税收达到420亿元", "rate")  # a level is no rate
    assert not has_figure_of("是2025年的1.3倍", "rate")  # a multiple of another year is no rate
    assert not has_figure_of("五年间年均增长7.5%", "rate") and has_figure_of("五年间年均增长7.5%", "average_rate")
    assert has_figure_of("投入资金3.2亿元", "money") and not has_figure_of("压减50%", "money")
    assert has_figure_of("新建12处", "") and not has_figure_of("稳步推进", "")


def test_a_share_is_a_percentage_that_is_not_a_change() -> None:
    from qa.text import has_figure_of

    assert has_figure_of("文化产业增加值占全区比重达到12.5%", "share")
    assert not has_figure_of("文化产业增加值同比增长12.5%", "share")
    assert not has_figure_of("收入增长了8%", "share")
    assert has_figure_of("收入增长了8%", "rate")
