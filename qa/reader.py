"""The optional model reader: a language model writes the answer, and every claim is checked before it is shown.

The extractive answer (:meth:`qa.pipeline.Assistant.ask`) stays the default and the fallback.  When
``XQA_LLM_URL`` names an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp's server, a hosted API),
:class:`ModelReader` gives the model the question, the retrieved passages numbered ``[1]…[n]`` and
the extractive draft and typed facts as hints, then reads the reply claim by claim:

* a claim must cite a passage that was shown (a marker ``[n]`` with 1 ≤ n ≤ shown);
* every figure it states (number with unit, :data:`qa.text.NUMBER_RE`) occurs in a cited passage,
  or — when the claim is marked ``（由[i][j]计算）`` — is a difference, sum or ratio of two figures
  of its cited passages (compared through :func:`index.indicators.base_value`);
* a year it states is one its evidence is about (:mod:`qa.evidence`: the located sentence's years,
  else the section's);
* its evidence is located in each cited passage (the sentence sharing its figures and words), so a
  citation highlights exactly that sentence.

A claim that fails is dropped, never shown.  Nothing left, a "未找到", an unreachable endpoint, a
timeout, a rate limit, a server error or a malformed reply: the extractive answer is shown with a
one-line note.  The whole model call is bounded by ``llm_timeout`` seconds, retries included (none).
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import openai

from index import Index, Settings
from index.indicators import base_value

from .evidence import explicit_years, period_years, sentence_years
from .extract import Claim
from .match import Idf, grams
from .retrieve import Passage
from .text import NUMBER_RE, YEAR_RE, Span, clauses, sentences

if TYPE_CHECKING:
    from .pipeline import Answer

EXTRACT_READER = "摘录"
MODEL_READER = "模型撰写·已核对"

# The prompt asks for an answer a reader takes in at a glance: a few cited sentences or list items.
_BRIEF_CHARS = 200
# 200 Chinese characters with markers are ~300 tokens for Qwen/DeepSeek tokenizers; the rest is headroom.
_MAX_TOKENS = 512
# Below this IDF-weighted share of the claim's words, a cited sentence is about something else: a
# paraphrase keeps the report's key terms (指标, 项目, 单位), an unrelated sentence shares only function words.
_MIN_EVIDENCE_SHARE = 0.3
# A clause that adds under a tenth of the claim's words to the evidence is its neighbour's, not the claim's:
# the highlighted evidence is the shortest run of clauses saying as much of the claim as the whole sentence, less this.
_SHARE_SLACK = 0.1

_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_VARIANTS = ((re.compile(r"【(\d+)】|［(\d+)］"), lambda m: f"[{m.group(1) or m.group(2)}]"),)
_MARKER_LIST = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)+)\]")  # "[1,2]" -> "[1][2]"
_MARKERS_AFTER_END = re.compile(r"([。！？；;])((?:\s*\[\d+\])+)")  # "…亿元。[1]" -> "…亿元[1]。"
_CLAIM = re.compile(r"[^。！？；;\n]+[。！？；;]?\n?")  # a list item keeps its line break
_END = "。！？；;\n"
_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d+\])*\s*")
_COMPUTED = re.compile(r"（由(?:\[\d+\])+计算）")  # the extractive reader's mark of a computed figure (qa.pipeline)
_NOT_FOUND = re.compile(r"未找到|没有找到|未提及|没有提及|未涉及|没有涉及|未说明|没有说明")
_LEAD_IN = re.compile(r"[：:]\s*$")
_FIGURE = re.compile(r"(\d+(?:[.,]\d+)*)\s*(.*)")


class ReaderFailure(Exception):
    """The model gave no usable reply; the message is the one-line reason shown to the user."""


@dataclass(frozen=True)
class Verdict:
    """What the checks decided about one claim of the model's reply, and why."""

    claim: str  # as the model wrote it
    verdict: str  # kept | computed | connective | no_marker | unshown | figure | year | no_evidence
    detail: str = ""

    @property
    def kept(self) -> bool:
        return self.verdict in ("kept", "computed", "connective")


