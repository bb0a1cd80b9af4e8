"""evaluation.metrics on small hand-made cases whose right value is computed by hand."""

from __future__ import annotations

import pytest

from evaluation.metrics import (
    abstention_rates,
    answer_correct,
    canonical,
    char_f1,
    citation_precision,
    citation_recall,
    citation_supports,
    component_coverage,
    extract_numbers,
    first_hit_rank,
    hit_at_k,
    mean_of,
    mrr,
    normalize,
    percentile,
    quote_covered,
    split_components,
)

# A raw (PDF-like) quote and the cleaned text it comes from.
QUOTE = "地区生产总值预计完成960亿元，比2003年增加306.5亿元"
CLEAN = "2006年地区生产总值预计完成960亿元,比2003年增加306.5亿元,年均递增13.7%。"
CUT = CLEAN.index("0亿元")  # a chunk boundary inside "960"


# ---------------------------------------------------------------- normalize


def test_normalize_folds_width_whitespace_case_and_quote_variants() -> None:
    assert normalize("ＧＤＰ　９６０ 亿元，\n增长１３．７％") == "gdp960亿元,增长13.7%"
    assert normalize("“三网融合”") == normalize('"三网融合"') == normalize("「三网融合」")
    assert normalize("治理‘开墙打洞’") == "治理'开墙打洞'"


def test_normalize_keeps_enumeration_comma_and_full_stop() -> None:
    assert normalize("甲、乙。") == "甲、乙。"
    assert normalize("甲、乙") != normalize("甲,乙")


# ---------------------------------------------------------------- quote coverage


def test_quote_inside_one_passage_despite_whitespace_and_width() -> None:
    raw = "新增屋\n\n顶绿化 1 万平方米、垂直绿化 1000 延长米"
    assert quote_covered(raw, ["其他内容", "新增屋顶绿化1万平方米、垂直绿化1000延长米。"])


def test_quote_not_covered() -> None:
    assert not quote_covered(QUOTE, ["地区生产总值预计完成950亿元", "比2003年增加306.5亿元"])
    assert not quote_covered(QUOTE, [])
    assert not quote_covered("  \n", [CLEAN])


def test_quote_split_across_two_passages_at_the_chunk_boundary() -> None:
    first, second = CLEAN[:CUT], CLEAN[CUT:]
    assert first.endswith("96") and second.startswith("0亿元")
    assert quote_covered(QUOTE, [second, first])  # order of passages does not matter
    assert not quote_covered(QUOTE, [first])


def test_split_pieces_must_sit_at_passage_edges() -> None:
    first = CLEAN[:CUT] + "其后还有别的文字"  # the quote's prefix is not at the end
    assert not quote_covered(QUOTE, [first, CLEAN[CUT:]])


def test_quote_split_with_overlapping_chunks_and_across_three_passages() -> None:
    assert quote_covered(QUOTE, [CLEAN[:20], CLEAN[15:]])  # 5 characters of overlap
    middle = CLEAN[12:22]  # a whole passage inside the quote
    assert quote_covered(QUOTE, [CLEAN[:12], middle, CLEAN[22:]])
    assert not quote_covered(QUOTE, [CLEAN[:12], CLEAN[22:]])


# ---------------------------------------------------------------- retrieval ranks


def test_first_hit_rank_needs_all_quotes() -> None:
    other = "区政府外办以规范外语标识工作促进街区品质提升"
    passages = ["无关段落", CLEAN[:CUT], CLEAN[CUT:], other]
    assert first_hit_rank([QUOTE], passages) == 3  # split over ranks 2 and 3
    assert first_hit_rank([QUOTE, "规范外语标识工作"], passages) == 4
    assert first_hit_rank([QUOTE, "不在任何段落里"], passages) is None
    assert first_hit_rank([], passages) is None


