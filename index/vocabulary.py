"""The one vocabulary of report concepts: how the reports word each one, how people name it.

Every reader of concept names reads this one table: :func:`index.indicators.canonical` (the
reports' wordings of an indicator, one series name), ``qa.lexicon`` (a question's colloquial or
English name of a concept, rewritten into the reports' terms) and ``qa.series`` (which indicator a
trend question asks for).  One entry per concept:

* ``name``: the report's normalised name (an indicator's series name);
* ``terms``: the reports' own words searched for it (default: the name), e.g. the old and the new
  name of a renamed indicator;
* ``wordings``: for an indicator, every wording a report gives it, as a pattern over the whole
  wording (what one series collects);
* ``aliases``: how people name it in a Chinese question ("GDP", "财政收入", "拆违");
* ``english``: its English names ("retail sales");
* ``unit``: for an indicator, the unit its level is stated in.

**Whole terms.**  An alias names its concept only where it stands as a whole term of the text
(:func:`whole_term`): the span begins and ends on word boundaries (the words of the text as a
word segmenter cuts them), so "用水" is not read inside 用水量 nor "空气" inside 空气质量; it is not
part of a longer name of the vocabulary ("预算收入" inside 一般公共预算收入 is the report's own term); and the
word just before it does not name another level of government (…市, …省, …国, 中央, 市级),
because a qualifier of another level makes it another measure: 北京市税收 is the city's, not the
district's 三级税收.  Question words in English ("how many") are question grammar, kept in ``qa``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba


@dataclass(frozen=True)
class Concept:
    """One report concept and every way it is named."""

    name: str
    terms: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    english: tuple[str, ...] = ()
    unit: str = ""
    wordings: re.Pattern[str] | None = None

    @property
    def indicator(self) -> bool:
        """An indicator: a figure the reports state year after year, collected as one series."""
        return self.wordings is not None

    @property
    def report_terms(self) -> tuple[str, ...]:
        return self.terms or (self.name,)


VOCABULARY: tuple[Concept, ...] = (
    # Indicators: the reports' headline figures.
    Concept(
        "地区生产总值",
        aliases=("GDP", "生产总值", "经济总量"),
        english=("gross domestic product", "GDP"),
        unit="亿元",
        wordings=re.compile(r"(?:地区|全区)?生产总值|GDP", re.IGNORECASE),
    ),
    Concept(
        "一般公共预算收入",
        terms=("一般公共预算收入", "公共财政预算收入"),  # renamed by the budget law of 2014
        aliases=("财政收入", "预算收入"),
        english=("budget revenue", "fiscal revenue"),
        unit="亿元",
        wordings=re.compile(r"(?:区级|区|地方)*(?:一般公共预算|公共财政预算|财政预算|财政)收入"),
    ),
    Concept(
        "居民人均可支配收入",
        terms=("人均可支配收入",),  # the part every year's wording shares (城镇居民…, 全区居民…)
        aliases=("人均收入", "可支配收入", "居民收入", "百姓收入"),
        english=("disposable income", "income"),
        unit="元",
        wordings=re.compile(r"(?:城镇|城市|全区)?居民人均可支配收入|人均可支配收入"),
    ),
    Concept(
        "三级税收",
        aliases=("税收",),
        english=("tax revenue",),
        unit="亿元",
        wordings=re.compile(r"三级税收(?:收入)?"),
    ),
    Concept(
        "社会消费品零售总额",
        aliases=("零售", "社零"),
        english=("retail sales",),
        unit="亿元",
        wordings=re.compile(r"社会消费品零售(?:总)?额"),
    ),
    Concept(
        "全社会固定资产投资",
        aliases=("固定资产投资",),
        unit="亿元",
        wordings=re.compile(r"(?:全社会)?固定资产投资(?:额|总额)?"),
    ),
    Concept(
        "城镇登记失业率",
        terms=("城镇登记失业率", "登记失业率"),
        aliases=("失业率",),
        english=("urban registered unemployment rate", "registered unemployment rate", "unemployment rate"),
        unit="%",
        wordings=re.compile(r"(?:城镇)?登记失业率"),
    ),
    Concept(
        "PM2.5年均浓度",
        terms=("细颗粒物", "PM2.5"),
        aliases=("PM2.5", "细颗粒物", "空气"),
        unit="微克/立方米",
        wordings=re.compile(
            r"(?=.*(?:细颗粒物|PM2\.5))(?:空气中)?(?:细颗粒物)?[(（]?(?:PM2\.5)?[)）]?(?:年均|年平均|平均)?浓度",
            re.IGNORECASE,
        ),
    ),
    # Concepts people abbreviate or name otherwise, searched under the reports' words.
    Concept("新水用量", aliases=("用水", "用水量", "水耗"), english=("water use",)),
    Concept("拆除违法建设", terms=("拆除违法建设", "违法建设"), aliases=("拆违",)),
    Concept("违法建设", aliases=("违建",), english=("illegal buildings",)),
    Concept("公厕", terms=("公厕", "厕所"), aliases=("公厕", "厕所"), english=("public toilets", "toilets")),
    Concept("棚户区改造", aliases=("棚改",)),
    Concept("加装电梯", aliases=("电梯",)),  # the programme of lifts added to old blocks, however asked
    Concept("学位", english=("school places",)),
    Concept("绿地", english=("green space",)),
    Concept("增速", terms=("增幅", "增速"), aliases=("增长",)),  # a growth rate, as the reports word it
)

# Every (alias, concept) and (English name, concept), in lower case: questions are matched case-insensitively.
ALIASES: tuple[tuple[str, Concept], ...] = tuple((a.lower(), c) for c in VOCABULARY for a in c.aliases)
ENGLISH_NAMES: tuple[tuple[str, Concept], ...] = tuple((e.lower(), c) for c in VOCABULARY for e in c.english)

# Every name of the vocabulary, a word wherever it stands (预算收入 inside 一般公共预算收入 is the report's term).
_WORDS = frozenset(w.lower() for c in VOCABULARY for w in (c.name, *c.report_terms, *c.aliases))

# The word before an alias that names another level of government: "北京市", "全市", "全国", "中央", "市级".
_OTHER_LEVEL = re.compile(r"(?:[省市国]|中央)级?$")


def canonical_name(wording: str) -> str | None:
    """The indicator whose reports' wordings include ``wording`` whole (spaces removed by the caller)."""
    return next((c.name for c in VOCABULARY if c.wordings is not None and c.wordings.fullmatch(wording)), None)


