"""Questions about a report itself: who delivered it, when, at which session.

These are answered from the document's metadata (inferred from its cover
lines, or corrected by an admin), but only where the report's own text states
the fact: the claim cites the cover line, found by its words with any line
breaks or spaces between them (PDF and web copies break cover lines anywhere).
A report that does not say is refused for that question, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index import DocMeta, Index

from .extract import Claim, Draft
from .retrieve import Passage
from .understand import Question

_COVER_ROWS = 3  # a report's cover lines are in its first chunks


@dataclass(frozen=True)
class ReportQuestion:
    """Which fact about which documents is asked."""

    field: str
    doc_ids: tuple[str, ...]


def report_question(q: Question, index: Index, doc_ids: list[str] | None) -> ReportQuestion | None:
    """The fact asked about a report, when the question asks about a report itself (not its content)."""
    field = q.report_field
    if not field:
        return None
    docs = [d for d in index.docs.values() if doc_ids is None or d.doc_id in doc_ids]
    if q.doc_years:
        docs = [d for d in docs if d.year in q.doc_years]
    elif q.years:
        docs = [d for d in docs if d.year in q.years]
    else:
        return None  # "谁作的报告" without naming one: no way to know which is meant
    return ReportQuestion(field, tuple(d.doc_id for d in docs))


def _spaced(value: str) -> re.Pattern[str]:
    """The value's characters with any whitespace between them, as printed cover lines break them."""
    chars = [re.escape(c) for c in re.sub(r"\s+", "", value)]
    return re.compile(r"\s*".join(chars))


def _date_words(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def _value(doc: DocMeta, field: str) -> str:
    if field == "date":
        return _date_words(doc.date) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.date) else ""
    return getattr(doc, field)


def answer_about(rq: ReportQuestion, index: Index, rows_of: dict[str, list[int]]) -> Draft:
    """A claim citing the cover line that states the asked fact, or an abstention saying the report does not say it."""
    for doc_id in rq.doc_ids:
        doc = index.docs[doc_id]
        value = _value(doc, rq.field)
        if not value:
            continue
        pattern = _spaced(value.split()[-1] if rq.field == "speaker" else value)
        for rank, row in enumerate(rows_of.get(doc_id, [])[:_COVER_ROWS], start=1):
            chunk = index.chunks[row]
            m = pattern.search(chunk.text)
            if m:
                start, end = _cover_line(chunk.text, m.start(), m.end())
                text = re.sub(r"\s+", "", chunk.text[start:end])
                return Draft((Claim(text, Passage(row, chunk, doc, 1.0, rank), start, end),), 1.0)
    return Draft((), 0.0, "report_silent")


def _cover_line(text: str, start: int, end: int) -> tuple[int, int]:
    """The cover line around a match: from the line's start to its end, joined across a break inside the match."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_start += len(text[line_start:start]) - len(text[line_start:start].lstrip("—-－ "))  # the cover's dash
    return line_start, len(text) if line_end < 0 else line_end
