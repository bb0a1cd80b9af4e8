"""Chinese-aware chunking with exact offsets into the cleaned document.

Chunks are cut at sentence punctuation (then clause punctuation) by
langchain's recursive splitter and never cross a section boundary, so a
citation always names one section.  Table rows are one chunk each: a row is
the natural unit a user asks about (one task, its lead unit, its status).
"""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .schema import Block, Chunk, Document
from .structure import is_heading_only

SEPARATORS = ["\n", "。", "！", "？", "!", "?", "；", ";", "，", ",", "、", ""]


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        strip_whitespace=True,
    )


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    splitter = make_splitter(chunk_size, chunk_overlap)
    spans: list[tuple[int, int, tuple[str, ...], dict[str, str]]] = []
    for group in _section_groups(doc):
        if group[0].fields:  # a table row: one chunk
            spans.extend((b.start, b.end, b.section, b.fields) for b in group)
            continue
        start, end = group[0].start, group[-1].end
        spans.extend((s, e, group[0].section, {}) for s, e in _split_span(doc.text, start, end, splitter))
    return [
        Chunk(
            chunk_id=f"{doc.meta.doc_id}#{i}",
            doc_id=doc.meta.doc_id,
            start=s,
            end=e,
            text=doc.text[s:e],
            section=section,
            fields=fields,
            header=context_header(doc, section, fields),
        )
        for i, (s, e, section, fields) in enumerate(spans)
    ]


def context_header(doc: Document, section: tuple[str, ...], fields: dict[str, str]) -> str:
    """Title, years and section: what a bare passage lacks to be found by its context."""
    meta = doc.meta
    parts = [meta.title]
    if meta.years_label:
        parts.append(f"{meta.years_label}年")
    if section:
        parts.append(" > ".join(section))
    if fields.get("lead_units"):
        parts.append(f"牵头单位：{fields['lead_units']}")
    return "｜".join(parts)


def _section_groups(doc: Document) -> list[list[Block]]:
    """Consecutive body blocks of one section; heading-only lines are left out (the header carries them)."""
    groups: list[list[Block]] = []
    for block in doc.blocks:
        line = doc.text[block.start : block.end]
        if not block.fields and is_heading_only(line) and block.section != ("封面",):
            continue
        same = groups and not block.fields and not groups[-1][0].fields and groups[-1][0].section == block.section
        if same:
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def _split_span(text: str, start: int, end: int, splitter: RecursiveCharacterTextSplitter) -> list[tuple[int, int]]:
    """Split text[start:end] and locate every piece exactly (pieces are contiguous substrings)."""
    span = text[start:end]
    out: list[tuple[int, int]] = []
    cursor = 0
    for piece in splitter.split_text(span):
        at = span.find(piece, cursor)
        if at < 0:  # cannot happen for contiguous pieces; fail loudly rather than mis-cite
            raise ValueError(f"chunk not found in its section: {piece[:30]!r}")
        out.append((start + at, start + at + len(piece)))
        cursor = at + 1
    return out