def test_hit_at_k_and_mrr_on_a_tiny_ranked_list() -> None:
    ranks = [1, 3, None, 2]
    assert hit_at_k(ranks, 1) == 0.25
    assert hit_at_k(ranks, 2) == 0.5
    assert hit_at_k(ranks, 3) == 0.75
    assert mrr(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert hit_at_k([], 5) is None and mrr([]) is None


# ---------------------------------------------------------------- numbers and answers


def test_extract_numbers_as_written() -> None:
    text = "1,089亿元、1089 亿元、8.8万人、增长93.4%，１２４８２个"
    assert extract_numbers(text) == [1089.0, 1089.0, 8.8, 93.4, 12482.0]
    assert extract_numbers("2019年增长12.50%") == [2019.0, 12.5]


def test_canonical_rewrites_numbers_only() -> None:
    assert canonical("1,089.50亿元") == "1089.5亿元"
    assert canonical("5.0公顷") == "5公顷"


@pytest.mark.parametrize("answer", ["1089亿元", "1,089亿元", "1089 亿元", "约为１，０８９亿元。"])
def test_a_number_written_several_ways_is_correct(answer: str) -> None:
    assert answer_correct(answer, "1089亿元")


def test_numbers_must_not_match_inside_longer_numbers() -> None:
    assert not answer_correct("增长12%", "增长2%", ["2%"])
    assert not answer_correct("1960年", "960", [])
    assert not answer_correct("960.5亿元", "960亿元", ["960"])
    assert not answer_correct("960万元", "960亿元", [])


def test_aliases_and_abstention() -> None:
    assert answer_correct("新增学位3000多个", "3000余个", ["3000多个", "3000"])
    # abstaining on an answerable item is never right
    assert not answer_correct("960亿元", "960亿元", abstained=True)
    assert answer_correct("现有文件没有提供该信息", "x", item_type="unanswerable", abstained=True)
    assert not answer_correct("约1000亿元", "x", item_type="unanswerable", abstained=False)


def test_list_half_right_is_half_covered_and_wrong() -> None:
    gold = "宋庆龄故居、李大钊故居"
    answer = "宋庆龄故居成为全国爱国主义教育示范基地"
    assert component_coverage(answer, gold) == 0.5
    assert not answer_correct(answer, gold, item_type="list")
    assert answer_correct("宋庆龄故居和李大钊故居", gold, item_type="list")


def test_split_components_folds_numbers_and_drops_asides() -> None:
    assert split_components("目标1,089亿元（约数），实际1100亿元") == ["目标1089亿元", "实际1100亿元"]
    assert split_components("城市管理、社会治安；社会服务") == ["城市管理", "社会治安", "社会服务"]


def test_cross_doc_year_sides() -> None:
    gold = "2019年44微克/立方米，2020年40微克/立方米"
    reworded = "2019年PM2.5年均浓度为44微克/立方米；2020年平均浓度为40微克/立方米"
    assert component_coverage(reworded, gold) == 1.0
    assert component_coverage("2019年为44微克/立方米，2020年为41微克/立方米", gold) == 0.5
    # the years are not said
    assert component_coverage("44微克/立方米、40微克/立方米", gold) == 0.0


def test_year_side_without_numbers_allows_inserted_words_only() -> None:
    gold = "2016年实现九连冠，2020年获得“十连冠”"
    assert component_coverage("2016年实现全国双拥模范城九连冠，2020年获得“十连冠”", gold) == 1.0
    assert component_coverage("2016年实现全国双拥模范城八连冠，2020年获得“十连冠”", gold) == 0.5


# ---------------------------------------------------------------- F1


def test_char_f1_tiny_example() -> None:
    # answer 9 6 0 亿 元 (5), gold 9 6 0 亿 (4): common 4, P 4/5, R 1 -> 8/9
    assert char_f1("960亿元", "960亿") == pytest.approx(8 / 9)
    assert char_f1("“960亿”。", "960 亿") == 1.0  # punctuation and spaces ignored
    assert char_f1("区教委", "消防支队") == 0.0
    assert char_f1("", "") == 1.0


# ---------------------------------------------------------------- citations


def test_citation_support_needs_twelve_characters_at_an_end_of_the_quote() -> None:
    quote = "一般公共预算收入完成410亿元,是2011年的1.46倍"
    assert citation_supports("……2016年一般公共预算收入完成410亿元，是2011年……", quote)  # opening
    assert citation_supports("410亿元，是2011年的1.46倍，年均增长7.9%", quote)  # closing
    assert citation_supports("完成410亿元，是2011年", quote)  # a passage wholly inside the quote
    assert not citation_supports("完成410亿元", quote)  # ... but too short to show anything
    # another year's sentence shares only the 10-character stock opening
    assert not citation_supports("2013年一般公共预算收入完成300亿元", quote)
    # 12 shared characters in the middle of the quote are coincidence
    assert not citation_supports("三级税收达到4725亿元,是2011年的1.85倍", quote)
    assert citation_supports("区教委牵头", "区教委")  # short quote: the whole quote


def test_citation_precision_and_recall() -> None:
    q1 = "一般公共预算收入完成410亿元,是2011年的1.46倍"
    q2 = "三级税收达到4725亿元,是2011年的1.85倍"
    citations = [
        "一般公共预算收入完成410亿元，是2011年的1.46倍，年均增长7.9%。",  # supports q1
        "2013年一般公共预算收入完成300亿元。",  # supports nothing
    ]
    assert citation_precision(citations, [q1, q2]) == 0.5
    assert citation_recall(citations, [q1, q2]) == 0.5
    assert citation_recall([*citations, "全区三级税收达到4725亿元，是2011年的1.85倍"], [q1, q2]) == 1.0
    # the quote runs past the cited sentence into the next chunk: still shown
    assert (
        citation_recall(["深入推进“厕所革命”，完成169座公厕升级改造。"], ["完成 169 座公厕升级改造。倡导垃圾分类"])
        == 1.0
    )
    assert citation_precision([], [q1]) is None
    assert citation_recall([], [q1]) == 0.0
    assert citation_precision(citations, []) is None and citation_recall(citations, []) is None


# ---------------------------------------------------------------- rates and percentiles


def test_abstention_rates() -> None:
    outcomes = [(True, False), (True, True), (False, True), (False, False), (False, True)]
    accuracy, false_rate = abstention_rates(outcomes)
    assert accuracy == pytest.approx(2 / 3)
    assert false_rate == 0.5
    assert abstention_rates([(True, False)]) == (None, 0.0)


def test_percentile_and_mean() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([10, 20], 95) == 19.5
    assert percentile([7], 95) == 7
    assert percentile([1, 2, 3], 0) == 1 and percentile([1, 2, 3], 100) == 3
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1], 101)
    assert mean_of([1.0, None, 0.0]) == 0.5
    assert mean_of([None]) is None


def test_status_is_right_when_the_verdict_class_and_a_key_part_agree() -> None:
    gold = "未完成：受天气影响延期，一期已完工"
    assert answer_correct("延期。因连续降雨工程延期，一期已完工。", gold, item_type="status")
    assert answer_correct("未按计划完成。一期已完工，二期未开工。", gold, item_type="status")
    assert not answer_correct("已完成。一期已完工。", gold, item_type="status")  # wrong verdict
    assert not answer_correct("未按计划完成。资金尚未到位。", gold, item_type="status")  # no key part
    assert answer_correct("部分完成，其余仍在进行中。东段完工，西段施工中", "部分完成：东段完工", item_type="status")
