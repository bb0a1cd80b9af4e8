"""Cleaning the real reports: furniture gone, PDF lines re-joined, nothing of the text lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.clean import clean_text, looks_hard_wrapped
from index.load import load_text

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
REPORTS = ["2014-work-report.txt", "2006-work-report.txt", "2017-work-report.txt", "2020-work-report.txt"]
FURNITURE = [
    "当前位置",
    "来源:",
    "时间:2018",
    "移动端",
    "回到顶部",
    "链接地址",
    "转载请保留",
    "下一篇",
    "•",
    "ICP",
    "创业找项目",
]


def _cleaned(name: str) -> str:
    return clean_text(load_text(CORPUS / name))


@pytest.mark.parametrize("name", REPORTS)
def test_no_page_furniture_survives(name: str) -> None:
    text = _cleaned(name)
    for word in FURNITURE:
        assert word not in text, f"{word!r} left in {name}"


@pytest.mark.parametrize("name", REPORTS)
def test_nothing_of_the_report_is_lost(name: str) -> None:
    """Every raw line that is not furniture reappears, whitespace aside, in the cleaned text."""
    raw = load_text(CORPUS / name)
    flat = re.sub(r"\s+", "", _cleaned(name))
    furniture = re.compile("|".join(map(re.escape, FURNITURE)) + r"|链接地址|gjknj")
    for line in raw.splitlines():
        body = re.sub(r"\s+", "", line).lstrip("•")
        if body and not furniture.search(body):
            assert body in flat, f"lost from {name}: {line!r}"


def test_pdf_lines_are_rejoined_into_paragraphs() -> None:
    raw = load_text(CORPUS / "2020-work-report.txt")
    assert looks_hard_wrapped(raw.split("\n"))
    text = clean_text(raw)
    assert "社会消费品零售总额预计实现1089亿元" in text
    assert "完成169座公厕升级改造" in text  # stray spaces around numbers gone
    lines = text.split("\n")
    assert "一、2019年工作回顾" in lines and "（一）高水平完成重大活动服务保障任务" in lines
    assert len(lines) < 120 < raw.count("\n")  # ~1500 wrapped lines became paragraphs


def test_clean_reports_are_not_treated_as_wrapped() -> None:
    raw = load_text(CORPUS / "2014-work-report.txt")
    assert not looks_hard_wrapped(raw.split("\n"))
    assert clean_text(raw).count("\n") > 100  # paragraphs kept as they were
