"""Shared text primitives of the answering stages: years, figures, sentences, clauses, enumerations.

One copy of each, so that understanding, evidence reading and extraction agree
on what a year, a figure or a sentence is.  Offsets always refer to the text
they were found in, so evidence can be cited and highlighted exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.vocabulary import occurrences

# A written four-digit year ("2019年", "2019 年"), not part of a longer number.
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")

# A figure with its unit, as reports write them ("1089亿元", "4.5%", "169座", "8000多个", "15分钟"),
# a count in Chinese numerals followed by a measure word ("四连冠", "三大", "两项", "两块"), an
# ordinal, a ratio ("0∶7.4∶92.6"), or a number printed in quotes as a name ("“96156”" hotline; a bare
# number elsewhere is a table cell or part of a code).
NUMBER_RE = re.compile(
    r"\d+(?:[.,]\d+)*\s*(?:多|余)?\s*(?:%|％|‰|[万亿千百]?(?:元|人次|人|个|座|处|家|条|所|项|次|户|套|辆|件|名|张|部|场|块|"
    r"公里|平方米|公顷|亩|立方米|米|延长米|吨|倍|岁|天|年|个百分点|微克|分钟|小时|个月|枚|届)|[万亿])"
    r"|[一二三四五六七八九十两]+(?:连冠|大|项|个|条|块|枚|届|所|座|家)|第[一二三四五六七八九十]"
    r"|\d+(?:\.\d+)?(?:\s*[∶:：]\s*\d+(?:\.\d+)?)+"
    r"|(?<=[“\"「])\d{3,}(?=[”\"」])"
)

# Sentences end at 。！？ or a line break; clauses also at ，；：.  Semicolons in reports
# separate different figures, so a clause ending in one closes an answer window.
_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
CLAUSE_MARKS = "，,；;：:。！？!?\t"  # what ends a clause (and a sentence); a tab ends a table cell
_CLAUSE_RE = re.compile(rf"[^{CLAUSE_MARKS}\n]+[{CLAUSE_MARKS}]?")
CLAUSE_BREAK = re.compile(r"[，,；;。！？!?：:\n\t]")
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


# A code name mixing Latin letters and digits ("PM10", "PM2.5", "5G"): one character more names
# another thing, so a text answers about it only if it prints it.
CODE_RE = re.compile(r"[A-Za-z]+\d+(?:\.\d+)?|\d+[A-Za-z]+")


def missing_codes(question: str, text: str) -> list[str]:
    """The code names of a question that ``text`` does not print (case ignored)."""
    lowered = text.lower()
    return [code for code in CODE_RE.findall(question) if code.lower() not in lowered]


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
# "占(全区)地区生产总值(的)比重": the term between 占 and 比重/比例 is the base of a share.
_SHARE_OPENER = re.compile(r"占[^，,。；;\d]{0,10}$")
_SHARE_CLOSER = re.compile(r"的?(?:比重|比例|份额|\d)")
# What turns an indicator into another one: a per-head or per-output ratio ("人均…", "万元…能耗").
_DERIVED_BEFORE = re.compile(r"(?:人均|万元|单位|每万人|每千人|每百人)$")
_DERIVED_AFTER = re.compile(r"能耗|水耗|电耗|密度")
_CHANGE_BEFORE = re.compile(r"(?:增长|增幅|增速|下降|降幅|提高|降低|减少|同比|递增|增|降)了?\s*$")


def only_as_part(term: str, text: str, question: str) -> bool:
    """Whether ``term`` occurs in ``text`` only as part of another measure, so the text gives no figure
    of its own: the base of a share ("现代服务业增加值占地区生产总值的比重达到73.6%"), or a measure derived
    from it that the question does not name ("人均地区生产总值", "万元地区生产总值能耗")."""
    found = list(occurrences(text, term))
    return bool(found) and all(
        _is_share_base(text, at, at + len(term)) or _derived(text, at, at + len(term), question) for at in found
    )


def _derived(text: str, start: int, end: int, question: str) -> bool:
    before = _DERIVED_BEFORE.search(text[max(start - 4, 0) : start])
    after = _DERIVED_AFTER.match(text[end : end + 2])
    return any(m is not None and m.group() not in question for m in (before, after))


def _is_share_base(text: str, start: int, end: int) -> bool:
    before, after = text[max(start - 12, 0) : start], text[end : end + 6]
    return bool(_SHARE_OPENER.search(before)) and bool(_SHARE_CLOSER.match(after))


def _states_share(text: str) -> bool:
    return any(not _CHANGE_BEFORE.search(text[max(m.start() - 4, 0) : m.start()]) for m in _PERCENT.finditer(text))


FIGURE_CLASSES = {"rate": _RATE_FIGURE, "money": _MONEY_FIGURE, "average_rate": _AVERAGE_FIGURE}

# What a count asked with a measure word ("多少人", "几所", "多少万平方米") may be answered in: the same
# measure or one that counts the same things ("12场" is no answer to 多少人; 人次 and 名 are).
# "个" is left out: reports count almost anything in 个, so it tells nothing.
MEASURES: dict[str, tuple[str, ...]] = {
    "人": ("人次", "人", "名", "位"),
    "名": ("名", "人"),
    "户": ("户", "套"),
    "套": ("套", "户"),
    "家": ("家", "个", "户"),
    "所": ("所", "个", "座"),
    "座": ("座", "个", "处"),
    "处": ("处", "个", "座"),
    "条": ("条", "个"),
    "项": ("项", "个", "件"),
    "件": ("件", "项", "个"),
    "场": ("场", "次", "个", "期"),
    "次": ("次", "场", "人次"),
    "辆": ("辆",),
    "部": ("部", "台"),
    "台": ("台", "部"),
    "张": ("张",),
    "平方米": ("平方米",),
    "公里": ("公里", "千米", "米"),
    "吨": ("吨",),
    "亩": ("亩",),
    "公顷": ("公顷",),
}
_MEASURE_WORDS = "|".join(sorted(MEASURES, key=len, reverse=True))
# The measure a question asks its count in: 多少 / 几 + an optional magnitude + the measure word.
MEASURE_ASKED = re.compile(rf"(?<!第)(?:多少|几)\s*[万亿千百]?({_MEASURE_WORDS})")  # 第几次 is an ordinal
_MAGNITUDE = r"(?:\d+(?:[.,]\d+)*|[一二三四五六七八九十两百千]+)\s*[万亿千百]?"
for _asked, _units in MEASURES.items():
    _alternatives = "|".join(sorted(_units, key=len, reverse=True))
    FIGURE_CLASSES[f"measure:{_asked}"] = re.compile(rf"{_MAGNITUDE}(?:{_alternatives})")


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


# A list introduced by a colon whose items are clauses ("主要预期目标是：A；B；C"): at least two semicolons' worth.
_COLON_LIST = re.compile(r"[：:][^；;。]+[；;][^；;。]+")


def is_enumeration(text: str) -> bool:
    """Whether a text lists items: at least two joined by the list comma, or clauses after a colon."""
    return ENUMERATION_MARK in text or _COLON_LIST.search(text) is not None


def introduces_list(text: str) -> bool:
    """Whether a text ends by announcing a list ("…的主要预期目标是："): its items follow."""
    return text.rstrip().endswith(("：", ":"))


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
