"""What the web chat shows, as plain strings: answers, sources, documents, evaluation results.

Kept free of Gradio so every rule that matters for trust is unit-tested here:
document text is *data*, so it is HTML-escaped (and Markdown-escaped where the
chat renders Markdown) before it is shown, and the evidence sentence of a
citation is highlighted by its offsets, never by searching for the quote.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator

from evaluation import METRICS, fmt
from index import DocMeta, Index
from qa import Answer

from .throttle import token_matches, token_problem

_MARKER = re.compile(r"\[(\d+)\]")
_MD_INLINE = re.compile(r"([\\`*_\[\]{}|~$#])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))", re.MULTILINE)
# Lone surrogates cannot be sent back as UTF-8 (the reply would fail); control characters show as garbage.
_UNSHOWABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAYBE_SHOWN = 3  # passages shown as "可能相关" when the assistant abstains
EXCERPT_CHARS = 300  # of a cited passage in the evaluation failures
KIND_LABELS = {"work_report": "政府工作报告", "task_table": "重点工作完成情况", "other": "其他"}
EMPTY_SOURCES = (
    '<div class="xqa-sources xqa-empty">提问后，这里列出回答所依据的报告原文；'
    "点击任一条目可展开整段原文，依据句以高亮标出。</div>"
)
SEARCHING = '<div class="xqa-sources xqa-empty">正在检索报告原文…</div>'

CSS = """
.xqa-header {padding: 18px 22px; border-radius: 12px; color: #fff;
  background: linear-gradient(120deg, #8f1d21 0%, #b8322f 60%, #c9553a 100%);}
.xqa-header h1 {margin: 0 0 4px; font-size: 1.55rem; font-weight: 700; color: #fff; letter-spacing: .04em;}
.xqa-header p {margin: 0; opacity: .9; font-size: .95rem; color: #fff;}
.xqa-sources {font-size: .93rem; line-height: 1.7;}
.xqa-empty {color: var(--body-text-color-subdued); padding: 14px; border: 1px dashed var(--border-color-primary);
  border-radius: 10px;}
.xqa-sources-head {font-weight: 600; margin: 2px 0 8px;}
.xqa-card {border: 1px solid var(--border-color-primary); border-radius: 10px; margin-bottom: 10px;
  background: var(--background-fill-primary); overflow: hidden;}
.xqa-card > summary {cursor: pointer; padding: 10px 12px; list-style: none;}
.xqa-card > summary::-webkit-details-marker {display: none;}
.xqa-card > summary:hover {background: var(--background-fill-secondary);}
.xqa-card[open] > summary {border-bottom: 1px solid var(--border-color-primary);}
.xqa-badge {display: inline-block; min-width: 2.1em; padding: 0 6px; margin-right: 6px; border-radius: 6px;
  background: #b8322f; color: #fff; font-weight: 600; text-align: center;}
.xqa-maybe {background: #8a8f98;}
.xqa-title {font-weight: 600;}
.xqa-meta {color: var(--body-text-color-subdued); margin-left: 6px;}
.xqa-preview {display: block; margin-top: 4px; color: var(--body-text-color); overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap;}
.xqa-card[open] .xqa-preview {display: none;}
.xqa-passage {padding: 10px 12px; white-space: pre-wrap; word-break: break-word;}
.xqa-passage mark {background: #ffe08a; color: inherit; padding: 1px 2px; border-radius: 3px;}
.xqa-file {padding: 0 12px 10px; font-size: .82rem; color: var(--body-text-color-subdued);}
.xqa-ref {color: #b8322f; font-weight: 600; cursor: pointer;}
.xqa-note, .xqa-note p {font-size: .82rem; color: var(--body-text-color-subdued); padding: 0 2px;}
.xqa-fail {border-left: 3px solid #b8322f;}
.xqa-fail dl {display: grid; grid-template-columns: 4.5em 1fr; gap: 4px 10px; padding: 10px 12px; margin: 0;}
.xqa-fail dt {color: var(--body-text-color-subdued);}
.xqa-fail dd {margin: 0; white-space: pre-wrap; word-break: break-word;}
"""


# ---------------------------------------------------------------- escaping


def escape_html(text: str) -> str:
    """Document text as inert HTML text: ``<script>`` shows as characters, never runs."""
    return html.escape(text, quote=True)


def escape_markdown(text: str) -> str:
    """Document text inside a Markdown chat message: no HTML, no emphasis, links, lists or LaTeX."""
    text = _MD_INLINE.sub(r"\\\1", html.escape(text, quote=False))
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    """'- x', '+ x' and '1. x' at a line start would become list items."""
    indent, sign, number, dot = m.groups()
    return f"{indent}\\{sign}" if sign else f"{indent}{number}\\{dot}"


def highlight(text: str, start: int, end: int) -> str:
    """The escaped passage with ``text[start:end]`` in a ``<mark>`` (offsets clamped to the text)."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    if start == end:
        return escape_html(text)
    return f"{escape_html(text[:start])}<mark>{escape_html(text[start:end])}</mark>{escape_html(text[end:])}"


# ---------------------------------------------------------------- chat


def question_markdown(question: str, max_chars: int) -> str:
    """The user's own question as their chat bubble: literally what they typed, markup shown as characters.

    What cannot be shown is dropped, and the text is cut where the answer stops reading it.
    """
    text = _UNSHOWABLE.sub("", question).strip()
    if len(text) > max_chars:
        text = text[:max_chars] + "…"
    return escape_markdown(text)


def stream_prefixes(text: str, step: int = 4) -> Iterator[str]:
    """Growing prefixes of ``text``, ``step`` characters at a time, never cutting a ``[n]`` marker."""
    pieces = re.findall(rf"\[\d+\]|[^\[]{{1,{step}}}|\[", text)
    shown = ""
    for piece in pieces:
        shown += piece
        yield shown


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


def rewritten_note(answer: Answer) -> str:
    """'理解为：…' when a follow-up was resolved into another question, else ''."""
    if answer.rewritten == answer.question:
        return ""
    return f"理解为：{answer.rewritten}"


def answer_markdown(answer: Answer, shown: str | None = None, key: str = "") -> str:
    """The chat message for an answer; ``shown`` is the part streamed so far (default: all of it).

    Below the finished answer a one-line source list keeps older messages
    traceable after the sources panel has moved on to a newer question.
    """
    numbers = {c.n for c in answer.citations}
    lines = []
    note = rewritten_note(answer)
    if note:
        lines.append(f"*{escape_markdown(note)}*")
    lines.append(_markers_to_html(answer.answer if shown is None else shown, numbers, key))
    if shown is None and answer.citations:
        titles = " ".join(f"\\[{c.n}\\] {escape_markdown(c.title)}" for c in answer.citations)
        lines.append(f"<small>来源：{titles}</small>")
    return "\n\n".join(lines)


def _card(badge: str, title: str, year: str, section: str, body: str, preview: str, source: str, anchor: str) -> str:
    meta = " · ".join(escape_html(x) for x in (f"{year}年" if year else "", section) if x)
    return (
        f'<details class="xqa-card" id="{anchor}"><summary>{badge}'
        f'<span class="xqa-title">{escape_html(title)}</span><span class="xqa-meta">{meta}</span>'
        f'<span class="xqa-preview">{escape_html(preview)}</span></summary>'
        f'<div class="xqa-passage">{body}</div><div class="xqa-file">来源文件：{escape_html(source)}</div></details>'
    )


def sources_html(answer: Answer, key: str = "") -> str:
    """Cited passages with their evidence highlighted; for an abstention, passages marked 可能相关."""
    if answer.citations:
        cards = [
            _card(
                f'<span class="xqa-badge">[{c.n}]</span>',
                c.title,
                c.year,
                c.section,
                highlight(c.text, c.start, c.end),
                c.quote,
                c.source,
                card_id(key, c.n),
            )
            for c in answer.citations
        ]
        head = f"引用来源（{len(cards)}）· 点击展开原文"
    elif answer.passages:
        cards = [
            _card(
                '<span class="xqa-badge xqa-maybe">可能相关</span>',
                p.doc.title,
                p.doc.years_label,
                " > ".join(p.chunk.section),
                escape_html(p.chunk.text),
                p.chunk.text,
                p.doc.file,
                f"xqa-{key}-p{p.rank}",
            )
            for p in answer.passages[:MAYBE_SHOWN]
        ]
        head = "未找到明确答案 · 以下段落可能相关，仅供参考"
    else:
        return '<div class="xqa-sources xqa-empty">没有检索到相关段落。</div>'
    return f'<div class="xqa-sources"><div class="xqa-sources-head">{head}</div>{"".join(cards)}</div>'


def turn_record(answer: Answer, answer_id: str) -> dict:
    """What the session keeps of an answer: enough for follow-ups and for a feedback record."""
    return {
        "id": answer_id,
        "question": answer.question,
        "rewritten": answer.rewritten,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "citations": [
            {"n": c.n, "source": c.source, "title": c.title, "year": c.year, "section": c.section, "quote": c.quote}
            for c in answer.citations
        ],
    }


# ---------------------------------------------------------------- documents & filters


def header_html(index: Index) -> str:
    """The page banner, saying what the answers are drawn from."""
    years = sorted({y for d in index.docs.values() for y in d.years})
    span = f"，内容涉及 {years[0]}–{years[-1]} 年" if years else ""
    return (
        '<div class="xqa-header"><h1>西城区政府工作报告 · 智能问答</h1>'
        f"<p>已收录 {len(index.docs)} 份报告{span}。每个回答都注明出处，点击引用即可查看原文。</p></div>"
    )


def year_choices(index: Index) -> list[tuple[str, str]]:
    """Dropdown (label, value) pairs: every year some report reports on; '' means all."""
    years = sorted({y for d in index.docs.values() for y in d.years}, reverse=True)
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


# ---------------------------------------------------------------- evaluation


def summary_rows(totals: dict) -> list[list[str]]:
    """The evaluation's total metrics as (指标, 数值) rows, in a fixed order."""
    labels = {"n": "题目数", **{key: m.zh for key, m in METRICS.items()}}
    return [[label, fmt(key, totals.get(key))] for key, label in labels.items() if key in totals]


def failures_html(report: dict) -> str:
    """Every wrong item: question, expected and actual answer, and the passages the answer cited."""
    failures = [r for r in report["items"] if not r["correct"]]
    if not failures:
        return '<div class="xqa-sources xqa-empty">全部答对，没有失败的题目。</div>'
    cards = []
    for r in failures:
        got = r["got"] or "（空）"
        if r["abstained"]:
            got += "（拒答）"
        if r.get("error"):
            got += f"（出错：{r['error']}）"
        cited = "\n\n".join(
            f"[{n}] " + (t if len(t) <= EXCERPT_CHARS else t[:EXCERPT_CHARS] + "…") for n, t in enumerate(r["cited"], 1)
        )
        rows = [("问题", r["question"]), ("期望", r["expected"]), ("实际", got), ("引用", cited or "（无）")]
        body = "".join(f"<dt>{k}</dt><dd>{escape_html(v)}</dd>" for k, v in rows)
        cards.append(
            f'<details class="xqa-card xqa-fail"><summary><span class="xqa-badge">{escape_html(r["id"])}</span>'
            f'<span class="xqa-title">{escape_html(r["question"])}</span>'
            f'<span class="xqa-meta">{escape_html(r["type"])}</span></summary><dl>{body}</dl></details>'
        )
    head = f"答错 {len(failures)} 题（共 {len(report['items'])} 题）· 点击展开详情"
    return f'<div class="xqa-sources"><div class="xqa-sources-head">{head}</div>{"".join(cards)}</div>'
