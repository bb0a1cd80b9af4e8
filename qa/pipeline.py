"""From a question to a cited answer: understand -> retrieve -> extract -> cite -> check.

:class:`Assistant` loads the index and the embedding model once and answers
any number of questions; the CLI, the web app and the evaluation all call
:meth:`Assistant.ask`, so they measure and show the same thing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from index import Index, Settings, Statement, covered_years, load_embedder, load_index
from index.indicators import base_value
from index.vocabulary import warm_up

from .about import answer_about, report_question
from .conversation import Resolved, Turn, resolve
from .extract import Claim, Draft, Extractor
from .guard import check_question
from .match import Idf
from .reader import EXTRACT_READER, MODEL_READER, ModelReader
from .rerank import rerank
from .retrieve import Passage, Retriever, docs_for_years
from .series import (
    CONVERTED,
    Series,
    collect,
    gap_text,
    heading,
    indicator_of,
    point_claim,
    question_years,
    wording_note,
)
from .spelling import Speller
from .tasks import answer_table, matching, table_query, task_records
from .text import NUMBER_RE
from .understand import Question, corrected
from .weights import DEFAULT, Weights

_HISTORY = 5  # earlier questions a follow-up may refer to
_MIN_SHOWN = 5  # passages every answer lists, cited or possibly related
_COMPUTED = re.compile(r"[^。；]*（由(?:\[\d+\])+计算）")
_CONVERTED = re.compile(CONVERTED + r"-?\d[\d.]*[^，）]*")  # a series figure restated in its unit (qa.series)
_MARKER_RE = re.compile(r"\[(\d+)\]")
_NUM_UNIT = re.compile(
    r"(\d+(?:[.,]\d+)*)\s*(%|[万亿]?元|[万亿]?[个座处家条所项次户人]|[万]?平方米|公顷|[万]?立方米|微克)"
)


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    source: str
    title: str
    year: str
    section: str
    text: str  # the whole cited passage (original text only)
    start: int  # evidence inside ``text``
    end: int

    @property
    def quote(self) -> str:
        return self.text[self.start : self.end]


@dataclass
class Answer:
    question: str
    rewritten: str  # the question as understood (follow-ups resolved)
    answer: str
    abstained: bool
    citations: list[Citation]
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)  # a trend question: the asked series, then its growth
    carried: str = ""  # what the conversation supplied ("沿用上一问的2013年"); "" when asked as if alone
    reader: str = EXTRACT_READER  # who wrote the answer: 摘录, or 模型撰写·已核对 (qa.reader)
    reader_note: str = ""  # one line: claims the checks dropped, or why the model's answer is not shown
    checks: dict[str, int] = field(default_factory=dict)  # qa.reader.Reading.counts(); {} = no model asked

    def to_json(self) -> dict:
        """The public JSON contract shared by the CLI, the web API and the evaluation."""
        return {
            "question": self.question,
            "rewritten": self.rewritten,
            "carried": self.carried,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [
                {
                    "n": c.n,
                    "source": c.source,
                    "title": c.title,
                    "year": c.year,
                    "section": c.section,
                    "text": c.text,
                    "start": c.start,
                    "end": c.end,
                }
                for c in self.citations
            ],
            "passages": [
                {
                    "rank": p.rank,
                    "source": p.doc.file,
                    "title": p.doc.title,
                    "section": " > ".join(p.chunk.section),
                    "text": p.chunk.text,
                    "score": round(p.score, 6),
                }
                for p in self.passages
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "series": [series_json(s) for s in self.series],
        } | ({"reader": {"name": self.reader, "note": self.reader_note, **self.checks}} if self.checks else {})


# An earlier turn of a conversation: its question, or its answer (an Answer or the JSON of one).
HistoryItem = str | dict | Answer


class Assistant:
    def __init__(self, index: Index, settings: Settings, weights: Weights = DEFAULT):
        self.settings = settings
        self.weights = weights
        self.index = index
        self.retriever = Retriever(index, load_embedder(settings), settings.rrf_k, settings.candidates, weights)
        self.idf = Idf((c.text for c in index.chunks), weights)
        self.extractor = Extractor(self.idf, settings.min_support, settings.max_answer_chars, weights)
        self.speller = Speller.from_texts(c.text for c in index.chunks)
        self.tasks = task_records(index)
        warm_up()  # the vocabulary's word segmenter, loaded here rather than on the first question
        self.model = ModelReader.from_settings(settings)  # None: no model configured (the default)
        # A cited passage back to its row (a follow-up's referent, from an earlier answer's JSON).
        self._rows_by_text = {(index.docs[c.doc_id].file, c.text): i for i, c in enumerate(index.chunks)}

    @classmethod
    def load(cls, settings: Settings | None = None, weights: Weights = DEFAULT) -> Assistant:
        settings = settings or Settings.from_env()
        return cls(load_index(settings), settings, weights)

    def understand(self, question: str, history: Sequence[HistoryItem] | None = None) -> Question:
        """The question as understood, in its conversation, with typos of report terms corrected."""
        return self.resolve(question, history).question

    def resolve(self, question: str, history: Sequence[HistoryItem] | None = None) -> Resolved:
        """The question in its conversation (:mod:`qa.conversation`), and what it took from it."""
        found = resolve(question, self.turns(history or []))
        return replace(found, question=corrected(found.question, self.speller))

    def turns(self, history: Sequence[HistoryItem]) -> list[Turn]:
        """Earlier turns as the conversation rule reads them.

        An item is an earlier question (a string, resolved here in its own conversation) or an
        earlier answer (an :class:`Answer` or its JSON): its rewritten question and the task row
        its first citation holds, so "它" can mean what was answered.
        """
        turns: list[Turn] = []
        for item in list(history)[-_HISTORY:]:
            if isinstance(item, Answer):
                item = item.to_json()
            if isinstance(item, str):
                text, citations = item, []
            elif isinstance(item, dict) and isinstance(item.get("question"), str):
                text, citations = item.get("rewritten") or item["question"], item.get("citations") or []
            else:
                continue
            text = text[: self.settings.max_question_chars]
            if not text.strip():
                continue
            q = resolve(text, turns).question
            rows = {
                r
                for r in map(self._row_of_citation, citations)
                if r is not None and self.index.chunks[r].fields.get("task")
            }
            row = rows.pop() if len(rows) == 1 else None  # an answer listing several rows has no one referent
            turns.append(Turn(q, row, self.index.chunks[row].fields["task"] if row is not None else ""))
        return turns

    def _row_of_citation(self, citation: object) -> int | None:
        if not isinstance(citation, dict):
            return None
        return self._rows_by_text.get((citation.get("source"), citation.get("text")))

    def ask(
        self,
        question: str,
        history: Sequence[HistoryItem] | None = None,
        years: tuple[int, ...] | None = None,
        doc_ids: list[str] | None = None,
        mode: str | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer one question; ``history`` holds the earlier turns (questions or answers, oldest first).

        Raises :class:`~qa.guard.BadQuestion` (a message for the user) for input with nothing to answer.
        """
        t0 = time.perf_counter()
        mode = mode or self.settings.retrieval_mode
        k = k or self.settings.top_k
        question, notice = check_question(question, self.settings.max_question_chars)
        found = self.resolve(question, history)
        q = found.question
        if years:
            q, conflict = _apply_year_filter(q, tuple(years))
            notice += conflict
        if doc_ids:
            doc_ids, conflict = _apply_doc_filter(q, list(doc_ids), self.index)
            notice += conflict
        if q.trend:
            answer = self._series(question, q, doc_ids, notice, t0)
            if answer is not None:
                answer.carried = found.carried
                return answer
        retrieve_ms = 0.0
        drafts: list[tuple[Question, Draft]] = []
        shown: dict[int, Passage] = {}  # by row: a passage found for two sides is shown once
        about = report_question(q, self.index, doc_ids)
        table = table_query(q, self.tasks) if about is None else None
        if about is not None:  # who delivered a report, when, where: its cover lines, not a search
            draft = answer_about(about, self.index, self.retriever.rows_of)
            drafts.append((q, draft))
            shown.update((c.passage.row, c.passage) for c in draft.claims)
            sides: list[Question] = []
        elif table is not None:  # every row a unit leads, or of a status: the records, not one sentence
            allowed = docs_for_years(self.index, q.years) if q.years else None
            if doc_ids is not None:
                allowed = [d for d in (allowed or doc_ids) if d in doc_ids]
            draft = answer_table(table, matching(table, self.tasks, allowed), self.index)
            drafts.append((q, draft))
            shown.update((c.passage.row, c.passage) for c in draft.claims)
            sides = []
        else:
            sides = list(q.parts) if q.is_compound else [q]
        for side in sides:
            t = time.perf_counter()
            passages = self._retrieve(side, k, doc_ids, mode)
            retrieve_ms += (time.perf_counter() - t) * 1000
            drafts.append((side, self.extractor.extract(side, passages)))
            for p in passages:
                shown.setdefault(p.row, p)
        if len(shown) < _MIN_SHOWN:  # no report covers the year: still show the closest passages, as related
            for p in self.retriever.search(q.text, k, doc_ids, mode):
                shown.setdefault(p.row, p)
        text, citations = compose(q, drafts, self.index)
        cited = [c.passage.row for _, d in drafts for c in d.claims]
        passages = rerank(q, list(shown.values()), cited, self.idf, max(k, _MIN_SHOWN), self.weights)
        total = (time.perf_counter() - t0) * 1000
        return Answer(
            question=question,
            rewritten=q.text,
            answer=notice + text,
            abstained=not citations,
            citations=citations,
            passages=passages,
            timings_ms={"retrieve": retrieve_ms, "answer": total - retrieve_ms, "total": total},
            carried=found.carried,
        )

    def _series(self, question: str, q: Question, doc_ids: list[str] | None, notice: str, t0: float) -> Answer | None:
        """A trend question answered from the indicator statements, or None to answer it by retrieval."""
        indicator = indicator_of([q.text, *(a for alts in q.terms for a in alts)], self.index)
        if indicator is None:
            return None
        targets, growth = q.targets, q.trend == "growth"
        years = question_years(q.since, q.years, self.index, targets)
        answer = self.series(indicator, years, growth=growth, targets=targets, doc_ids=doc_ids)
        if answer is None:
            return None
        answer.question, answer.rewritten, answer.answer = question, q.text, notice + answer.answer
        answer.passages = self.retriever.search(q.text, self.settings.top_k, doc_ids)
        total = (time.perf_counter() - t0) * 1000
        answer.timings_ms = {"retrieve": 0.0, "answer": total, "total": total}
        return answer

    def series(
        self,
        indicator: str,
        years: tuple[int, ...] = (),
        growth: bool = False,
        targets: bool = False,
        doc_ids: list[str] | None = None,
    ) -> Answer | None:
        """One indicator across every report (``python -m qa series``; the chat's trend questions).

        ``indicator`` is a normalised name or a report's wording, as :func:`qa.series.indicator_of`
        finds it; ``None`` when no report states a figure of it (for the asked years).
        """
        t0 = time.perf_counter()
        name = indicator_of([indicator], self.index)
        if name is None:
            return None
        index = self.index
        primary = collect(index, name, years, growth=growth, targets=targets, doc_ids=doc_ids)
        if primary.empty and not growth:  # only growth is stated ("地区生产总值增长6%左右")
            primary = collect(index, name, years, growth=True, targets=targets, doc_ids=doc_ids)
        if primary.empty:
            return None
        citations: list[Citation] = []
        claims = []
        for p in primary.points:
            citations.append(self._cite_statement(len(citations) + 1, p.statement))
            claims.append(f"{point_claim(p, primary)}[{len(citations)}]")
        numbers = {id(p.statement): c.n for p, c in zip(primary.points, citations, strict=True)}
        primary = primary.cited(numbers)
        text = f"{heading(primary)}：" + "；".join(claims)
        if primary.gaps:
            text += f"。{gap_text(primary.gaps)}：报告中未载"
        text += wording_note(primary)
        shown = [primary]
        if primary.measure == "level":  # rates stated beside the levels: their own chart
            rates = collect(index, name, years, growth=True, targets=targets, doc_ids=doc_ids)
            rates = rates.cited(numbers).keep(lambda p: p.n > 0)
            if not rates.empty:
                shown.append(rates)
        total = (time.perf_counter() - t0) * 1000
        return Answer(
            question=indicator,
            rewritten=indicator,
            answer=text,
            abstained=False,
            citations=citations,
            passages=[],
            timings_ms={"retrieve": 0.0, "answer": total, "total": total},
            series=shown,
        )

    def _cite_statement(self, n: int, st: Statement) -> Citation:
        """A statement's citation: the passage holding its clause, the clause highlighted."""
        doc = self.index.docs[st.doc_id]
        chunks = [self.index.chunks[r] for r in self.retriever.rows_of.get(st.doc_id, [])]
        chunk = min(
            (c for c in chunks if c.start <= st.start and st.end <= c.end), key=lambda c: c.end - c.start, default=None
        )
        if chunk is None:  # a clause across a chunk boundary: the passage it starts in
            chunk = next(c for c in chunks if c.start <= st.start < c.end)
        return Citation(
            n=n,
            doc_id=doc.doc_id,
            source=doc.file,
            title=doc.title,
            year=doc.years_label,
            section=" > ".join(chunk.section),
            text=chunk.text,
            start=st.start - chunk.start,
            end=min(st.end, chunk.end) - chunk.start,
        )

    def ask_model(self, question: str, on_text: Callable[[str], None] | None = None, **kwargs: object) -> Answer:
        """The configured model's answer, every claim checked against its passage (:mod:`qa.reader`).

        The extractive answer is made first: it is the model's hint, and what is shown (with a
        one-line note) when the model fails or none of its claims survives the checks.  Without a
        model, or for a trend question (answered from the indicator statements), it is the answer.
        ``on_text`` receives the checked text so far as the model writes.
        """
        answer = self.ask(question, **kwargs)  # type: ignore[arg-type]
        if self.model is None or answer.series:
            return answer
        t0 = time.perf_counter()
        reading = self.model.read(answer, self.index, self.idf, on_text)
        model_ms = (time.perf_counter() - t0) * 1000
        timings = {**answer.timings_ms, "model": model_ms, "total": answer.timings_ms["total"] + model_ms}
        answer = replace(answer, reader_note=reading.note, checks=reading.counts(), timings_ms=timings)
        if not reading.used:
            return answer
        citations = [_cite(n, claim) for n, claim in enumerate(reading.evidence, 1)]
        return replace(answer, answer=reading.text, abstained=False, citations=citations, reader=MODEL_READER)

    def ask_json(self, question: str, **kwargs: object) -> dict:
        return self.ask(question, **kwargs).to_json()  # type: ignore[arg-type]

    def _retrieve(self, q: Question, k: int, doc_ids: list[str] | None, mode: str) -> list[Passage]:
        allowed = doc_ids
        if q.doc_years:  # "2017年报告里…": that document, whatever years it speaks of
            named = [d.doc_id for d in self.index.docs.values() if d.year in q.doc_years]
            allowed = (named if allowed is None else [d for d in allowed if d in named]) or allowed
        if q.years:
            by_year = docs_for_years(self.index, q.years)
            allowed = by_year if allowed is None else [d for d in allowed if d in by_year]
        places = [
            d.doc_id for d in self.index.docs.values() if d.place and any(d.place.startswith(p) for p in q.other_places)
        ]
        if places:  # "朝阳区…" where a 朝阳区 report is indexed: that district's reports
            allowed = places if allowed is None else [d for d in allowed if d in places]
        words = [alt for alts in q.terms for alt in alts if alt not in q.text]
        query = " ".join([q.text, *words])
        found = self.retriever.search(query, k=k, doc_ids=allowed, mode=mode)
        if q.row is None:
            return found
        # a follow-up about the task row an earlier answer cited: that row first, whatever the search says
        chunk = self.index.chunks[q.row]
        referent = Passage(q.row, chunk, self.index.docs[chunk.doc_id], 1.0, 1)
        return [referent, *(replace(p, rank=p.rank + 1) for p in found if p.row != q.row)]


