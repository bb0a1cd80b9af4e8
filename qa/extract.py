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

from index import DocMeta
from index.status import DONE, NEGATIVE, ONGOING, REVISED_TARGET, TERMINATED, status_verdict, with_revision
from index.vocabulary import occurrences

from .evidence import (
    is_plan_span,
    period_label,
    period_years,
    states_period_figure,
    year_contradicts,
    year_fits,
)
from .match import Idf
from .retrieve import Passage
from .text import (
    CLAUSE_MARKS,
    ENUMERATION_MARK,
    SEMICOLONS,
    Span,
    clauses,
    enumeration_items,
    has_figure,
    has_figure_of,
    introduces_list,
    is_enumeration,
    missing_codes,
    only_as_part,
    sentences,
    spans,
)
from .understand import Question
from .weights import DEFAULT, Weights

_STATUS_UNIT = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_HOME_WORDS = ("全区", "我区", "本区")  # how a report names its own district, besides its name
_CITY = "北京市"  # the level above the districts whose reports are shipped; a city figure is not a district's
_DEFINITION = re.compile(r"是指|指的是|即")
_PART_OPENER = ("其中", "内含")  # a clause giving a part of the one before it


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
    lead: str = ""  # said before the claims ("共4项：")
    # said after them ("（2017年报告，所述为2012–2016年）"); in a near-miss refusal, what the report gives
    note: str = ""

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


class Extractor:
    """Question + retrieved passages -> :class:`Draft` (claims with evidence offsets, or a reasoned abstention).

    ``min_support`` is the term coverage below which it abstains, ``max_chars``
    the longest answer window; ``weights`` holds every scoring weight.
    """

    def __init__(self, idf: Idf, min_support: float, max_chars: int, weights: Weights = DEFAULT):
        self.idf = idf
        self.min_support = min_support
        self.max_chars = max_chars
        self.w = weights

    def extract(self, q: Question, passages: list[Passage]) -> Draft:
        """The best-supported answer to a simple (not compound) question, or a reasoned abstention."""
        if not passages:
            return Draft((), 0.0, "no_passages")
        if q.kind in ("unit", "status"):
            draft = _from_table(q, passages, self)
            if draft is not None:
                return draft
        if q.revision:
            draft = _revision(q, passages, self)
            if draft is not None:
                return draft
        candidates = [c for c in _candidates(q, passages, self) if _period_allowed(q, c)]
        if not candidates:
            return Draft((), 0.0, "period")
        fitting = [c for c in candidates if _year_fits(q, c)]
        of_the_year = bool(fitting)
        if not fitting:  # no sentence of the asked year alone: one of a period holding it, labelled as such
            fitting = [c for c in candidates if _may_stand_for_the_year(q, c)]
        if q.kind == "number" and fitting:  # only a sentence with a figure (of the asked class) can answer
            near = max(fitting, key=lambda c: c.score)
            fitting = [
                c for c in fitting if has_figure_of(c.sentence.text, q.figure) and not _base_only(q, c.sentence.text)
            ]
            if not fitting:
                return Draft((), near.cover, "indicator", note=_near_miss(near.sentence.text))
        if not fitting:
            return Draft((), max(c.cover for c in candidates), "year")
        best, start, end, support = _best_answer(q, fitting, self)
        if support < self.min_support:  # what is close enough speaks of other years, or nothing is close
            return Draft((), support, "weak" if of_the_year else "year")
        if q.other_places and not in_place(q, best.passage):
            return Draft((), support, "place")
        if _names_city(q.text, best.passage.doc) and not _names_city(best.sentence.text, best.passage.doc):
            return Draft((), support, "place")  # the city is asked; the report's own sentences are the district's
        if missing_codes(q.text, best.passage.heading + best.passage.chunk.text):  # PM10 asked, PM2.5 printed
            return Draft((), support, "indicator", note=_near_miss(best.sentence.text))
        if _clipped(q, best, start, end):  # a window that drops what is asked is worse than the whole sentence
            start, end = best.sentence.start, best.sentence.end
        if q.kind == "list" and introduces_list(best.passage.chunk.text[start:end]):
            end = best.sentence.end  # "…主要预期目标是：" announces the items: they are the answer
        if q.kind == "number" and not has_figure_of(best.passage.chunk.text[start:end], q.figure):
            near = _near_miss(best.passage.chunk.text[start:end])  # a level where a rate is asked is no answer
            return Draft((), support, "indicator", note=near)
        text = best.passage.chunk.text[start:end].strip().rstrip("，,；;：:、")
        note = (
            ""
            if _year_fits(q, best)
            else period_label(best.passage.chunk.text, best.sentence, best.passage.chunk, best.passage.doc)
        )
        return Draft((Claim(text, best.passage, start, start + len(text)),), support, note=note)


