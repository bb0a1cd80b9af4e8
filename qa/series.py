"""Indicator timelines: one indicator across every report, each figure cited.

The index holds every indicator statement of every report (:mod:`index.indicators`); a trend
question ("西城区历年地区生产总值", "2004年以来区级财政收入的变化") is answered by collecting
them, not by retrieving a few passages.  Rules a reader can check:

* one row per statement: where two reports state a figure for the same year (a 预计 in January,
  the final figure later), both are shown, the later report first;
* years with no statement are gaps, listed as such, never filled;
* actuals (实际, 预计) by default; targets (目标, 调整后目标) only when the question asks for them;
  period figures (累计, 年均) are never a point of a year;
* a level and a growth rate are different series (亿元 and % never share an axis); one unit per
  series: a level in 万元 joins one in 亿元 through its base value, a different base unit is left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from index import Index, Statement
from index.indicators import ACTUAL_KINDS, base_value
from index.vocabulary import ALIASES, occurrences, whole_term

TARGET_KINDS = ("目标", "调整后目标")
# What follows a name up to the question's own words, when it holds another measure noun.
_OTHER_HEAD = re.compile(
    r"[^，,。？?！!]*?(?:天数|人数|个数|次数|户数|家数|比重|占比|面积)(?!.*?(?:历年|每年|这几年|各年))|[^历每这各从近是有的，,？?]{0,8}?(?:比重|占比|天数)"
)
CONVERTED = "合"  # "（合5061.06亿元）": a figure restated in the series' unit, computed, not quoted
_MIN_NAME = 3  # a statement's wording shorter than this (覆盖率) names no one indicator in a question


@dataclass(frozen=True)
class Point:
    """One statement of the series, in the series' unit."""

    year: int
    value: float  # in the series unit (a growth series: percent)
    statement: Statement
    n: int = 0  # the answer's citation of the statement


@dataclass(frozen=True)
class Series:
    indicator: str
    measure: str  # "level" | "growth"
    unit: str  # of every point's value
    points: tuple[Point, ...]  # by year, the later report first within a year
    years: tuple[int, ...]  # the span shown: asked, else that of the points
    gaps: tuple[int, ...]  # years of the span with no statement

    @property
    def empty(self) -> bool:
        return not self.points

    def keep(self, wanted: Callable[[Point], bool]) -> Series:
        """The series with only the wanted points; its span stays, the others become gaps."""
        points = tuple(p for p in self.points if wanted(p))
        stated = {p.year for p in points}
        return replace(self, points=points, gaps=tuple(y for y in self.years if y not in stated))

    def cited(self, numbers: dict[int, int]) -> Series:
        """The points numbered by their statements' citations (``numbers``: id of the statement -> n)."""
        return replace(self, points=tuple(replace(p, n=numbers.get(id(p.statement), 0)) for p in self.points))


def indicator_of(texts: Iterable[str], index: Index) -> str | None:
    """The indicator a question (or one of its rewordings) names: the longest name or report wording in it.

    How people name an indicator is the vocabulary's (:mod:`index.vocabulary`), read only where it
    stands as a whole term; the reports' own names and wordings are those of the index's statements.
    A name followed by another measure ("空气质量…天数", "GDP…比重") names a different indicator.
    """
    found: list[tuple[int, str]] = []
    aliases = [(alias, concept.name) for alias, concept in ALIASES if concept.indicator]
    wordings = [
        (n.lower(), st.indicator) for st in index.statements for n in (st.indicator, st.wording) if len(n) >= _MIN_NAME
    ]
    for text in texts:
        low = re.sub(r"\s", "", text).lower()
        for key, name, whole in [*((k, n, True) for k, n in aliases), *((k, n, False) for k, n in wordings)]:
            at = next((a for a in occurrences(low, key) if not whole or whole_term(low, a, a + len(key))), -1)
            if at >= 0 and not _OTHER_HEAD.match(low, at + len(key)):
                found.append((len(key), name))
    return max(found)[1] if found else None


