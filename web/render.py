"""What the web chat shows, as plain strings: answers, their sources, copy and export text, documents.

Kept free of Gradio so every rule that matters for trust is unit-tested here:
document text is *data* (escaped by :mod:`web.markup` before it is shown), and the
evidence sentence of a citation is highlighted by its offsets.  Every answer keeps
its own group of source cards (``xqa-turn-<key>``) in the sources panel, so a
``[n]`` marker in any earlier answer still opens its own source.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from index import DocMeta, Index, covered_years
from qa import Answer
from qa.series import format_value, gap_text, heading, rate_words

from .chart import chart_svg
from .context import Library, row_html
from .markup import escape_html, escape_markdown, highlight
from .throttle import token_matches, token_problem

_MARKER = re.compile(r"\[(\d+)\]")
# Lone surrogates cannot be sent back as UTF-8 (the reply would fail); control characters show as garbage.
_UNSHOWABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAYBE_SHOWN = 3  # passages shown as "可能相关" when the assistant abstains
# Streamed states of an answer: 64 users x 5 questions on /chat cost 0.218 s of server CPU per question
# streaming every 4 characters (about 20-40 states), a third of it re-building the event's other outputs per state.
STREAM_STEPS = 6
KIND_LABELS = {"work_report": "政府工作报告", "task_table": "重点工作完成情况", "other": "其他"}
EMPTY_SOURCES = (
    '<div class="xqa-sources xqa-empty">提问后，这里列出回答所依据的报告原文；'
    "点击任一条目可展开整段原文，依据句以高亮标出。</div>"
)
SEARCHING = '<div class="xqa-sources xqa-empty">正在检索报告原文…</div>'

__all__ = ["escape_html", "escape_markdown", "highlight"]  # re-exported: the page's escaping lives in markup


# ---------------------------------------------------------------- chat


def question_markdown(question: str, max_chars: int) -> str:
    """The user's own question as their chat bubble: literally what they typed, markup shown as characters.

    What cannot be shown is dropped, and the text is cut where the answer stops reading it.
    """
    text = _UNSHOWABLE.sub("", question).strip()
    if len(text) > max_chars:
        text = text[:max_chars] + "…"
    return escape_markdown(text)


def stream_prefixes(text: str, steps: int = STREAM_STEPS) -> Iterator[str]:
    """At most ``steps`` growing prefixes of ``text``, the last one all of it, never cutting a ``[n]`` marker.

    Every streamed update costs the server the same whatever its size (Gradio post-processes each
    output of the event again), so the answer grows in a few even pieces, not every 4 characters.
    """
    pieces = re.findall(r"\[\d+\]|[^\[]|\[", text)  # one character, or one whole marker
    size = max(1, -(-len(pieces) // steps))
    for end in range(size, len(pieces) + size, size):
        yield "".join(pieces[:end])


def card_id(key: str, n: int) -> str:
    """The HTML id of citation ``n`` of the answer ``key``: a marker opens only its own answer's card.

    The marker carries it as a class ``xqa-to-<id>`` because the chat's sanitizer drops data attributes.
    """
    return f"xqa-{key}-{n}"


def _markers_to_html(text: str, numbers: set[int], key: str) -> str:
    """Escape ``text`` for Markdown, turning the answer's own ``[n]`` markers into clickable references."""
    out, last = [], 0
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if n in numbers:
            ref = f'<sup class="xqa-ref xqa-to-{card_id(key, n)}">[{n}]</sup>'
            out += [escape_markdown(text[last : m.start()]), ref]
            last = m.end()
    out.append(escape_markdown(text[last:]))
    return "".join(out)


def rewritten_note(question: str, rewritten: str, carried: str = "") -> str:
    """'理解为：…（沿用上一问的2013年）' when the question was rewritten, with what the conversation supplied; else ''."""
    if rewritten == question and not carried:
        return ""
    return f"理解为：{rewritten}" + (f"（{carried}）" if carried else "")