def _best_answer(q: Question, fitting: list[_Candidate], x: Extractor) -> tuple[_Candidate, int, int, float]:
    """Among the best sentences, the one whose answer window itself is best supported.

    A sentence is scored on all its words; what is shown is a window of it, so
    the final choice re-scores each candidate with its window's own coverage
    (and, for a number question, whether the window holds a number at all).
    """
    best: tuple[float, _Candidate, int, int, float] | None = None
    for c in sorted(fitting, key=lambda c: -c.score)[: x.w.rescore_sentences]:
        start, end, support = _answer_window(q, c, x)
        window = c.passage.chunk.text[start:end]
        lost_figure = q.kind == "number" and not has_figure_of(window, q.figure)
        score = c.score - c.cover + support - (x.w.window_without_figure_penalty if lost_figure else 0.0)
        if _one_years_figure(q) and states_period_figure(window):  # "过去三年累计…" is no one year's figure
            score -= x.w.window_period_figure_penalty
        if best is None or score > best[0]:
            best = (score, c, start, end, support)
    assert best is not None  # fitting is never empty here
    return best[1:]


def _base_only(q: Question, text: str) -> bool:
    """Whether the asked indicator appears in ``text`` only as part of another measure (the base of a
    share, "人均…"; qa.text.only_as_part); a share question is answered by exactly a share's base."""
    if q.figure == "share":
        return False
    named = [alt for alts in q.terms for alt in alts if alt in text]
    return bool(named) and all(only_as_part(alt, text, q.text) for alt in named)


def _one_years_figure(q: Question) -> bool:
    """A number question for one year's figure: not a total over a span, not an annual average."""
    return q.kind == "number" and len(q.years) == 1 and not q.span_figure and q.figure != "average_rate"


def _year_fits(q: Question, c: _Candidate) -> bool:
    return year_fits(q.years, c.passage.chunk.text, c.sentence, c.passage.chunk, c.passage.doc)


def _may_stand_for_the_year(q: Question, c: _Candidate) -> bool:
    """A sentence of a wider period may answer for a year it holds, labelled as such, unless it
    states another year, or (for a figure) a target where none is asked, or a total or average
    over the period where one year's figure is asked (without these two limits, two unanswerable
    questions of the tune half were answered with a plan's average rate and a three-year total)."""
    if year_contradicts(q.years, c.passage.chunk.text, c.sentence, c.passage.chunk, c.passage.doc):
        return False
    if q.kind != "number":
        return True
    if c.plan and not q.wants_plan:
        return False
    return not states_period_figure(c.sentence.text) or q.span_figure or q.figure == "average_rate"


def _period_allowed(q: Question, c: _Candidate) -> bool:
    """A target is no answer where a result is asked, and a result none where a target is."""
    if q.wants_plan == q.wants_actual:
        return True
    return c.plan == q.wants_plan