def _apply_year_filter(q: Question, years: tuple[int, ...]) -> tuple[Question, str]:
    """The year filter applies to a question that names no year; one that names others is followed, and told so."""
    if q.years and not set(q.years) & set(years):
        asked = "、".join(f"{y}年" for y in q.years)
        chosen = "、".join(f"{y}年" for y in years)
        return q, f"（年份筛选为{chosen}，但问题问的是{asked}，已按问题作答）"
    return replace(q, years=years, parts=tuple(replace(p, years=years) for p in q.parts)), ""


def _apply_doc_filter(q: Question, doc_ids: list[str], index: Index) -> tuple[list[str] | None, str]:
    """The document filter applies unless no chosen report speaks of a year the question asks
    (or names): then, as with the year filter, the question is followed, and told so."""
    asked = set(q.years) | set(q.doc_years)
    chosen = [index.docs[d] for d in doc_ids if d in index.docs]
    if not asked or not chosen or any(asked & d.years_spoken_of for d in chosen):
        return doc_ids, ""
    titles = "、".join(
        f"《{d.title}》" + (f"（{d.year}年）" if d.year and str(d.year) not in d.title else "") for d in chosen
    )
    years = "、".join(f"{y}年" for y in sorted(asked))
    return None, f"（限定的报告为{titles}，不涉及{years}，已在全部报告中按问题作答）"


