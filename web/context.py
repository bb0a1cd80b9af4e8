"""A cited passage in its report: the table row's fields, and the whole report opened at the passage.

A citation carries its passage text and the evidence offsets inside it, not the
passage's place in the report, so :class:`Library` finds the chunk again by
``(doc_id, text)`` (``chunk.text == document.text[chunk.start:chunk.end]`` always
holds) and from it the section path, the row fields and the surrounding text.
"""

from __future__ import annotations

from index import Chunk, DocMeta, Index
from index.meta import section_about

from .markup import escape_html, highlight

ROLE_LABELS = {"review": "回顾", "plan": "计划", "status": "完成情况"}  # what a section's figures are
# A task-table row as the reader knows it, in the order the table prints its columns.
FIELD_LABELS = {"category": "类别", "number": "序号", "task": "任务", "lead_units": "牵头单位", "status": "完成情况"}


class Library:
    """The index's chunks by passage text and by id: what the sources panel and the report view look up."""

    def __init__(self, index: Index):
        self.index = index
        self._by_text = {(c.doc_id, c.text): c for c in index.chunks}
        self._by_id = {c.chunk_id: c for c in index.chunks}

    def chunk(self, doc_id: str, text: str) -> Chunk | None:
        return self._by_text.get((doc_id, text))

    def by_id(self, chunk_id: str) -> Chunk | None:
        return self._by_id.get(chunk_id)

    def doc(self, doc_id: str) -> DocMeta | None:
        return self.index.docs.get(doc_id)

    def about(self, chunk: Chunk) -> str:
        """What the passage is about, e.g. '回顾 2013', '计划 2014', '完成情况 2020' ('' when unknown).

        Read off the section headings by ``index.meta.section_about``, the rule the index and the
        answering core use too, so a "2017年重点工作安排" passage is labelled 计划 2017, not with the
        years its report reviews.
        """
        doc = self.doc(chunk.doc_id)
        about = section_about(chunk.section, doc) if doc else None
        if about is None or about.role not in ROLE_LABELS or not about.years:
            return ""
        lo, hi = min(about.years), max(about.years)
        return f"{ROLE_LABELS[about.role]} {lo}" if lo == hi else f"{ROLE_LABELS[about.role]} {lo}–{hi}"

    def report_view(self, chunk_id: str, start: int, end: int) -> dict[str, str]:
        """The whole report as HTML with the passage framed and its evidence marked (offsets into the passage).

        The reader lands on the passage (``#xqa-here``) with the paragraphs around it in view and can read
        on in both directions; the section path says where in the report it is.
        """
        chunk = self.by_id(chunk_id)
        doc = self.doc(chunk.doc_id) if chunk else None
        if chunk is None or doc is None:
            return {
                "title": "",
                "path": "",
                "html": '<p class="xqa-empty">该段落已不在索引中（报告可能已被删除）。</p>',
            }
        text = self.index.texts[chunk.doc_id]
        body = (
            f"{escape_html(text[: chunk.start])}"
            f'<span class="xqa-here" id="xqa-here">{highlight(chunk.text, start, end)}</span>'
            f"{escape_html(text[chunk.end :])}"
        )
        return {
            "title": escape_html(doc.title),
            "path": escape_html(" > ".join(chunk.section)),
            "html": f'<div class="xqa-report-text">{body}</div>',
            "file": doc.file,
            "plain": text,
        }


def row_fields(chunk: Chunk) -> list[tuple[str, str, int]] | None:
    """A table row's fields as (label, value, offset of the value in ``chunk.text``), in column order.

    The row text is its cells written one after another, so each value is found after the previous one;
    ``None`` when the chunk is not a row or a value is not where the cells say it is.
    """
    if not chunk.fields:
        return None
    out, at = [], 0
    for key, label in FIELD_LABELS.items():
        value = chunk.fields.get(key, "")
        if not value:
            continue
        found = chunk.text.find(value, at)
        if found < 0:
            return None
        out.append((label, value, found))
        at = found + len(value)
    return out or None


def row_html(chunk: Chunk, start: int, end: int) -> str | None:
    """A task-table row as 类别 · 序号 · 任务 · 牵头单位 · 完成情况, the evidence marked inside its own field."""
    fields = row_fields(chunk)
    if fields is None:
        return None
    cells = "".join(f"<dt>{label}</dt><dd>{highlight(value, start - at, end - at)}</dd>" for label, value, at in fields)
    return f'<dl class="xqa-row">{cells}</dl>'