def _candidates(q: Question, passages: list[Passage], x: Extractor) -> list[_Candidate]:
    out: list[_Candidate] = []
    for p in passages:
        for s in sentences(p.chunk.text):
            cover = x.idf.coverage(q.terms, p.heading + "\n" + s.text)
            plan = is_plan_span(p.chunk, p.doc, s)
            period = _period_bonus(q, plan, bool(p.chunk.fields), x.w)
            score = (
                cover
                + _kind_bonus(q, s.text, x.w)
                + period
                + _place_bonus(q, s.text, p.doc, x.w)
                + _span_bonus(q, p, s.text, x.w)
                + x.w.rank_prior / p.rank
            )
            out.append(_Candidate(p, s, cover, score, plan))
    return out


def _span_bonus(q: Question, p: Passage, text: str, w: Weights) -> float:
    """ "五年拆违一共拆了多少": a total over a span of that many years is the one of a review of that many
    years ("累计拆除…" in the review of 2012–2016), not one year's figure."""
    if q.duration is None or not states_period_figure(text):
        return 0.0
    return w.span_bonus if len(period_years(p.chunk, p.doc)) == q.duration else 0.0


def _place_bonus(q: Question, text: str, doc: DocMeta, w: Weights) -> float:
    """Questions are about the report's own district unless they say otherwise: prefer its own
    figures ("全区…", "西城…" in a 西城区 report) to the city's."""
    if _names_city(text, doc) and not _names_city(q.text, doc):
        return -w.elsewhere_penalty
    home = (*_HOME_WORDS, doc.place) if doc.place else _HOME_WORDS
    return w.home_bonus if any(h in text for h in home) else 0.0


def _names_city(text: str, doc: DocMeta) -> bool:
    """Whether a text speaks of the city as a whole ("北京市…"), not of the report's district ("北京市西城区")."""
    return any(not (doc.place and text.startswith(doc.place, at + len(_CITY))) for at in occurrences(text, _CITY))


def in_place(q: Question, p: Passage) -> bool:
    """Whether a passage may answer for the places a question names: its text names them, or its
    report is of that district (a 朝阳区 report answers about 朝阳 without repeating the name)."""
    return any(place in p.chunk.text or (p.doc.place and p.doc.place.startswith(place)) for place in q.other_places)


def _kind_bonus(q: Question, text: str, w: Weights) -> float:
    if q.kind == "list":
        if not is_enumeration(text):
            return -w.no_enumeration_penalty
        exact = q.count is not None and enumeration_items(text) == q.count
        head = w.list_noun_bonus if introduces(q.noun, text) else 0.0
        return w.enumeration_bonus + (w.list_count_bonus if exact else 0.0) + head
    if q.kind == "fact" and _DEFINITION.search(text):
        return w.definition_bonus + (w.list_noun_bonus if defines(q.noun, text) else 0.0)
    return 0.0


_NEAR_SHOWN = 40  # characters of a near-miss figure's clause named in a refusal: one line of the chat


def _near_miss(text: str) -> str:
    """The clause holding the first figure of a sentence that is close but of another measure, to name
    in the refusal what the reports do give."""
    for clause in clauses(text):
        if has_figure_of(clause.text, ""):
            shown = clause.text.strip("，,；;。 ")
            return shown if len(shown) <= _NEAR_SHOWN else shown[: _NEAR_SHOWN - 1] + "…"
    return ""


def _clipped(q: Question, c: _Candidate, start: int, end: int) -> bool:
    """Whether an answer window cuts a clause and drops, with the cut part, what the question asks:
    the asked class of figure, or items of the enumeration it cuts through.  Whole clauses around the
    window are not "dropped": they are other statements of the sentence."""
    text = c.passage.chunk.text
    if not (c.sentence.start <= start and end <= c.sentence.end):
        return False
    # the rest of the clauses the window starts and ends in ("" where it starts or ends at a clause mark)
    after = "" if text[end - 1 : end] in CLAUSE_MARKS else re.split(f"[{CLAUSE_MARKS}]", text[end : c.sentence.end])[0]
    before = (
        ""
        if start == c.sentence.start or text[start - 1] in CLAUSE_MARKS
        else re.split(f"[{CLAUSE_MARKS}]", text[c.sentence.start : start])[-1]
    )
    if not (after + before).strip():
        return False
    if q.kind == "number":
        return not has_figure_of(text[start:end], q.figure) and has_figure_of(before + after, q.figure)
    return q.kind == "list" and ENUMERATION_MARK in before + text[start:end] + after


