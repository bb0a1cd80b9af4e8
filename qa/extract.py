"""Extractive answering: pick, from the retrieved passages, the words that answer.

No language model: the kind of question decides what to look for (a number
with its unit, a lead unit, a task status, an enumeration, a definition), term
coverage decides where, and the year check decides whether it may be used at
all.  Every claim keeps the offsets of its evidence inside the passage, so it
can be cited and highlighted exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .evidence import Span, clauses, is_plan_span, sentences, spans, year_fits
from .match import Idf, coverage
from .retrieve import Passage
from .understand import Question

NUMBER_RE = re.compile(
    r"\d+(?:[.,]\d+)*\s*(?:%|％|‰|[万亿千百]?(?:元|人次|人|个|座|处|家|条|所|项|次|户|套|辆|件|名|张|部|场|块|公里|平方米|"
    r"公顷|亩|立方米|米|延长米|吨|倍|岁|天|年|个百分点|微克)|[万亿])|[一二三四五六七八九十两]+(?:连冠|大|项|个|条)|第[一二三四五六七八九十]"
)
_NEGATIVE = re.compile(r"无法完成|未能|未完成|没有完成|尚未|推迟|延期|延迟|暂缓|未按|滞后|无法")
_DONE = re.compile(
    r"已完成|全部完成|完成全年|超额完成|顺利完成|圆满完成|如期完成|已建成|全面完成|已实现|完成.{0,6}目标"
)
_ONGOING = re.compile(r"正在|推进中|进行中|已启动|开工|施工|持续推进")
_STATUS_CHARS = 120  # a status answer quotes at most this much
_STATUS_UNIT = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_HOME = re.compile(r"全区|西城|我区")
_ELSEWHERE = re.compile(r"北京市(?!西城)")


@dataclass(frozen=True)
class Claim:
    """One cited statement: ``text`` is shown, ``passage.chunk.text[start:end]`` is its evidence."""

    text: str
    passage: Passage
    start: int
    end: int


@dataclass(frozen=True)
class Draft:
    claims: tuple[Claim, ...]
    support: float  # coverage of the best evidence, 0..1
    reason: str = ""  # why nothing was claimed

    @property
    def abstained(self) -> bool:
        return not self.claims


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    sentence: Span
    cover: float
    score: float
    plan: bool


def extract(q: Question, passages: list[Passage], idf: Idf, min_support: float, max_chars: int) -> Draft:
    """The best-supported answer to a simple (not compound) question, or a reasoned abstention."""
    if not passages:
        return Draft((), 0.0, "no_passages")
    if q.kind in ("unit", "status"):
        draft = _from_table(q, passages, idf, min_support, max_chars)
        if draft is not None:
            return draft
    candidates = [c for c in _candidates(q, passages, idf) if _period_allowed(q, c)]
    if not candidates:
        return Draft((), 0.0, "period")
    fitting = [c for c in candidates if _year_fits(q, c)]
    if not fitting:
        return Draft((), max(c.cover for c in candidates), "year")
    best, start, end, support = _best_answer(q, fitting, idf, max_chars)
    if support < min_support:
        return Draft((), support, "weak")
    if q.other_places and not any(p in best.passage.chunk.text for p in q.other_places):
        return Draft((), support, "place")
    text = best.passage.chunk.text[start:end].strip().rstrip("，,；;：:、")
    return Draft((Claim(text, best.passage, start, start + len(text)),), support)


_RESCORE = 5  # best sentences whose answer windows are compared


def _best_answer(
    q: Question, fitting: list[_Candidate], idf: Idf, max_chars: int
) -> tuple[_Candidate, int, int, float]:
    """Among the best sentences, the one whose answer window itself is best supported.

    A sentence is scored on all its words; what is shown is a window of it, so
    the final choice re-scores each candidate with its window's own coverage
    (and, for a number question, whether the window holds a number at all).
    """
    best: tuple[float, _Candidate, int, int, float] | None = None
    for c in sorted(fitting, key=lambda c: -c.score)[:_RESCORE]:
        start, end, support = _answer_window(q, c, idf, max_chars)
        window = c.passage.chunk.text[start:end]
        score = c.score - c.cover + support - (0.3 if q.kind == "number" and not NUMBER_RE.search(window) else 0.0)
        if best is None or score > best[0]:
            best = (score, c, start, end, support)
    assert best is not None  # fitting is never empty here
    return best[1:]


def _year_fits(q: Question, c: _Candidate) -> bool:
    return year_fits(q.years, c.passage.chunk.text, c.sentence, c.passage.chunk, c.passage.doc)


def _period_allowed(q: Question, c: _Candidate) -> bool:
    """A target is no answer where a result is asked, and a result none where a target is."""
    if q.wants_plan == q.wants_actual:
        return True
    return c.plan == q.wants_plan


def _context(p: Passage) -> str:
    """The passage's innermost heading: glossary entries and sections are named there."""
    return p.chunk.section[-1] if p.chunk.section else ""


def _candidates(q: Question, passages: list[Passage], idf: Idf) -> list[_Candidate]:
    out: list[_Candidate] = []
    for p in passages:
        heading = _context(p)
        for s in sentences(p.chunk.text):
            cover = coverage(q.terms, heading + "\n" + s.text, idf)
            plan = is_plan_span(p.chunk, p.doc, s)
            period = _period_bonus(q, plan, bool(p.chunk.fields))
            score = cover + _kind_bonus(q, s.text) + period + _place_bonus(q, s.text) + 0.04 / p.rank
            out.append(_Candidate(p, s, cover, score, plan))
    return out