@dataclass
class Reading:
    """The model's answer after the checks: kept text, its evidence, every claim's verdict, or a failure."""

    text: str = ""  # the kept claims; marker [n] cites ``evidence[n - 1]``
    evidence: list[Claim] = field(default_factory=list)  # one located span per citation
    verdicts: list[Verdict] = field(default_factory=list)
    failure: str = ""  # one line: why the extractive answer is shown instead ("" = the model's is)
    not_found: bool = False  # the model said the passages do not answer (未找到): no failure, its abstention

    @property
    def used(self) -> bool:
        return not self.failure and bool(self.evidence)

    @property
    def kept(self) -> int:
        return sum(v.verdict in ("kept", "computed") for v in self.verdicts)

    @property
    def dropped(self) -> int:
        return sum(not v.kept for v in self.verdicts)

    @property
    def note(self) -> str:
        """The one line shown under the answer: claims dropped, or why the extractive answer is shown."""
        if self.failure:
            return f"{self.failure}，以下为摘录答案"
        if not self.evidence:
            return f"模型的回答未能与原文核对（{self.dropped}处），以下为摘录答案"
        return f"已删去{self.dropped}处未能与原文核对的内容" if self.dropped else ""

    def counts(self) -> dict[str, int]:
        """Claims kept and dropped; a fallback is the extractive answer shown for a failure or no claim left."""
        return {
            "kept": self.kept,
            "dropped": self.dropped,
            "fallback": int(not self.used and not self.not_found),
            "not_found": int(self.not_found),
        }


class ModelReader:
    """An OpenAI-compatible chat model as a reader; :meth:`read` returns its checked answer.

    ``timeout`` bounds the whole call: the reply is read on a worker thread and abandoned when the
    deadline passes, so a server trickling tokens cannot hold the user longer than ``timeout``.
    """

    def __init__(self, url: str, model: str, key: str = "", timeout: float = 20.0):
        self.model = model
        self.timeout = timeout
        # max_retries=0: a retry after a timeout or a 429 would spend the user's wait twice; the
        # extractive answer is the retry.  A key is optional for local servers; the client requires one.
        self.client = openai.OpenAI(base_url=url, api_key=key or "none", timeout=timeout, max_retries=0)

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelReader | None:
        """The configured model, or None when ``llm_url`` is unset (the default: extractive answers only)."""
        if not settings.llm_url:
            return None
        return cls(settings.llm_url, settings.llm_model, settings.llm_key, settings.llm_timeout)

    def read(self, answer: Answer, index: Index, idf: Idf, on_text: Callable[[str], None] | None = None) -> Reading:
        """The model's checked answer to ``answer.question`` over ``answer.passages``.

        ``on_text`` receives the checked text so far each time a claim is kept (tokens are read
        as a stream then; without it one non-streamed reply is read).  Never raises for the model's
        sake: a failure is :attr:`Reading.failure`.
        """
        shown = answer.passages
        checker = Checker(shown, idf)
        try:
            for text in self._reply(prompt(answer, index), stream=on_text is not None):
                if checker.feed(text) and on_text is not None:
                    on_text(checker.reading.text)
        except ReaderFailure as exc:
            return Reading(verdicts=checker.reading.verdicts, failure=str(exc))
        shown_so_far = checker.reading.text
        reading = checker.finish()
        if on_text is not None and reading.used and reading.text != shown_so_far:  # the last claim, checked
            on_text(reading.text)
        return reading

    def _reply(self, messages: list[dict[str, str]], stream: bool) -> Iterator[str]:
        """The reply as it grows (whole text so far), within the deadline; :class:`ReaderFailure` otherwise."""
        pieces: queue.Queue[tuple[str, str]] = queue.Queue()
        stop = threading.Event()
        threading.Thread(target=self._pump, args=(messages, stream, pieces, stop), daemon=True).start()
        deadline = time.monotonic() + self.timeout
        text = ""
        try:
            while True:
                try:
                    kind, value = pieces.get(timeout=max(deadline - time.monotonic(), 0.0))
                except queue.Empty:
                    raise ReaderFailure(f"模型超过{self.timeout:g}秒未答完") from None
                if kind == "end":
                    return
                if kind == "error":
                    raise ReaderFailure(value)
                text += value
                yield text
        finally:
            stop.set()

    def _pump(self, messages: list[dict[str, str]], stream: bool, out: queue.Queue, stop: threading.Event) -> None:
        """Worker thread: the client's reply into ``out`` as ("text", piece) … ("end", ""), or ("error", reason)."""
        try:
            reply = self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=0,  # the same passages give the same answer: reproducible evaluations
                max_tokens=_MAX_TOKENS,
                stream=stream,
            )
            if not stream:
                content = reply.choices[0].message.content  # type: ignore[union-attr]
                if not isinstance(content, str):
                    raise ValueError("no message content")
                out.put(("text", content))
            else:
                with reply:  # type: ignore[union-attr]
                    for chunk in reply:  # type: ignore[union-attr]
                        if stop.is_set():  # the reader gave up (deadline): close the connection
                            return
                        for choice in chunk.choices:
                            if choice.delta.content:
                                out.put(("text", choice.delta.content))
            out.put(("end", ""))
        except Exception as exc:  # whatever the endpoint sends becomes a one-line notice, never a traceback
            out.put(("error", failure_reason(exc)))