def defines(noun: str, text: str) -> bool:
    """Whether the text defines ``noun``: it stands right before 是指/指的是/即 ("“两配套”是指…")."""
    pattern = rf"(?<!{ENUMERATION_MARK})[“\"「]?{re.escape(noun)}[”\"」]?(?:{_DEFINITION.pattern})"
    return bool(noun) and re.search(pattern, text) is not None  # not the last item of a list it ends


def introduces(noun: str, text: str) -> bool:
    """Whether the text lists the members of ``noun``: the noun stands before an enumeration as its
    subject ("三大系列活动分别是书香弥漫、…"), not as one of its items ("包括三大系列活动、六大品牌项目、…")."""
    at = text.rfind(noun) if noun else -1
    if at < 0:
        return False
    after = text[at + len(noun) :].lstrip('”"」')
    return (
        ENUMERATION_MARK in after
        and not after.startswith(ENUMERATION_MARK)
        and not text[:at].rstrip('“"「').endswith(ENUMERATION_MARK)
    )


def _period_bonus(q: Question, plan: bool, from_table: bool, w: Weights) -> float:
    """Plans for plan questions (the report itself before a table restating it), results otherwise."""
    if q.wants_plan:
        return (w.plan_bonus_table if from_table else w.plan_bonus_prose) if plan else 0.0
    if q.wants_actual:
        return 0.0 if plan else w.actual_bonus
    return -w.neutral_plan_penalty if plan else w.neutral_actual_bonus


def _answer_window(q: Question, best: _Candidate, x: Extractor) -> tuple[int, int, float]:
    """The shortest run of 1-3 clauses of the sentence that carries the answer, and its support.

    A definition or fact is the whole sentence.  A run never crosses a
    semicolon: in reports, semicolons separate different figures.  Support is
    the term coverage of the words actually given as the answer, so a figure
    about something else in the same sentence does not borrow its neighbours'
    words.
    """
    s, w, max_chars = best.sentence, x.w, x.max_chars
    heading = best.passage.heading
    if q.kind == "fact" and len(s.text) <= max_chars:
        return s.start, s.end, best.cover
    parts = clauses(s.text)
    options: list[tuple[float, int, int]] = []
    for i in range(len(parts)):
        for j in range(i, min(i + w.window_max_clauses, len(parts))):
            a, b = s.start + parts[i].start, s.start + parts[j].end
            if b - a > max_chars:
                break
            text = best.passage.chunk.text[a:b]
            score = (
                x.idf.coverage(q.terms, heading + "\n" + text)
                - w.window_clause_penalty * (j - i)
                - (w.window_part_penalty if parts[i].text.startswith(_PART_OPENER) else 0.0)
                + min(_place_bonus(q, text, best.passage.doc, w), 0.0)
            )
            if q.kind == "number":
                if has_figure_of(parts[j].text, q.figure):
                    score += w.window_figure_last_bonus
                elif not has_figure_of(text, q.figure):
                    score -= w.window_no_figure_penalty
            if q.kind == "list" and not is_enumeration(text):
                score -= w.window_no_enumeration_penalty
            elif q.kind == "list" and introduces(q.noun, text):
                score += w.list_noun_bonus
            options.append((score, a, b))
            if parts[j].text.endswith(SEMICOLONS):
                break
    if not options:
        return s.start, min(s.end, s.start + max_chars), best.cover
    _, a, b = max(options, key=lambda o: (o[0], -(o[2] - o[1])))
    return a, b, x.idf.coverage(q.terms, heading + "\n" + best.passage.chunk.text[a:b])


# ---------------------------------------------------------------- task table


