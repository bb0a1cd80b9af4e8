"""Evidence units inside a passage: sentences and clauses with offsets, and the years they speak of.

A figure is only an answer for the year it is about.  That year is either
written in the sentence ("2006年地区生产总值预计完成960亿元") - comparison
references like "比2003年", "较2018年", "是2011年的" do not count - or implied
by where the sentence stands: the review section of a report on one year, or
the plan section of a report that plans that year.
"""

from __future__ import annotations

import re

from index import Chunk, DocMeta
from index.meta import section_about
from index.status import REVISED_TARGET

from .text import AVERAGE_WORDS, YEAR_RE, Span, sentences

_COMPARISON_YEAR = re.compile(r"(?:比|较|是|同比|相比|与|对比|低于|高于|超过|自|从)\s*((?:19|20)\d{2})\s*年")
_BASELINE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年[^，,。；;]{0,8}(?:基础上|水平上|基数)")
_RANGE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:到|至|—|-|~|～)\s*((?:19|20)\d{2})\s*年")
_TOPIC_YEAR = re.compile(r"\s*(?:预计|截至|到)?[,，]?\s*(?:19|20)\d{2}\s*年(?:\s*(?:至|到|—|-)\s*(?:19|20)\d{2}\s*年)?")
# A state at a point in time ("达到", "保持", "连冠", "位居") versus a total over a period ("累计", "五年来").
_AS_OF_END = re.compile(r"达到|保持|连续|连冠|位居|稳居|居全市|排名|排在|成为|获评|被评为|荣获|(?:为|至|到)\s*\d")
_CUMULATIVE = re.compile(r"累计|共计|合计|总计|累积|[一二三四五六七八九十两\d]年(?:来|间|中|内)|期间|以来")


def explicit_years(text: str) -> set[int]:
    """Years a sentence is about: written years minus comparison references, ranges expanded."""
    years: set[int] = set()
    for m in _RANGE_YEAR.finditer(text):
        lo, hi = sorted((int(m.group(1)), int(m.group(2))))
        years.update(range(lo, hi + 1))
    rest = _RANGE_YEAR.sub(" ", text)
    references = {int(y) for y in _COMPARISON_YEAR.findall(rest) + _BASELINE_YEAR.findall(rest)}
    mentioned = [int(y) for y in YEAR_RE.findall(rest)]
    years.update(y for y in mentioned if y not in references or mentioned.count(y) > 1)
    return years


def is_plan_chunk(chunk: Chunk, doc: DocMeta) -> bool:
    """A plan section, as the document side reads it (:func:`index.meta.section_about`);
    a task row's plan part is :func:`task_end`."""
    if chunk.fields:
        return False
    return section_about(chunk.section, doc).role == "plan"


def task_end(chunk: Chunk) -> int:
    """Offset where a task row's planned task ends and its status begins (0 for prose)."""
    task = chunk.fields.get("task", "")
    at = chunk.text.find(task) if task else -1
    return at + len(task) if at >= 0 else 0


def is_plan_span(chunk: Chunk, doc: DocMeta, span: Span) -> bool:
    """Whether a sentence states a plan: in a plan section, inside a task row's task column, or a
    target revised during the year (a revised target is still a target, not what was achieved)."""
    if REVISED_TARGET.search(span.text):
        return True
    return span.start < task_end(chunk) if chunk.fields else is_plan_chunk(chunk, doc)


def period_years(chunk: Chunk, doc: DocMeta) -> set[int]:
    """Years a passage speaks of by its place in the document."""
    for heading in reversed(chunk.section):
        found = explicit_years(heading)
        if found:
            return found
    about = section_about(chunk.section, doc)
    return set(about.years) or set(doc.plan_years if about.role == "plan" else doc.years)


def sentence_years(chunk_text: str, sentence: Span) -> set[int]:
    """Explicit years of a sentence, else the topic year of an earlier sentence of its paragraph.

    Only a year that opens a sentence ("2007年经济和社会发展的主要预期目标是：")
    sets the topic for what follows; a year in passing ("迎接2008年奥运会") does not.
    """
    own = explicit_years(sentence.text)
    if own:
        return own
    paragraph_start = chunk_text.rfind("\n", 0, sentence.start) + 1
    for earlier in reversed(sentences(chunk_text[paragraph_start : sentence.start])):
        m = _TOPIC_YEAR.match(earlier.text)
        if m:
            return explicit_years(earlier.text[: m.end()])
    return set()


def year_fits(asked: tuple[int, ...], chunk_text: str, sentence: Span, chunk: Chunk, doc: DocMeta) -> bool:
    """Whether a sentence speaks of the asked year(s); always true when no year is asked.

    A passage from a multi-year review ("过去五年") without a written year is
    not evidence for one particular year of it - except its last year, when the
    sentence states where things stand at the end ("保持……四连冠", "达到…"), never
    when it states a flow over the period ("新增绿地…", "累计拆除…"): that is the
    period's total, not the last year's figure.
    """
    if not asked:
        return True
    wanted = set(asked)
    own = sentence_years(chunk_text, sentence)
    if own:
        return bool(own & wanted)
    period = period_years(chunk, doc)
    if not period:
        return not (doc.years or doc.plan_years)  # a document of unknown years is not vetoed, a yearless part of a dated one is
    if period <= wanted:
        return True
    as_of_end = _AS_OF_END.search(sentence.text) and not _CUMULATIVE.search(sentence.text)
    return len(wanted) == 1 and max(period) in wanted and bool(as_of_end)


def year_contradicts(asked: tuple[int, ...], chunk_text: str, sentence: Span, chunk: Chunk, doc: DocMeta) -> bool:
    """Whether a sentence positively speaks of other years than the asked ones.

    The only ground on which a year check may refuse: the sentence states another year for
    its fact, or its place in the document (section, report) speaks of no period that holds
    an asked year.  A review of several years that contains the asked one does not contradict
    it; :func:`year_fits` only prefers sentences that speak of the asked year alone.
    """
    if not asked:
        return False
    wanted = set(asked)
    own = sentence_years(chunk_text, sentence)
    if own:
        return not own & wanted
    period = period_years(chunk, doc)
    return bool(period) and not period & wanted


def states_period_figure(text: str) -> bool:
    """A total or an average over a period ("累计拆除…", "年均增长8%"): never one year's figure."""
    return bool(_CUMULATIVE.search(text) or AVERAGE_WORDS.search(text))


def period_label(chunk_text: str, sentence: Span, chunk: Chunk, doc: DocMeta) -> str:
    """"2017年报告，所述为2012–2016年": the report and the wider period a sentence speaks of."""
    years = sentence_years(chunk_text, sentence) or period_years(chunk, doc)
    if not years:
        return ""
    lo, hi = min(years), max(years)
    span = f"{lo}年" if lo == hi else f"{lo}–{hi}年"
    return f"（{doc.year}年报告，所述为{span}）" if doc.year else f"（所述为{span}）"