def failure_reason(exc: Exception) -> str:
    """The one line a user reads when the model could not answer."""
    if isinstance(exc, openai.APITimeoutError):
        return "模型响应超时"
    if isinstance(exc, openai.APIConnectionError):
        return "无法连接模型服务"
    if isinstance(exc, openai.RateLimitError):
        return "模型服务繁忙（429）"
    if isinstance(exc, openai.APIStatusError):
        return f"模型服务出错（{exc.status_code}）"
    return "模型的回复无法读取"


# ---------------------------------------------------------------- prompt


def prompt(answer: Answer, index: Index) -> list[dict[str, str]]:
    """The chat messages: the rules, then the numbered passages, the hints and the question.

    Passages are ``answer.passages`` in rank order, numbered from 1, each with its report, year
    and section.  The extractive draft (its markers renumbered to the passages) and the typed facts
    of the passages (indicator statements, task-table fields) are hints, said to yield to the text.
    The question is the one understood in its conversation (a follow-up resolved, as in the chat).
    """
    shown = answer.passages
    system = (
        "你是北京市西城区政府工作报告的问答助手，只根据用户给出的编号段落回答。\n"
        f"1. 用中文简要回答，不超过{_BRIEF_CHARS}字。\n"
        "2. 每句话末尾用[n]标明依据的段落编号，只能引用给出的段落。\n"
        "3. 数字连同单位照段落原文写；如需计算差额、合计或倍数，写出结果并在其后注明（由[i][j]计算）。\n"
        "4. 句中写的年份必须是所引段落说的年份。\n"
        "5. 段落中没有答案时，只回答“未找到”。"
    )
    lines = ["段落："]
    for n, p in enumerate(shown, 1):
        section = " > ".join(p.chunk.section)
        lines.append(f"[{n}]《{p.doc.title}》（{p.doc.years_label}年）{section}\n{p.chunk.text.strip()}")
    hints = _hints(answer, index)
    if hints:
        lines.append("参考（自动摘录，可能不全或有误，以段落原文为准）：")
        lines += hints
    asked = (
        answer.question if answer.rewritten == answer.question else f"{answer.question}（理解为：{answer.rewritten}）"
    )
    lines.append(f"问题：{asked}")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