def _from_table(q: Question, passages: list[Passage], x: Extractor) -> Draft | None:
    """Lead unit / status questions answered from a task row's fields, when a row matches."""
    rows = [p for p in passages if p.chunk.fields.get("task")]
    if q.row is not None:  # a follow-up about the row an earlier answer cited ("它完成了吗？")
        rows = [p for p in rows if p.row == q.row] or rows
    if not rows:
        return None
    w = x.w
    scored = [
        (
            max(
                x.idf.coverage(q.terms, p.chunk.fields["task"]),
                w.table_text_discount * x.idf.coverage(q.terms, p.chunk.text),
            )
            + w.table_rank_prior / p.rank,
            p,
        )
        for p in rows
    ]
    cover, best = max(scored, key=lambda s: s[0])
    if cover < x.min_support:
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
    return Draft((_status_claim(q, best, x),), cover)


def _revision(q: Question, passages: list[Passage], x: Extractor) -> Draft | None:
    """ "年初的预算数是多少", "调整后的目标是多少": the clause stating the revision ("由年初预算439.55亿元
    调整为413.8亿元左右") answers both, from the passage about the asked thing that states one."""
    found: list[tuple[float, Passage, int, int]] = []
    for p in passages:
        for m in REVISED_TARGET.finditer(p.chunk.text):
            if not has_figure_of(m.group(), q.figure):  # "原计划增长多少" asks a rate; a revised sum is none
                continue
            about = p.chunk.fields.get("task", "") + p.chunk.text[max(m.start() - 40, 0) : m.end()]
            cover = x.idf.coverage(q.terms, p.heading + "\n" + about)
            found.append((cover + x.w.rank_prior / p.rank, p, m.start(), m.end()))
    if not found:
        return None
    score, best, start, end = max(found, key=lambda f: f[0])
    if score < x.min_support or (q.years and not _year_allowed(q, best)):
        return None
    return Draft((Claim(best.chunk.text[start:end], best, start, end),), score)


def _year_allowed(q: Question, p: Passage) -> bool:
    return bool(set(q.years) & p.doc.years_spoken_of)


def _status_claim(q: Question, row: Passage, x: Extractor) -> Claim:
    """The status statements that answer the question (what it is about, and whether it failed), with a verdict."""
    text = row.chunk.text
    status = row.chunk.fields["status"]
    offset = max(text.find(status), 0)
    w = x.w
    ranked = []
    for s in spans(status, _STATUS_UNIT):
        if NEGATIVE.search(s.text):
            marker = w.status_failure_marker
        elif DONE.search(s.text) or ONGOING.search(s.text):
            marker = w.status_progress_marker
        else:
            marker = 0.0
        if has_figure(s.text):
            marker += w.status_figure_marker
        ranked.append((w.status_coverage_weight * x.idf.coverage(q.terms, s.text) + marker, s))
    ranked.sort(key=lambda r: -r[0])
    chosen = sorted((s for _, s in ranked[:2]), key=lambda s: s.start)
    if chosen[-1].end - chosen[0].start > w.status_max_chars:
        chosen = [ranked[0][1]]
    start, end = offset + chosen[0].start, offset + min(chosen[-1].end, chosen[0].start + x.max_chars)
    evidence = text[start:end]
    # The verdict is the one on the asked part when one statement names it ("已完成新增…床位500个"
    # beside "持续推进…" is 已完成 for the beds), else the one on all that is quoted; a failure
    # quoted is never hidden by it.
    names_it = x.idf.coverage(q.terms, ranked[0][1].text) >= x.min_support
    failed = NEGATIVE.search(evidence) or TERMINATED.search(evidence)
    about = ranked[0][1].text if names_it and not failed else evidence
    # a statement of method alone says nothing done or not: then the row's verdict, stored at index time
    verdict = status_verdict(about) or row.chunk.fields.get("verdict", "")
    if not REVISED_TARGET.search(evidence):  # a revision stated elsewhere in the row still qualifies the verdict
        verdict = with_revision(verdict, status)
    return Claim(f"{verdict}。{evidence}" if verdict else evidence, row, start, end)