def _place_bonus(q: Question, text: str) -> float:
    """Questions are about Xicheng unless they say otherwise: prefer its own figures to the city's."""
    if _ELSEWHERE.search(text) and not _ELSEWHERE.search(q.text):
        return -0.15
    return 0.04 if _HOME.search(text) else 0.0


def _kind_bonus(q: Question, text: str) -> float:
    if q.kind == "number":
        return 0.12 if NUMBER_RE.search(text) else -0.1
    if q.kind == "list":
        return 0.15 if text.count("、") >= 1 else -0.1
    if q.kind == "fact" and re.search(r"是指|指的是|即", text):
        return 0.08
    return 0.0


def _period_bonus(q: Question, plan: bool, from_table: bool) -> float:
    """Plans for plan questions (the report itself before a table restating it), results otherwise."""
    if q.wants_plan:
        return (0.15 if from_table else 0.2) if plan else 0.0
    if q.wants_actual:
        return 0.0 if plan else 0.2
    return -0.1 if plan else 0.1  # a target is no answer where an actual is asked


def _answer_window(q: Question, best: _Candidate, idf: Idf, max_chars: int) -> tuple[int, int, float]:
    """The shortest run of 1-3 clauses of the sentence that carries the answer, and its support.

    A definition or fact is the whole sentence.  A run never crosses a
    semicolon: in reports, semicolons separate different figures.  Support is
    the term coverage of the words actually given as the answer, so a figure
    about something else in the same sentence does not borrow its neighbours'
    words.
    """
    s = best.sentence
    heading = _context(best.passage)
    if q.kind == "fact" and len(s.text) <= max_chars:
        return s.start, s.end, best.cover
    parts = clauses(s.text)
    options: list[tuple[float, int, int]] = []
    for i in range(len(parts)):
        for j in range(i, min(i + 3, len(parts))):
            a, b = s.start + parts[i].start, s.start + parts[j].end
            if b - a > max_chars:
                break
            text = best.passage.chunk.text[a:b]
            score = coverage(q.terms, heading + "\n" + text, idf) - 0.03 * (j - i) + min(_place_bonus(q, text), 0.0)
            if q.kind == "number":
                score += 0.05 if NUMBER_RE.search(parts[j].text) else -0.5 if not NUMBER_RE.search(text) else 0.0
            if q.kind == "list" and "、" not in text:
                score -= 0.2
            options.append((score, a, b))
            if parts[j].text.endswith(("；", ";")):
                break
    if not options:
        return s.start, min(s.end, s.start + max_chars), best.cover
    _, a, b = max(options, key=lambda o: (o[0], -(o[2] - o[1])))
    return a, b, coverage(q.terms, heading + "\n" + best.passage.chunk.text[a:b], idf)


# ---------------------------------------------------------------- task table


def _from_table(q: Question, passages: list[Passage], idf: Idf, min_support: float, max_chars: int) -> Draft | None:
    """Lead unit / status questions answered from a task row's fields, when a row matches."""
    rows = [p for p in passages if p.chunk.fields.get("task")]
    if not rows:
        return None
    scored = [
        (
            max(coverage(q.terms, p.chunk.fields["task"], idf), 0.9 * coverage(q.terms, p.chunk.text, idf))
            + 0.02 / p.rank,
            p,
        )
        for p in rows
    ]
    cover, best = max(scored, key=lambda x: x[0])
    if cover < min_support:
        return None
    if q.years and not set(q.years) & set(best.doc.years):
        return Draft((), cover, "year")
    text = best.chunk.text
    if q.kind == "unit":
        units = best.chunk.fields["lead_units"]
        first = units.split("、")[0]
        at = text.find(first)
        start, end = (at, at + len(first)) if at >= 0 else (0, len(text))
        return Draft((Claim(f"牵头单位：{units}", best, start, end),), cover)
    return Draft((_status_claim(q, best, idf, max_chars),), cover)


def status_verdict(status: str) -> str:
    """A one-phrase verdict on a task's status, from the words of the status itself."""
    if _NEGATIVE.search(status):
        return "未按计划完成"
    done = _DONE.search(status) or re.search(r"完成|建成|完工|通车|投入使用", status)
    if _ONGOING.search(status):
        return "部分完成，其余仍在进行中" if done else "进行中"
    return "已完成" if done else ""


def _status_claim(q: Question, row: Passage, idf: Idf, max_chars: int) -> Claim:
    """The status statements that answer the question (what it is about, and whether it failed), with a verdict."""
    text = row.chunk.text
    status = row.chunk.fields["status"]
    offset = max(text.find(status), 0)
    ranked = []
    for s in spans(status, _STATUS_UNIT):
        marker = 1.0 if _NEGATIVE.search(s.text) else 0.5 if (_DONE.search(s.text) or _ONGOING.search(s.text)) else 0.0
        ranked.append((2 * coverage(q.terms, s.text, idf) + marker, s))
    ranked.sort(key=lambda x: -x[0])
    chosen = sorted((s for _, s in ranked[:2]), key=lambda s: s.start)
    if chosen[-1].end - chosen[0].start > _STATUS_CHARS:
        chosen = [ranked[0][1]]
    start, end = offset + chosen[0].start, offset + min(chosen[-1].end, chosen[0].start + max_chars)
    evidence = text[start:end]
    verdict = status_verdict(evidence)
    return Claim(f"{verdict}。{evidence}" if verdict else evidence, row, start, end)