def _hints(answer: Answer, index: Index) -> list[str]:
    """The extractive draft with its markers turned into passage numbers, and each passage's typed facts."""
    number = {(p.doc.doc_id, p.chunk.text): n for n, p in enumerate(answer.passages, 1)}
    by_citation = {c.n: number.get((c.doc_id, c.text)) for c in answer.citations}

    def renumbered(m: re.Match[str]) -> str:
        n = by_citation.get(int(m.group(1)))
        return f"[{n}]" if n else ""

    hints = [f"摘录答案：{_MARKER.sub(renumbered, answer.answer)}"]
    for n, p in enumerate(answer.passages, 1):
        for st in index.statements:
            if st.doc_id == p.doc.doc_id and p.chunk.start <= st.start < p.chunk.end:
                when = f"{st.year}年" if st.year else "–".join(f"{y}年" for y in st.years[:1] + st.years[-1:])
                figure = f"{st.value:g}{st.unit}" if st.value is not None else ""
                growth = f"增长{st.growth:g}%" if st.growth is not None else ""
                hints.append(f"[{n}] 指标：{st.wording} {when} {st.kind} {'，'.join(x for x in (figure, growth) if x)}")
        if p.chunk.fields:
            hints.append(f"[{n}] 任务表：" + "；".join(f"{k}：{v}" for k, v in p.chunk.fields.items() if v))
    return hints


# ---------------------------------------------------------------- checks


def _normalised(text: str) -> str:
    """Markers in one form, each before the punctuation that ends its claim."""
    for pattern, repl in _MARKER_VARIANTS:
        text = pattern.sub(repl, text)
    text = _MARKER_LIST.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,，、]\s*", m.group(1))), text)
    return _MARKERS_AFTER_END.sub(lambda m: m.group(2).strip() + m.group(1), text)


def _complete(text: str) -> str:
    """The part of a growing reply whose claims are finished: up to the last end followed by more than markers."""
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _END:
            marks = _TRAILING_MARKERS.match(text, i + 1)
            assert marks is not None  # the pattern matches the empty string
            if marks.end() < len(text) and text[marks.end()] != "[":  # a next claim has begun, not a marker
                return text[: marks.end()]
    return ""


def claims_of(text: str, final: bool = True) -> list[str]:
    """A reply split into claims: sentences, semicolon parts and lines, each with its markers.

    A sentence without a marker followed on its line by one with markers is part of that claim:
    models often mark a run of sentences once, at its end ("未按计划完成。因受疫情影响……[1]").  Unless
    ``final``, an unmarked run at the end is left for more text to come.
    """
    claims, run = [], ""
    for m in _CLAIM.finditer(_normalised(text)):
        if not m.group().strip():
            continue
        run += m.group()
        if _MARKER.search(m.group()) or m.group().endswith("\n"):
            claims.append(run.lstrip())
            run = ""
    if final and run.strip():
        claims.append(run.lstrip())
    return claims


def figures(text: str) -> list[str]:
    """The figures a text states (:data:`qa.text.NUMBER_RE`), without years ("2019年") or ordinals ("第一")."""
    return [
        m.group()
        for m in NUMBER_RE.finditer(text)
        if not YEAR_RE.fullmatch(m.group()) and not m.group().startswith("第")
    ]


def _value(figure: str) -> tuple[float, str, float] | None:
    """A digit figure as (value in its base unit, base unit, half a unit of its last written digit, in base)."""
    m = _FIGURE.fullmatch(figure.replace("％", "%").replace(" ", ""))
    if m is None:
        return None
    digits = m.group(1).replace(",", "")
    value, unit = float(digits), m.group(2)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    base, base_unit = base_value(value, unit)
    scale = base / value if value else base_value(1.0, unit)[0]
    return base, base_unit, 0.5 * 10**-decimals * scale


def _occurs(figure: str, text: str) -> bool:
    """The figure is stated in ``text``: the same amount in the same unit, whatever its scale (万元 / 亿元)."""
    mine = _value(figure)
    if mine is None:  # a count in Chinese numerals ("三大"): as written
        return figure in text
    return any(
        (theirs := _value(f)) is not None and theirs[1] == mine[1] and abs(theirs[0] - mine[0]) <= 1e-9 * abs(mine[0])
        for f in figures(text)
    )