def occurrences(text: str, part: str) -> Iterator[int]:
    """Every offset of ``part`` in ``text``, overlapping ones included."""
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + 1)


def whole_term(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands as a whole term: on word boundaries, not inside a longer
    name of the vocabulary, and not qualified by the word before it as another level of government
    (the rule in the module's docstring)."""
    cuts = _boundaries(text)
    if start not in cuts or end not in cuts:
        return False
    low = text.lower()
    for word in _WORDS:
        if len(word) > end - start and any(at <= start and end <= at + len(word) for at in occurrences(low, word)):
            return False
    before = max((c for c in cuts if c < start), default=None)
    return before is None or not _OTHER_LEVEL.search(text[before:start].strip())


@lru_cache(maxsize=4096)  # a question's pieces are looked up once per alias; 4096 holds a busy chat's recent ones
def _boundaries(text: str) -> frozenset[int]:
    """Offsets where one word of ``text`` ends and the next begins (0 and ``len(text)`` included).

    Cut from the segmenter's dictionary alone (no HMM): the HMM glues characters it does not know
    into new words ("社零额" as one), which would hide a whole alias inside them.
    """
    cuts, at = {0}, 0
    for word in _segmenter().cut(text, HMM=False):
        at += len(word)
        cuts.add(at)
    return frozenset(cuts)


def warm_up() -> None:
    """Load the word segmenter now (2-4 s once), so the first question after start does not wait for it."""
    _segmenter()


@cache
def _segmenter() -> jieba.Tokenizer:
    """jieba's own tokenizer instance (not the module-wide one other code may configure), imported
    and loaded on first use: building an index never loads its dictionary."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer
