"""qa.match: IDF-weighted bigram coverage of a question's content pieces."""

from __future__ import annotations

from answering import idf

from qa.match import Idf, grams
from qa.weights import Weights


def test_rare_report_terms_weigh_more_than_common_words() -> None:
    i = idf()
    assert i("生产") > i("增长") > 0  # 增长 occurs in more background sentences than 生产


def test_a_piece_found_in_one_clause_counts_fully() -> None:
    i = idf()
    terms = (("背街小巷",),)
    assert i.coverage(terms, "完成背街小巷环境整治210条") == 1.0
    assert i.coverage(terms, "新增停车位3400个") == 0.0


def test_words_gathered_from_neighbouring_clauses_count_partly() -> None:
    i = idf()
    terms = (("口袋公园改造",),)
    together = i.coverage(terms, "口袋公园改造12处")
    spread = i.coverage(terms, "新建口袋公园12处，完成改造38个")
    assert together == 1.0 and 0 < spread < together


def test_the_best_wording_of_a_piece_counts() -> None:
    i = idf()
    assert i.coverage((("财政收入", "一般公共预算收入"),), "区级一般公共预算收入完成388亿元") == 1.0


def test_unknown_bigrams_weigh_the_configured_share() -> None:
    low, high = (
        Idf(["甲乙丙"], Weights(unknown_gram_idf_share=0.1)),
        Idf(["甲乙丙"], Weights(unknown_gram_idf_share=1.0)),
    )
    assert grams("戊己") and low("戊己") < high("戊己")
    assert low("what") == 0.0  # an English word the reports never use is no evidence either way


def test_a_latin_wording_weighs_what_its_report_term_weighs() -> None:
    i = idf()
    assert i.coverage((("GDP", "地区生产总值"),), "全年实现地区生产总值5120亿元") == 1.0