def collect(
    index: Index,
    indicator: str,
    years: tuple[int, ...] = (),
    growth: bool = False,
    targets: bool = False,
    doc_ids: list[str] | None = None,
) -> Series:
    """The series of one indicator: its statements of the asked kinds, one unit, in year order."""
    kinds = TARGET_KINDS if targets else ACTUAL_KINDS
    chosen = [
        s
        for s in index.statements
        if s.indicator == indicator
        and s.kind in kinds
        and s.year is not None
        and (s.growth is not None if growth else s.value is not None)
        and (not years or s.year in years)
        and (doc_ids is None or s.doc_id in doc_ids)
    ]
    unit = "%"
    if not growth and chosen:
        base = Counter(s.base_unit for s in chosen).most_common(1)[0][0]
        chosen = [s for s in chosen if s.base_unit == base]
        unit = display_unit(base, max(abs(s.base or 0) for s in chosen))
    order = {d.doc_id: (d.date or str(d.year or 0)) for d in index.docs.values()}
    seen: set[tuple] = set()
    points: list[Point] = []
    for s in sorted(chosen, key=lambda s: (s.year, _neg(order.get(s.doc_id, "")), s.start)):
        value = s.growth if growth else (s.base or 0.0) / base_value(1.0, unit)[0]
        key = (s.doc_id, s.year, s.kind, value)
        if key in seen:  # a task table repeats a row's figure in another row
            continue
        seen.add(key)
        points.append(Point(s.year, round(value, 4), s))  # type: ignore[arg-type]
    span = years or (tuple(range(points[0].year, points[-1].year + 1)) if points else ())
    stated = {p.year for p in points}
    return Series(
        indicator, "growth" if growth else "level", unit, tuple(points), span, tuple(y for y in span if y not in stated)
    )


def question_years(since: int | None, years: tuple[int, ...], index: Index, targets: bool = False) -> tuple[int, ...]:
    """The span a series question asks for: its years; "X年以来" (``since``) up to the last year reported on (planned on)."""
    last = max((y for d in index.docs.values() for y in (*d.years, *(d.plan_years if targets else ()))), default=None)
    if since is not None and last is not None:
        return tuple(range(since, max(last, since) + 1))
    return tuple(range(min(years), max(years) + 1)) if len(years) > 1 else years


_SCALES = {"元": (("亿元", 1e8), ("万元", 1e4)), "人": (("万人", 1e4),), "人次": (("万人次", 1e4),)}


def display_unit(base_unit: str, largest: float) -> str:
    """The unit a series is shown in: 亿元 for sums of hundreds of millions, 万元 for tens of thousands."""
    for unit, scale in _SCALES.get(base_unit, ()):
        if largest >= scale:
            return unit
    return base_unit


def _neg(date: str) -> tuple[int, ...]:
    """Later documents first: a descending sort key of an ISO date (or a year)."""
    return tuple(-int(x) for x in re.findall(r"\d+", date)) or (0,)


def format_value(value: float) -> str:
    """A figure as a report writes it: no trailing zeros, at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


_KIND_LABEL = {"实际": "", "预计": "预计", "目标": "目标", "调整后目标": "调整后目标"}


def point_claim(p: Point, series: Series) -> str:
    """One point as the answer says it: the figure as the report writes it, in the series' unit beside it.

    "2013年：2800亿元（预计，增长9%）"; "2020年：50610595万元（合5061.06亿元，下降1.1%）": the claim quotes its
    cited text exactly, and the reader still compares the years in one unit.
    """
    s = p.statement
    if series.measure == "growth" or s.value is None:
        figure, converted, rate = rate_words(s.growth or 0.0), "", None
    else:
        figure, rate = f"{format_value(s.value)}{s.unit}", s.growth
        converted = "" if s.unit == series.unit else f"{CONVERTED}{format_value(p.value)}{series.unit}"
    kind = _KIND_LABEL.get(s.kind, s.kind)
    notes = [x for x in (converted, kind, rate_words(rate) if rate is not None else "") if x]
    return f"{p.year}年：{figure}" + (f"（{'，'.join(notes)}）" if notes else "")


def rate_words(rate: float) -> str:
    """A signed rate as a report words it: '增长6.5%', '下降2%'."""
    return f"下降{format_value(-rate)}%" if rate < 0 else f"增长{format_value(rate)}%"


def gap_text(gaps: tuple[int, ...]) -> str:
    """'2007–2012年、2014–2015年' for the years no report states a figure for."""
    runs: list[list[int]] = []
    for y in gaps:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return "、".join(f"{r[0]}年" if len(r) == 1 else f"{r[0]}–{r[-1]}年" for r in runs)


def heading(series: Series) -> str:
    what = "增速" if series.measure == "growth" else ""
    return f"{series.indicator}{what}（{series.unit}），报告所载各年数值"


def wording_note(series: Series) -> str:
    """"名称或口径有变化：2006年称“区财政收入”…": a series gathered under one name from reports
    that name the indicator otherwise says so, with the years each other name is used."""
    years_of: dict[str, list[int]] = {}
    for p in series.points:
        if p.statement.wording != series.indicator:
            years_of.setdefault(p.statement.wording, []).append(p.year)
    if not years_of:
        return ""
    named = "；".join(
        f"{'、'.join(f'{y}年' for y in sorted(set(years)))}称“{wording}”" for wording, years in years_of.items()
    )
    return f"（名称或口径有变化：{named}，此处一并列为“{series.indicator}”）"