# ---------------------------------------------------------------- composing


def _side_label(side: Question, drafts: list[tuple[Question, Draft]]) -> str:
    """What tells the sides apart: their years, or (one year, "原定…最后…") target and actual."""
    if len({s.years for s, _ in drafts}) == 1 and any(s.wants_plan for s, _ in drafts):
        return "目标" if side.wants_plan else "实际"
    return _label(side)


def _label(side: Question) -> str:
    if not side.years:
        return ""
    lo, hi = min(side.years), max(side.years)
    return f"{lo}年" if lo == hi else f"{lo}–{hi}年"


def compose(q: Question, drafts: list[tuple[Question, Draft]], index: Index) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers, and the citations the markers point to."""
    citations: list[Citation] = []
    segments: list[str] = []
    cited: set[tuple[int, int, int]] = set()
    marks: list[int] = []  # the citation of each side's first figure
    for side, draft in drafts:
        label = _side_label(side, drafts) if len(drafts) > 1 else ""
        claims = [c for c in draft.claims if (c.passage.row, c.start, c.end) not in cited]
        if draft.claims and not claims:  # this side is answered by what an earlier side already said
            continue
        # a claim whose figure its own passage does not print is never shown (every answer, not only tests)
        claims = [c for c in claims if figures_quoted(c)]
        if not claims:
            draft = replace(draft, claims=(), reason=draft.reason or "unsupported")
        if claims and not draft.abstained:
            marks.append(len(citations) + 1)
        cited.update((c.passage.row, c.start, c.end) for c in claims)
        if draft.abstained:
            segments.append(f"{label + '：' if label else ''}{not_found(side, draft, index)}")
            continue
        parts = []
        for claim in claims:
            citations.append(_cite(len(citations) + 1, claim))
            parts.append(f"{claim.text}[{len(citations)}]")
        body = draft.lead + "；".join(parts) + draft.note
        segments.append(f"{label}：{body}" if label and not body.startswith(label) else body)
    if not citations:
        return not_found(q, drafts[0][1], index) + _possibly_related_note(), []
    text = "；".join(segments) if len(segments) > 1 else segments[0]
    diff = _difference(q, drafts, marks)
    if diff:
        text += f"。{diff}"
    return text, citations


def _cite(n: int, claim: Claim) -> Citation:
    p = claim.passage
    return Citation(
        n=n,
        doc_id=p.doc.doc_id,
        source=p.doc.file,
        title=p.doc.title,
        year=p.doc.years_label,
        section=" > ".join(p.chunk.section),
        text=p.chunk.text,
        start=claim.start,
        end=claim.end,
    )


def not_found(q: Question, draft: Draft, index: Index) -> str:
    years = "、".join(f"{y}年" for y in q.years) if q.years else ""
    if q.years and not docs_for_years(index, q.years):
        covered = covered_years(index.docs.values())
        span = f"{covered[0]}–{covered[-1]}年中的部分年份" if covered else "任何年份"
        return f"现有报告中未找到{years}的相关内容（已收录的报告涉及{span}）"
    if draft.reason == "table":
        return "任务表中没有符合所问条件的任务"
    if draft.reason == "report_silent":
        return "该报告中没有写明所问的这一点（报告人、会议或日期）"
    if draft.reason == "indicator":
        asked = {"rate": "增速或变化幅度", "average_rate": "年均增速", "share": "比重", "money": "金额"}
        measure = q.figure.removeprefix("measure:")
        asked = asked.get(q.figure, f"以“{measure}”计的数字" if measure != q.figure else "这项指标")
        near = f"“{draft.note}”" if draft.note else "相近内容"
        return f"现有报告中未找到{years}所问的{asked}（报告给出的{near}是其他口径的数字，不能代替）"
    if draft.reason == "place":
        places = "、".join(dict.fromkeys(d.district for d in index.docs.values() if d.district)) or "本区"
        return f"现有报告只涉及{places}，未找到所问地区的相关信息"
    if draft.reason == "year":
        return f"现有报告中未找到{years}的这项数据（相近内容属于其他年份，不能代替）"
    return f"现有报告中未找到{years}这方面的明确信息"


def _possibly_related_note() -> str:
    return "。标为“可能相关”的段落或许有关，仅供参考"  # layout-neutral: the passages are beside the chat on a desktop, below it on a phone


def _difference(q: Question, drafts: list[tuple[Question, Draft]], marks: list[int]) -> str:
    """The difference of two sides' figures in one unit: the later year's against the earlier's, or the
    question's own order when it says "A比B".

    Always for one indicator asked for two years (a comparison across years is
    what such a question is for); for other pairs of sides only when asked ("差多少").
    Figures in 万元 and 亿元 are compared through their base value and the difference is
    said in the larger unit; a difference of two rates is in percentage points; "几倍" adds the ratio.
    ``marks`` are the citation numbers of the two sides' figures, cited with the result.
    """
    if len(drafts) != 2 or len(marks) != 2:
        return ""
    (a_side, _), (b_side, _) = drafts
    across_years = bool(a_side.years and b_side.years and a_side.years != b_side.years and a_side.terms == b_side.terms)
    if not across_years and not q.difference:
        return ""
    values = []
    for side, draft in drafts:
        m = _NUM_UNIT.search(draft.claims[0].text) if draft.claims and not draft.abstained else None
        if not m:
            return ""
        value, unit = float(m.group(1).replace(",", "")), m.group(2)
        values.append((side, *base_value(value, unit), unit))
    # Said of the later year against the earlier ("2016年比2013年增加…"), or in the question's order
    # when it gives one ("2013年比2016年少多少" -> "2013年比2016年减少…").
    years_of = [max(v[0].years) if v[0].years else 0 for v in values]
    if all(years_of):
        subject = q.against[0] if set(q.against) == set(years_of) else max(years_of)
        if years_of[0] == subject:
            values.reverse()
            marks = marks[::-1]
    (early, a, base, ua), (late, b, other_base, ub) = values
    if base != other_base:
        return ""
    shown_unit = max((ua, ub), key=lambda u: base_value(1, u)[0])
    scale = base_value(1, shown_unit)[0]
    size = round(abs(b - a) / scale, 4)
    shown = str(int(size)) if size == int(size) else str(size)
    unit = "个百分点" if base == "%" else shown_unit  # a difference of two rates is in percentage points
    source = f"（由[{marks[0]}][{marks[1]}]计算）"
    ratio = f"，是前者的{b / a:.2f}倍" if a and q.ratio else ""
    if b == a:
        return f"两者相同{source}"
    verb = ("上升" if b > a else "下降") if base == "%" else ("增加" if b > a else "减少")
    first, second = _label(early), _label(late)
    if first and second and first != second:
        return f"{second}比{first}{verb}{shown}{unit}{ratio}{source}"
    return f"两者相差{shown}{unit}{ratio}{source}"


def series_json(series: Series) -> dict:
    """A series as programs read it (the README's JSON contract): one entry per point, with its citation's n."""
    points = []
    for p in series.points:
        s = p.statement
        points.append(
            {
                "year": p.year,
                "value": p.value,
                "kind": s.kind,
                "stated": {"value": s.value, "unit": s.unit, "growth": s.growth, "wording": s.wording},
                "citation": p.n,
                "source": s.doc_id,
            }
        )
    return {
        "indicator": series.indicator,
        "measure": series.measure,
        "unit": series.unit,
        "years": list(series.years),
        "gaps": list(series.gaps),
        "points": points,
    }


def figures_quoted(claim: Claim) -> bool:
    """Every figure a claim shows is printed in the passage it cites."""
    return all(m.group() in claim.passage.chunk.text for m in NUMBER_RE.finditer(claim.text))


def numbers_supported(answer: Answer) -> bool:
    """Every figure of every cited claim appears in the passage it cites; every marker has a citation."""
    by_n = {c.n: c for c in answer.citations}
    quoted = _CONVERTED.sub("", _COMPUTED.sub("", answer.answer))  # computed figures are no quotes; inputs are cited
    if {int(n) for n in _MARKER_RE.findall(answer.answer)} - set(by_n):
        return False
    for segment, n in re.findall(r"([^\[\]]*)\[(\d+)\]", quoted):
        citation = by_n[int(n)]
        claim = segment.split("：", 1)[-1]
        for m in NUMBER_RE.finditer(claim):
            if m.group() not in citation.text:
                return False
    return True
