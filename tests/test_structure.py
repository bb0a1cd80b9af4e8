"""Headings and section paths on the real reports."""

from __future__ import annotations

from pathlib import Path

from index.clean import clean_text
from index.load import load_text
from index.structure import heading_level, structure

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _sections(name: str) -> dict[str, tuple[str, ...]]:
    text = clean_text(load_text(CORPUS / name))
    return {text[b.start : b.end]: b.section for b in structure(text)}


def test_heading_levels() -> None:
    assert heading_level("一、2013年工作回顾") == 1
    assert heading_level("（一）牢牢把握稳中求进总基调，区域经济实现平稳健康发展") == 2
    assert heading_level("(一)深入开展疏解提升专项行动,全力推进非首都功能疏解") == 2
    assert heading_level("23. 双增计划") == 3
    assert heading_level("过去三年工作回顾") == 0
    assert heading_level("一是加快改善居住环境。") is None
    assert heading_level("各位代表：") is None
    assert heading_level("（PM2.5）年均浓度44微克/立方米、下降17%。") is None


def test_paragraphs_know_their_section_path() -> None:
    sections = _sections("2014-work-report.txt")
    para = next(t for t in sections if t.startswith("坚持扩大总量与优化结构并重"))
    assert sections[para] == ("一、2013年工作回顾", "（一）牢牢把握稳中求进总基调，区域经济实现平稳健康发展")
    glossary = next(t for t in sections if "增加划片生" in t)
    assert sections[glossary][-1] == "23. 双增计划".replace(" ", "") or sections[glossary][-1].endswith("双增计划")
    assert sections[glossary][0] == "名词解释"


def test_unnumbered_parts_nest_numbered_headings() -> None:
    sections = _sections("2006-work-report.txt")
    para = next(t for t in sections if "新增绿化面积5公顷" in t)
    assert sections[para][0] == "2007年主要工作任务"
    assert sections[para][1].startswith("二、")


def test_paragraph_opening_with_a_heading_sentence_opens_that_section() -> None:
    sections = _sections("2017-work-report.txt")
    para = next(t for t in sections if t.startswith("(一)积极落实首都城市战略定位"))
    assert sections[para][-1].startswith("(一)积极落实首都城市战略定位")
    assert sections[para][0] == "一、过去五年工作回顾"
