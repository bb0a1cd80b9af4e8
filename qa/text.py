"""Shared text primitives of the answering stages: years, figures, sentences, clauses, enumerations.

One copy of each, so that understanding, evidence reading and extraction agree
on what a year, a figure or a sentence is.  Offsets always refer to the text
they were found in, so evidence can be cited and highlighted exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A written four-digit year ("2019年", "2019 年"), not part of a longer number.
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")

# A figure with its unit, as reports write them ("1089亿元", "4.5%", "169座", "12个百分点"),
# or a count in Chinese numerals followed by a measure word ("四连冠", "三大", "两项").
NUMBER_RE = re.compile(
    r"\d+(?:[.,]\d+)*\s*(?:%|％|‰|[万亿千百]?(?:元|人次|人|个|座|处|家|条|所|项|次|户|套|辆|件|名|张|部|场|块|公里|平方米|"
    r"公顷|亩|立方米|米|延长米|吨|倍|岁|天|年|个百分点|微克)|[万亿])|[一二三四五六七八九十两]+(?:连冠|大|项|个|条)|第[一二三四五六七八九十]"
)

# Sentences end at 。！？ or a line break; clauses also at ，；：.  Semicolons in reports
# separate different figures, so a clause ending in one closes an answer window.
_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
CLAUSE_MARKS = "，,；;：:。！？!?"  # what ends a clause (and a sentence)
_CLAUSE_RE = re.compile(rf"[^{CLAUSE_MARKS}\n]+[{CLAUSE_MARKS}]?")
CLAUSE_BREAK = re.compile(r"[，,；;。！？!?：:\n]")
SEMICOLONS = ("；", ";")
ENUMERATION_MARK = "、"  # the list comma: what separates the items of an enumeration


@dataclass(frozen=True)
class Span:
    """A piece of a text, with its offsets inside that text."""

    start: int
    end: int
    text: str


def spans(text: str, pattern: re.Pattern[str]) -> list[Span]:
    """Non-blank matches of ``pattern`` as spans."""
    return [Span(m.start(), m.end(), m.group()) for m in pattern.finditer(text) if m.group().strip()]


def sentences(text: str) -> list[Span]:
    return spans(text, _SENTENCE_RE)


def clauses(text: str) -> list[Span]:
    return spans(text, _CLAUSE_RE)


def has_figure(text: str) -> bool:
    return NUMBER_RE.search(text) is not None


# Which figures can answer what is asked: a rate of change or a share is a percentage
# (or percentage points) or an amount stated as a change ("增加306.5亿元"); a multiple
# ("是2011年的1.48倍") compares with another year and is no rate; a sum of money is in 元.
_RATE_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|‰|个百分点)|(?:增加|增长|提高|减少|下降|降低)了?\s*\d")
_MONEY_FIGURE = re.compile(r"\d+(?:[.,]\d+)*\s*[万亿千百]?元")
# An annual average over a period ("年均增长8.2%") is not one year's change, and one year's is not an average.
AVERAGE_WORDS = re.compile(r"年均|年平均|平均每年")  # an annual average over a period
_AVERAGE_FIGURE = re.compile(rf"(?:{AVERAGE_WORDS.pattern})[^\d，,。；;]{{0,6}}\d+(?:\.\d+)?\s*(?:%|％|个百分点)?")
# A share is a percentage that is not a change: "占全区的40%", "比重达到32%", not "同比增长23.6%".
_PERCENT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?\s*(?:%|％)")
_CHANGE_BEFORE = re.compile(r"(?:增长|增幅|增速|下降|降幅|提高|降低|减少|同比|递增|增|降)了?\s*$")


def _states_share(text: str) -> bool:
    return any(not _CHANGE_BEFORE.search(text[max(m.start() - 4, 0) : m.start()]) for m in _PERCENT.finditer(text))


FIGURE_CLASSES = {"rate": _RATE_FIGURE, "money": _MONEY_FIGURE, "average_rate": _AVERAGE_FIGURE}


def has_figure_of(text: str, wanted: str) -> bool:
    """Whether ``text`` states a figure of the wanted class ("" = any figure)."""
    if wanted == "share":
        return _states_share(text)
    pattern = FIGURE_CLASSES.get(wanted)
    if pattern is None:
        return has_figure(text)
    if wanted == "rate":
        text = _AVERAGE_FIGURE.sub(" ", text)
    return pattern.search(text) is not None


def is_enumeration(text: str) -> bool:
    """Whether a text lists items (at least two, joined by the list comma)."""
    return ENUMERATION_MARK in text


_CN_NUMBER = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def small_number(word: str) -> int | None:
    """1-10 written as a digit or a Chinese numeral, else None."""
    if word.isdigit():
        return int(word)
    return _CN_NUMBER.get(word)


def enumeration_items(text: str) -> int:
    """How many items a 、-joined enumeration lists (its last item may follow 和/及/以及)."""
    if ENUMERATION_MARK not in text:
        return 0
    items = text.split(ENUMERATION_MARK)
    return len(items) + (1 if re.search(r"和|及|以及", items[-1]) else 0)