def _computed(figure: str, sources: list[str]) -> bool:
    """The figure is a difference, sum or ratio of two figures of the cited passages, as rounded when written.

    Two inputs only: the computations a short answer states ("比上年增加", "合计", "是…的几倍") take two figures.
    A difference of two percentages is in 个百分点; a ratio is in 倍 or %.
    """
    mine = _value(figure)
    if mine is None:
        return False
    value, unit, rounding = mine
    inputs = [v for text in sources for f in figures(text) if (v := _value(f)) is not None]
    for i, (a, ua, _) in enumerate(inputs):
        for b, ub, _ in inputs[i + 1 :]:
            if ua != ub:
                continue
            results: list[tuple[float, str]] = [(abs(a - b), "个百分点" if ua == "%" else ua), (a + b, ua)]
            if a and b:
                results += [(r, "倍") for r in (a / b, b / a)] + [(r * 100, "%") for r in (a / b, b / a)]
            if any(u == unit and abs(r - value) <= rounding + 1e-9 * abs(value) for r, u in results):
                return True
    return False


class Checker:
    """Reads a reply as it grows and checks each finished claim once (see the module docstring)."""

    def __init__(self, shown: list[Passage], idf: Idf):
        self.shown = shown
        self.idf = idf
        self.reading = Reading()
        self._done = 0  # claims of the reply already checked
        self._cited: dict[tuple[int, int, int], int] = {}  # (row, start, end) -> citation number
        self._reply = ""
        self._pending = ""  # connective text ("主要有：") waiting for a kept claim to follow

    def feed(self, reply: str) -> bool:
        """Check the claims finished in ``reply`` (the whole reply so far); whether any was kept."""
        self._reply = reply
        return self._check(claims_of(_complete(reply), final=False))

    def finish(self) -> Reading:
        """Check the last claim, and say when the model found nothing (未找到) or wrote nothing."""
        claims = claims_of(self._reply)
        if not claims:
            self.reading.failure = "模型没有给出回答"
        elif not _MARKER.search(self._reply) and _NOT_FOUND.search(self._reply) and not figures(self._reply):
            self.reading.failure = "模型在检索到的段落中未找到答案"
            self.reading.not_found = True
        else:
            self._check(claims)
            if self.reading.evidence:  # a closing "2020年的数字未找到" after kept claims
                self.reading.text += self._pending
        return self.reading

    def _check(self, claims: list[str]) -> bool:
        kept = False
        for claim in claims[self._done :]:
            verdict, text = self._verdict(claim)
            self.reading.verdicts.append(verdict)
            if verdict.verdict == "connective":  # shown only between or after kept claims, never alone
                self._pending += text
            elif verdict.kept:
                self.reading.text += self._pending + text
                self._pending, kept = "", True
        self._done = max(self._done, len(claims))
        return kept

    def _verdict(self, claim: str) -> tuple[Verdict, str]:
        """One claim's verdict, and its text with markers renumbered to the answer's citations."""
        marks = [int(n) for n in _MARKER.findall(claim)]
        bare = _MARKER.sub("", _COMPUTED.sub("", claim))
        stated = figures(bare)
        if not marks:
            if not stated and (_NOT_FOUND.search(bare) or (_LEAD_IN.search(bare) and not explicit_years(bare))):
                return Verdict(claim, "connective"), claim  # "主要有：" or "2020年的数字未找到" claims nothing
            return Verdict(claim, "no_marker"), ""
        unshown = sorted({n for n in marks if not 1 <= n <= len(self.shown)})
        if unshown:
            return Verdict(claim, "unshown", f"段落{unshown}未提供"), ""
        computed = bool(_COMPUTED.search(claim))
        located = {n: self._evidence(bare, self.shown[n - 1], computed) for n in dict.fromkeys(marks)}
        support = {n: span for n, span in located.items() if span is not None}
        if not support:
            return Verdict(claim, "no_evidence", "所引段落中找不到这句话的依据"), ""
        texts = [self.shown[n - 1].chunk.text for n in support]
        for figure in stated:
            if not any(_occurs(figure, t) for t in texts) and not (computed and _computed(figure, texts)):
                return Verdict(claim, "figure", f"{figure}不见于所引段落"), ""
        about: set[int] = set()
        for n, span in support.items():
            p = self.shown[n - 1]
            about |= sentence_years(p.chunk.text, span) or period_years(p.chunk, p.doc)
        wrong = sorted(explicit_years(bare) - about)
        if wrong:
            return Verdict(claim, "year", f"{wrong}年不是所引段落说的年份"), ""
        numbers = {n: self._cite(self.shown[n - 1], span) for n, span in support.items()}
        text = _MARKER.sub(lambda m: f"[{numbers[int(m.group(1))]}]" if int(m.group(1)) in numbers else "", claim)
        verdict = "computed" if computed and any(not any(_occurs(f, t) for t in texts) for f in stated) else "kept"
        return Verdict(claim, verdict), text

    def _evidence(self, claim: str, passage: Passage, computed: bool) -> Span | None:
        """The claim's evidence in ``passage``: each of its sentences located, the span from the first to the last.

        A run of sentences marked once ("部分完成。一是……。二是……[1]") highlights the passage's run it restates.
        """
        found = [
            span
            for part in sentences(claim)
            if (span := self._locate(part.text, figures(part.text), passage, computed)) is not None
        ]
        if not found:
            return None
        start, end = min(s.start for s in found), max(s.end for s in found)
        return Span(start, end, passage.chunk.text[start:end])

    def _locate(self, claim: str, stated: list[str], passage: Passage, computed: bool) -> Span | None:
        """The sentence of ``passage`` that is the claim's evidence: most of its figures, then most of its words.

        A computed claim's figures are not in its passages, its inputs are: for it, a figure of the
        sentence in the unit of one of the claim's counts.  None when no sentence holds one of its
        figures or :data:`_MIN_EVIDENCE_SHARE` of its words.
        """
        words = grams(claim)
        mass = self.idf.mass(words) or 1.0
        units = {v[1] for f in stated if (v := _value(f)) is not None}
        units |= {"%"} if "个百分点" in units else set()  # a difference of rates is computed from rates

        def hits(text: str) -> int:
            if computed:
                return sum(v[1] in units for f in figures(text) if (v := _value(f)) is not None)
            return sum(_occurs(f, text) for f in stated)

        best: tuple[int, float, Span] | None = None
        for s in sentences(passage.chunk.text):
            held = hits(s.text)
            share = self.idf.mass(words & grams(s.text)) / mass
            if (held or share >= _MIN_EVIDENCE_SHARE) and (best is None or (held, share) > best[:2]):
                best = (held, share, s)
        if best is None:
            return None
        held, share, s = best
        runs = []  # the sentence's runs of clauses that say as much of the claim as the whole sentence
        parts = clauses(s.text)
        for i in range(len(parts)):
            for j in range(i, len(parts)):
                run = s.text[parts[i].start : parts[j].end]
                if hits(run) == held:
                    run_share = self.idf.mass(words & grams(run)) / mass
                    if run_share >= share - _SHARE_SLACK:
                        runs.append((len(run), s.start + parts[i].start, run))
        _, start, run = min(runs, default=(0, s.start, s.text))
        text = run.strip().rstrip("，,；;：:、")
        start += len(run) - len(run.lstrip())
        return Span(start, start + len(text), text)

    def _cite(self, passage: Passage, span: Span) -> int:
        """The citation number of this evidence: one per located span, shared by claims citing the same."""
        key = (passage.row, span.start, span.end)
        if key not in self._cited:
            self.reading.evidence.append(Claim(span.text, passage, span.start, span.end))
            self._cited[key] = len(self.reading.evidence)
        return self._cited[key]


def streamed(run: Callable[[Callable[[str], None]], Answer]) -> Iterator[str | Answer]:
    """A call that reports text through a callback, as a generator: the text so far, …, then its Answer.

    The chat's handler is a generator; ``run`` (e.g. ``lambda on_text: bot.ask_model(q, on_text=on_text)``)
    runs on a worker thread and its reports are yielded as they come.
    """
    updates: queue.Queue[tuple[str, object]] = queue.Queue()

    def work() -> None:
        try:
            updates.put(("answer", run(lambda text: updates.put(("text", text)))))
        except BaseException as exc:  # re-raised in the caller's thread
            updates.put(("raised", exc))

    threading.Thread(target=work, daemon=True).start()
    while True:
        kind, value = updates.get()
        if kind == "text":
            yield value  # type: ignore[misc]
        elif kind == "answer":
            yield value  # type: ignore[misc]
            return
        else:
            raise value  # type: ignore[misc]