def answer_markdown(answer: Answer, shown: str | None = None, key: str = "") -> str:
    """The chat message for an answer; ``shown`` is the part streamed so far (default: all of it).

    Below the finished answer a one-line source list names the reports; it also carries the
    answer's key (class ``xqa-key-<key>``), by which the page finds this answer's clean copy text.
    """
    numbers = {c.n for c in answer.citations}
    lines = []
    note = rewritten_note(answer.question, answer.rewritten, answer.carried)
    if note:
        lines.append(f"*{escape_markdown(note)}*")
    if answer.series and shown is None:
        lines += series_markdown(answer, key)
    else:
        lines.append(_markers_to_html(answer.answer if shown is None else shown, numbers, key))
    if shown is None:
        titles = " ".join(f"\\[{c.n}\\] {escape_markdown(c.title)}" for c in answer.citations)
        lines.append(f'<small class="xqa-src xqa-key-{key}">来源：{titles or "未引用原文"}</small>')
        if answer.checks:  # a model was asked (qa.reader): who wrote the answer, and what the checks did
            said = answer.reader + (f"：{answer.reader_note}" if answer.reader_note else "")
            lines.append(f'<small class="xqa-reader">{escape_markdown(said)}</small>')
    return "\n\n".join(lines)


def series_markdown(answer: Answer, key: str) -> list[str]:
    """A trend answer as the chat shows it: a chart per series (levels, then rates), then one cited table.

    The table has a row per statement of the asked series, its figure as the report writes it,
    the rate stated beside it, and its ``[n]``; the charts plot exactly those rows.  The answer's
    text before its heading (a filter notice) is kept.
    """
    primary = answer.series[0]
    numbers = {c.n for c in answer.citations}
    titles = {c.n: c.title for c in answer.citations}
    lead = answer.answer.split(heading(primary), 1)[0]
    lines = [_markers_to_html(lead, numbers, key)] if lead else []
    lines.append(f"**{escape_markdown(heading(primary))}**")
    cards = {n: card_id(key, n) for n in numbers}
    lines += [f'<div class="xqa-charts">{"".join(chart_svg(s, cards) for s in answer.series)}</div>']
    rates = primary.measure == "level" and any(p.statement.growth is not None for p in primary.points)
    head = ["年份", "数值" if primary.measure == "level" else "增速", "类型", *(["增速"] if rates else []), "出处"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in primary.points:
        st = p.statement
        if primary.measure == "level":  # the series' unit (the chart's axis), the report's own figure beside it
            figure = f"{format_value(p.value)}{primary.unit}"
            if st.unit != primary.unit:
                figure += f"（原文{format_value(st.value or 0.0)}{st.unit}）"
        else:
            figure = rate_words(st.growth or 0.0)
        cells = [f"{p.year}年", escape_markdown(figure), st.kind]
        if rates:
            cells.append(rate_words(st.growth) if st.growth is not None else "")
        cells.append(_markers_to_html(f"[{p.n}]", numbers, key) + " " + escape_markdown(titles[p.n]))
        rows.append("| " + " | ".join(cells) + " |")
    lines.append("\n".join(rows))
    if primary.gaps:
        lines.append(escape_markdown(f"{gap_text(primary.gaps)}：报告中未载（不作推算）"))
    return lines


# ---------------------------------------------------------------- sources


def _card(badge: str, title: str, meta: str, body: str, preview: str, open_attrs: str, anchor: str) -> str:
    opener = f'<button type="button" class="xqa-open" {open_attrs}>在原文中查看</button>' if open_attrs else ""
    return (
        f'<details class="xqa-card" id="{anchor}"><summary>{badge}'
        f'<span class="xqa-title">{escape_html(title)}</span><span class="xqa-meta">{escape_html(meta)}</span>'
        f'<span class="xqa-preview">{escape_html(preview)}</span></summary>'
        f'<div class="xqa-passage">{body}</div><div class="xqa-file">{opener}</div></details>'
    )


def _meta(about: str, year: str, section: str) -> str:
    """'回顾 2013 · 一、2013年工作回顾': what the passage is about (else its report's years), and where."""
    return " · ".join(x for x in (about or (f"{year}年" if year else ""), section) if x)


def _open_attrs(chunk_id: str | None, start: int, end: int) -> str:
    """What the 在原文中查看 button sends to the report view (the panel is plain HTML: data attributes survive)."""
    if chunk_id is None:
        return ""
    return f'data-chunk="{escape_html(chunk_id)}" data-start="{start}" data-end="{end}"'


def sources_html(answer: Answer, key: str = "", library: Library | None = None, number: int = 0) -> str:
    """One answer's group of the sources panel: cited passages with their evidence highlighted.

    A task-table row is shown as its fields, the evidence marked in its own field; for an
    abstention the passages are marked 可能相关.  ``number`` is the answer's place in the conversation.
    """
    cards = []
    for c in answer.citations:
        chunk = library.chunk(c.doc_id, c.text) if library else None
        body = (row_html(chunk, c.start, c.end) if chunk else None) or highlight(c.text, c.start, c.end)
        attrs = _open_attrs(chunk.chunk_id if chunk else None, c.start, c.end)
        badge = f'<span class="xqa-badge">[{c.n}]</span>'
        about = library.about(chunk) if library and chunk else ""
        cards.append(_card(badge, c.title, _meta(about, c.year, c.section), body, c.quote, attrs, card_id(key, c.n)))
    if cards:
        head = f"引用来源（{len(cards)}）· 点击展开原文"
    else:
        for p in answer.passages[:MAYBE_SHOWN]:
            body = row_html(p.chunk, 0, 0) or escape_html(p.chunk.text)
            badge = '<span class="xqa-badge xqa-maybe">可能相关</span>'
            meta = _meta(library.about(p.chunk) if library else "", p.doc.years_label, " > ".join(p.chunk.section))
            cards.append(
                _card(
                    badge,
                    p.doc.title,
                    meta,
                    body,
                    p.chunk.text,
                    _open_attrs(p.chunk.chunk_id, 0, 0),
                    f"xqa-{key}-p{p.rank}",
                )
            )
        head = "未找到明确答案 · 以下段落可能相关，仅供参考" if cards else "没有检索到相关段落。"
    asked = f"第 {number} 问：{escape_html(answer.question)}" if number else escape_html(answer.question)
    copy = escape_html(copy_text(turn_record(answer, key, library=library)))
    return (
        f'<div class="xqa-turn xqa-sources" id="xqa-turn-{key}" data-copy="{copy}">'
        f'<div class="xqa-turn-of">{asked}<button type="button" class="xqa-latest">回到最新回答</button></div>'
        f'<div class="xqa-sources-head">{head}</div>{"".join(cards)}</div>'
    )


def panel_html(groups: list[str]) -> str:
    """The sources panel: every answer's group, the newest shown (CSS), an older one on its marker's click (JS)."""
    if not groups:
        return EMPTY_SOURCES
    return f'<div class="xqa-panel">{"".join(groups)}</div>'


# ---------------------------------------------------------------- what the conversation keeps


def turn_record(answer: Answer, answer_id: str, sources: str = "", library: Library | None = None) -> dict:
    """What the conversation keeps of an answer: enough for follow-ups, feedback, copy, export and a reload.

    A citation keeps what its passage is about ("回顾 2013"), so a copied answer can say its year.
    """
    return {
        "id": answer_id,
        "question": answer.question,
        "rewritten": answer.rewritten,
        "carried": answer.carried,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "citations": [
            {
                "n": c.n,
                "source": c.source,
                "title": c.title,
                "year": c.year,
                "section": c.section,
                "quote": c.quote,
                "text": c.text,  # the passage: what a follow-up's "它" finds its task row by (Assistant.turns)
                "about": _about(library, c.doc_id, c.text),
            }
            for c in answer.citations
        ],
        "sources": sources,
    }


def _about(library: Library | None, doc_id: str, text: str) -> str:
    chunk = library.chunk(doc_id, text) if library else None
    return library.about(chunk) if library and chunk else ""


def answer_tail(turn: dict) -> str:
    """'——据2014年西城区政府工作报告（回顾 2013）': the report and year an answer comes from, once it is copied.

    In the chat the source line and the cards say it; a pasted or exported "预计实现2800亿元" would not.
    One entry per report, with what its cited passages are about; '' for an answer citing nothing.
    """
    abouts: dict[str, list[str]] = {}
    for c in turn["citations"]:
        seen = abouts.setdefault(c["title"], [])
        about = c.get("about") or (f"{c['year']}年" if c.get("year") else "")  # else the years its report covers
        if about and about not in seen:
            seen.append(about)
    parts = [title + (f"（{'、'.join(about)}）" if about else "") for title, about in abouts.items()]
    return "——据" + "；".join(parts) if parts else ""


def references(turn: dict) -> list[str]:
    """The answer's references written out: '[1] 报告标题 · 章节：“依据句”'."""
    return [f"[{c['n']}] {c['title']} · {c['section']}：“{c['quote']}”" for c in turn["citations"]]


def copy_text(turn: dict) -> str:
    """What 复制 puts on the clipboard: the answer as plain text, then its references written out."""
    refs = references(turn)
    tail = answer_tail(turn)
    return turn["answer"] + (f"\n{tail}" if tail else "") + ("\n\n参考来源：\n" + "\n".join(refs) if refs else "")


def conversation_markdown(turns: list[dict], when: str) -> str:
    """The whole conversation as a Markdown file: each question, its answer and its references."""
    out = [f"# 西城区政府工作报告问答 · 对话记录\n\n导出时间：{when}\n"]
    for i, turn in enumerate(turns, 1):
        out.append(f"## 问题 {i}：{turn['question']}\n")
        note = rewritten_note(turn["question"], turn["rewritten"], turn.get("carried", ""))
        if note:
            out.append(f"*{note}*\n")
        tail = answer_tail(turn)
        out.append(turn["answer"] + (f"\n\n{tail}" if tail else "") + "\n")
        refs = references(turn)
        if refs:
            out.append("参考来源：\n\n" + "\n".join(f"- {r}" for r in refs) + "\n")
    return "\n".join(out)


# ---------------------------------------------------------------- documents & filters


def header_html(index: Index) -> str:
    """The page banner, saying what the answers are drawn from, with the light/dark switch."""
    years = covered_years(index.docs.values())
    span = f"，内容涉及 {years[0]}–{years[-1]} 年（回顾与计划）" if years else ""
    return (
        '<div class="xqa-header"><div><h1>西城区政府工作报告 · 智能问答</h1>'
        f"<p>已收录 {len(index.docs)} 份报告{span}。每个回答都注明出处，点击引用即可查看原文。</p></div>"
        '<button type="button" id="xqa-theme" aria-label="切换浅色/深色">'
        '<span class="xqa-theme-dark">深色模式</span><span class="xqa-theme-light">浅色模式</span></button></div>'
    )


def year_choices(index: Index) -> list[tuple[str, str]]:
    """Dropdown (label, value) pairs: every year some report reviews or plans for, newest first; '' means all."""
    years = covered_years(index.docs.values())[::-1]
    return [("全部年份", ""), *((f"{y}年", str(y)) for y in years)]


def _by_year(docs: dict[str, DocMeta]) -> list[DocMeta]:
    return sorted(docs.values(), key=lambda d: (-(d.year or 0), d.doc_id))


def doc_choices(index: Index) -> list[tuple[str, str]]:
    """Dropdown (label, value) pairs of the indexed documents, newest first; '' means all."""
    return [("全部报告", ""), *((d.title, d.doc_id) for d in _by_year(index.docs))]


def document_rows(index: Index) -> list[list[str | int]]:
    """One row per indexed document: title, kind, years reported on, file, number of passages."""
    chunks = Counter(c.doc_id for c in index.chunks)
    return [
        [d.title, KIND_LABELS.get(d.kind, d.kind), d.years_label, d.file, chunks[d.doc_id]]
        for d in _by_year(index.docs)
    ]


def admin_refusal(configured: str, given: str | None) -> str | None:
    """Why an admin action is refused, or ``None`` (constant-time comparison; throttling is ``web.throttle``'s)."""
    if not configured:
        return "未配置管理员口令（环境变量 XQA_ADMIN_TOKEN），文档管理已停用。"
    if problem := token_problem(configured):
        return problem
    if not given:
        return "请输入管理员口令。"
    if not token_matches(configured, given):
        return "管理员口令错误，操作已拒绝。"
    return None
