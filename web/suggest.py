"""Questions the page suggests, written from the documents themselves, never from a test set.

Two uses of one rule: a reported figure ("2006年地区生产总值预计完成960亿元") names an
indicator ("地区生产总值") and a year, and "2006年地区生产总值是多少？" is a question the
reports answer.  The example questions at start-up are the first such figures of the newest
reports (and one task-table row); the follow-ups after an answer are the other figures of
the cited sentence and the same indicator in the nearest other years a report states it for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index import Index
from qa import Answer
from qa.series import collect, indicator_of
from qa.text import NUMBER_RE, YEAR_RE, clauses, sentences

from .context import Library

# Words between an indicator and its figure ("…预计完成960亿元", "…同比增长8%"): cut from the indicator's end.
_TRAILING_VERBS = re.compile(
    r"(?:预计|同比|比上年|累计|分别|总计|共计|共|约|已|达到|达|实现|完成|增长|增加|提高|下降|减少|递增|为|突破|超过|是|首次|了|和)+$"
)
_LEADING = re.compile(r"^(?:度|其中|全年|截至目前|目前|今年|去年|当年)")  # 度: what "2020年度…" leaves
# A year the clause speaks of, not one it compares with ("比2003年增加…", "是2011年的1.48倍").
_OWN_YEAR = re.compile(r"(?<![比较与从自是])((?:19|20)\d{2})\s*年")
# Prefixes that name the same indicator ("全区地区生产总值" is "地区生产总值"): one example each.
_SCOPE = re.compile(r"^(?:全区|全市|西城区|区级|区)")
_INDICATOR = re.compile(r"[\u4e00-\u9fff“”]{3,12}")  # 3..12 CJK characters, quotes allowed: an indicator's name
EXAMPLES_SHOWN = 6  # one row of chips at 1366 px, two on a phone
FOLLOW_UPS_SHOWN = 3  # what fits on one line under the chat


@dataclass(frozen=True)
class Figure:
    """An indicator reported with a figure in a clause, and the year the clause speaks of."""

    indicator: str
    figure: str
    year: int | None

    @property
    def question(self) -> str:
        return f"{self.year}年{self.indicator}是多少？" if self.year else f"{self.indicator}是多少？"


def figures(text: str, default_year: int | None = None) -> list[Figure]:
    """The indicators reported with a figure in ``text``, in order, each with its year.

    The year is the last one written before the figure in the same sentence, else ``default_year``.
    """
    out = []
    for sentence in sentences(text):
        year = default_year
        for clause in clauses(sentence.text):
            years = _OWN_YEAR.findall(clause.text)
            m = next((m for m in NUMBER_RE.finditer(clause.text) if _is_figure(m.group())), None)
            if m:
                head = YEAR_RE.sub("", clause.text[: m.start()])
                head = _TRAILING_VERBS.sub("", _LEADING.sub("", head.strip()))
                if _INDICATOR.fullmatch(head):
                    out.append(Figure(head, m.group(), int(years[-1]) if years else year))
            if years:
                year = int(years[-1])
    return out


def _is_figure(number: str) -> bool:
    """A written amount ("960亿元", "8.5%"), not a year ("2019年") or a count in words."""
    return number[0].isdigit() and YEAR_RE.fullmatch(number) is None


def example_questions(index: Index, limit: int = EXAMPLES_SHOWN) -> list[str]:
    """Questions the newest reports answer: their first reported figures, round robin, plus one task row."""
    docs = sorted(index.docs.values(), key=lambda d: -(d.year or 0))
    per_doc: list[list[tuple[str, str]]] = []  # (indicator, question) per document
    for doc in docs:
        if doc.kind == "task_table":
            per_doc.append(_row_questions(index, doc.doc_id))
        else:
            review = max(doc.years) if doc.years else doc.year
            per_doc.append(
                [(_SCOPE.sub("", f.indicator), f.question) for f in figures(index.texts[doc.doc_id], review) if f.year]
            )
    out: list[str] = []
    seen: set[str] = set()
    for round_ in range(max(map(len, per_doc), default=0)):
        for found in per_doc:
            if round_ < len(found) and found[round_][0] not in seen:
                seen.add(found[round_][0])
                out.append(found[round_][1])
    return out[:limit]


def _row_questions(index: Index, doc_id: str) -> list[tuple[str, str]]:
    """Who leads a task of the table: the first row whose task is a short name without figures."""
    for chunk in index.chunks:
        task = chunk.fields.get("task", "").rstrip("。；;") if chunk.doc_id == doc_id else ""
        if 4 <= len(task) <= 16 and not any(ch.isdigit() for ch in task) and chunk.fields.get("lead_units"):
            return [(task, f"“{task}”由哪个单位牵头？")]
    return []


def follow_ups(answer: Answer, library: Library, limit: int = FOLLOW_UPS_SHOWN) -> list[str]:
    """Questions the reports answer next: other figures of the cited sentence, the same one in other years, the row.

    A suggestion is offered only if it is answerable, checked from the index before it is shown (no
    question is run): a figure question names an indicator some report states (so "在市级" is no
    indicator) for a year a report states a figure of it (so never a year of a period total, nor one no
    report covers); a row question asks for a field the row has.
    """
    index = library.index
    asked = {answer.question, answer.rewritten}
    out: list[str] = []
    for c in answer.citations:
        found = figures(c.quote, _year_of(c.year))
        own = [f for f in found if f.figure in answer.answer]
        for f in found:
            name = indicator_of([f.indicator], index)
            if name is None:  # no report states a figure of it: not an indicator ("在市级")
                continue
            stated = _stated_years(index, name)
            if f not in own:
                out += [Figure(name, f.figure, f.year).question] if f.year in stated else []
            elif f is own[0]:
                out += [Figure(name, f.figure, y).question for y in _nearest(stated, f.year)]
        chunk = library.chunk(c.doc_id, c.text)
        fields = chunk.fields if chunk else {}
        task = fields.get("task", "").rstrip("。；;")
        if task and len(task) <= 24:  # the row's other column: not the one just asked about
            row = {"完成": ("status", f"“{task}”的完成情况如何？"), "牵头": ("lead_units", f"“{task}”由哪个单位牵头？")}
            out += [q for word, (field, q) in row.items() if fields.get(field) and not any(word in a for a in asked)]
    return _unique((q for q in out if q not in asked), limit)


def _stated_years(index: Index, indicator: str) -> set[int]:
    """The years some report states a figure of ``indicator`` for (an actual or an estimate, not a target)."""
    return {p.year for p in collect(index, indicator).points}


def _year_of(label: str) -> int | None:
    """The last year of a citation's year label ('2019', '2012–2016')."""
    years = re.findall(r"(?:19|20)\d{2}", label)
    return int(years[-1]) if years else None


def _nearest(years: Iterable[int], year: int | None) -> list[int]:
    """The years just before and just after ``year`` among ``years``."""
    if year is None:
        return []
    years = sorted(set(years))
    before = [y for y in years if y < year][-1:]
    after = [y for y in years if y > year][:1]
    return before + after


def _unique(questions: Iterable[str], limit: int) -> list[str]:
    out: list[str] = []
    for q in questions:
        if q not in out:
            out.append(q)
    return out[:limit]
