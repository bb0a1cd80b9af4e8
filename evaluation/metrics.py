"""Pure scoring functions for the QA evaluation.

Everything here compares *text*, never file names or offsets: the test set quotes
the raw source files (PDF-extracted, with stray spaces and line breaks) while the
system returns cleaned passages, and the two may name the files differently.  So
every comparison goes through :func:`normalize`, and answers are compared through
:func:`canonical`, which also rewrites numbers so that ``1,089`` equals ``1089``.

Undefined metrics (an empty set to average over) are ``None`` rather than 0, so a
report never shows a perfect or a failing score for something it did not measure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Metric:
    """How a total metric is named in English reports and in the Chinese evaluation tab."""

    en: str
    zh: str
    explain: str = ""  # one line for the evaluation tab: what the number measures, in Chinese


# Total metrics in report order: the one table reports, the gate and the web tab read.
METRICS: dict[str, Metric] = {
    "accuracy": Metric("answer accuracy", "回答正确率", "答案与标准答案一致的题目所占比例"),
    "hit_at_1": Metric("retrieval hit@1", "检索命中率 @1", "排在第 1 位的段落含有标准依据的题目比例"),
    "hit_at_5": Metric("retrieval hit@5", "检索命中率 @5", "前 5 个段落中含有标准依据的题目比例"),
    "hit_at_10": Metric("retrieval hit@10", "检索命中率 @10", "前 10 个段落中含有标准依据的题目比例"),
    "evidence_p1": Metric(
        "evidence P@1", "首条引用命中率", "有答案的题目里，第一条引用的高亮句与标准依据重合的比例"
    ),
    "evidence_gap": Metric(
        "evidence P@1 - accuracy",
        "依据对而答案错",
        "首条引用命中率减去同一批题目的回答正确率：找对了句子却没答对的比例",
    ),
    "mrr": Metric("retrieval MRR", "检索 MRR", "第一个含依据段落名次的倒数的平均值，越接近 1 越靠前"),
    "component_coverage": Metric(
        "component coverage (list, cross_doc)",
        "要点覆盖率（列举、跨报告）",
        "列举题和跨报告题中，答出的要点占应答要点的比例",
    ),
    "char_f1": Metric("char F1", "字符 F1", "答案与标准答案逐字重合程度的 F1 值"),
    "citation_precision": Metric("citation precision", "引用精确率", "回答引用的段落中确属标准依据的比例"),
    "citation_recall": Metric("citation recall", "引用召回率", "标准依据中被回答引用到的比例"),
    "abstention_accuracy": Metric(
        "abstention accuracy (unanswerable)",
        "拒答正确率（无答案题）",
        "报告中没有答案的题目里，系统如实说明未找到的比例",
    ),
    "false_abstention_rate": Metric(
        "false-abstention rate (answerable)",
        "误拒答率（有答案题）",
        "报告中有答案的题目里，系统却说未找到的比例（越低越好）",
    ),
    "series_point_recall": Metric(
        "series point recall", "序列数据点召回率", "趋势题的标准数据点中，年份和数值都答对的比例"
    ),
    "series_point_precision": Metric(
        "series point precision", "序列数据点精确率", "趋势题回答给出的数据点中，确属标准数据点的比例"
    ),
    "latency_ms_median": Metric("latency median (ms)", "耗时中位数（毫秒）", "一半题目在此时间内答完"),
    "latency_ms_p95": Metric("latency p95 (ms)", "耗时 P95（毫秒）", "95% 的题目在此时间内答完"),
    "n_errors": Metric("errors (answer_fn raised)", "出错题数", "回答过程中程序出错的题目数"),
}

# Types whose gold answer is several facts; all of them must be in the answer.
COMPONENT_TYPES = frozenset({"list", "cross_doc"})

# Variants that NFKC leaves apart although sources use them interchangeably.
# NFKC already maps the full-width forms (，；：（）％ and full-width digits and
# Latin) to ASCII.  The enumeration comma 、 and the full stop 。 are kept: they
# have no ASCII twin in these texts (every corpus file writes 。), and 、 is a
# different mark from "," that the list splitter relies on.
_PUNCT_VARIANTS = str.maketrans(
    {
        **dict.fromkeys("“”„‟〝〞「」『』", '"'),
        **dict.fromkeys("‘’‚‛", "'"),
        **dict.fromkeys("—–―‐‑‒−─", "-"),
        **dict.fromkeys("・•‧", "·"),
        "〜": "~",
    }
)
_INVISIBLE = re.compile(r"[\s\u00ad\u200b-\u200f\u2060\ufeff]+")

# A number as written: 1089, 1,089 (thousands groups only), 8.8, 93.4 (of 93.4%).
_NUMBER = re.compile(r"(?<!\d)(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")
# A number and the first character of its unit: 960亿 is not 960万, but the
# wording around it (预计/达到/约) is free.
_NUMBER_ATOM = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?:[^\W\d_]|%)?")
# "2019年…" / "到2016年…": one side of a cross-document answer.
_YEAR_LEAD = re.compile(r"(?:截至|截止|到|至|在|于)?(?P<year>\d{4}年)")
_ASIDE = re.compile(r"\([^()]*\)")
_COMPONENT_SEPARATORS = re.compile(r"[、,;。和]")
_CLAUSE_SEPARATORS = re.compile(r"[、,;。:!?]")


def normalize(text: str) -> str:
    """Fold the differences between raw PDF text and cleaned passages.

    NFKC (full/half width), the quote/dash/dot variants above, all whitespace
    and zero-width characters removed (PDF extraction inserts spaces and line
    breaks inside Chinese words), and Latin lower-cased.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_PUNCT_VARIANTS)
    return _INVISIBLE.sub("", folded).lower()


def _canonical_number(token: str) -> str:
    """``1,089.50`` -> ``1089.5``: drop thousands separators and trailing zeros."""
    whole, _, fraction = token.replace(",", "").partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def canonical(text: str) -> str:
    """:func:`normalize`, then every number rewritten in one canonical spelling."""
    return _NUMBER.sub(lambda m: _canonical_number(m.group()), normalize(text))


def extract_numbers(text: str) -> list[float]:
    """The numbers of ``text`` as written, in order.

    "1,089" and "1089" are both 1089.0; "8.8万" is 8.8 and "93.4%" is 93.4: the
    unit (万, 亿, %) is not applied, it stays in the text and is compared there,
    because gold answers use the documents' own units.  Signs are not read
    ("-" is a range dash far more often than a minus in these reports).
    """
    return [float(_canonical_number(m.group())) for m in _NUMBER.finditer(normalize(text))]


def contains(text_c: str, needle_c: str) -> bool:
    """Whether canonical ``needle_c`` occurs in canonical ``text_c`` on number boundaries.

    A needle that starts or ends with a digit must not continue a longer number,
    so "2%" is not found in "12%" nor "960" in "1960.5".
    """
    pattern = re.escape(needle_c)
    if needle_c[:1].isdigit():
        pattern = r"(?<!\d)(?<!\d\.)" + pattern
    if needle_c[-1:].isdigit():
        pattern += r"(?!\.?\d)"
    return re.search(pattern, text_c) is not None


def _chain_covers(quote: str, texts: Sequence[str]) -> bool:
    """Whether normalised ``quote`` runs across passage boundaries (see :func:`quote_covered`)."""
    ends = [e for t in texts for e in range(1, len(quote)) if t.endswith(quote[:e])]
    tails = [s for t in texts for s in range(1, len(quote)) if t.startswith(quote[s:])]
    middles = [(m.start(), m.start() + len(t)) for t in texts for m in re.finditer(re.escape(t), quote)]
    reach = max(ends, default=0)
    grew = True
    while grew:  # whole passages inside a long quote extend the covered prefix
        grew = False
        for start, end in middles:
            if start <= reach < end:
                reach, grew = end, True
    return reach > 0 and any(s <= reach for s in tails)


def quote_covered(quote: str, passages_texts: Sequence[str]) -> bool:
    """Whether an evidence quote is present in the passages, after :func:`normalize`.

    Rule: the quote is inside one passage, or it straddles chunk boundaries the
    way contiguous chunking cuts text: a prefix of the quote is the *end* of one
    passage, the rest (overlap allowed) is the *start* of another, with possibly
    whole passages in between.  Requiring the pieces to sit at passage edges,
    not their length, is what keeps coincidental matches of common phrases out
    (of two edge pieces one is at least half the quote); the chunker may cut
    one character from the quote's end, so no minimum piece length is imposed.
    An empty quote proves nothing and is not covered.
    """
    q = normalize(quote)
    texts = [t for t in map(normalize, passages_texts) if t]
    if not q or not texts:
        return False
    return any(q in t for t in texts) or _chain_covers(q, texts)


def first_hit_rank(evidence_quotes: Sequence[str], passages_texts: Sequence[str]) -> int | None:
    """The 1-based rank at which the passages so far cover *all* evidence quotes.

    ``passages_texts`` are in rank order.  ``None`` when they never do, or when
    there is no evidence (nothing to retrieve: unanswerable items).
    """
    if not evidence_quotes:
        return None
    for k in range(1, len(passages_texts) + 1):
        if all(quote_covered(q, passages_texts[:k]) for q in evidence_quotes):
            return k
    return None


def hit_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Fraction of items whose evidence is all retrieved within the top ``k``."""
    if not ranks:
        return None
    return sum(r is not None and r <= k for r in ranks) / len(ranks)


def mrr(ranks: Sequence[int | None]) -> float | None:
    """Mean reciprocal rank of :func:`first_hit_rank` values (a miss counts 0)."""
    if not ranks:
        return None
    return sum(1 / r for r in ranks if r is not None) / len(ranks)


def split_components(gold: str) -> list[str]:
    """The facts of a list / cross-document gold answer, canonicalised.

    Split on 、 , ; 。 和 (full-width forms are folded by NFKC), so
    "2019年44微克/立方米，2020年40微克/立方米" gives its two year sides.  Numbers
    are canonicalised first so "1,089" is not split; bracketed asides such as
    "(约7000平方米)" are the annotator's gloss and are dropped.
    """
    text = _ASIDE.sub("", canonical(gold))
    return [part for part in _COMPONENT_SEPARATORS.split(text) if part]


def _in_one_clause(words_c: str, answer_c: str) -> bool:
    """Whether the characters of ``words_c`` appear in order within one clause of the answer."""
    for clause in _CLAUSE_SEPARATORS.split(answer_c):
        remaining = iter(clause)
        if all(char in remaining for char in words_c):
            return True
    return False


def component_found(component_c: str, answer_c: str) -> bool:
    """Whether one canonical gold component is stated in the canonical answer.

    Found if it is contained verbatim; or if it holds numbers and each of them,
    with the first character of its unit, is in the answer (so "实际新增8200平方米"
    is found in "全年新增城市绿地8200平方米"); or if it is a year side ("2016年…"):
    the year is mentioned and the rest of the side is found as above or, when
    it has no number, its characters occur in order within one clause of the
    answer — a side is the annotator's summary, and the answer may put words in
    between ("实现九连冠" in "实现全国双拥模范城九连冠", but not "实现八连冠").
    Other non-numeric components (list items: names) must be verbatim.
    """
    if contains(answer_c, component_c):
        return True
    lead = _YEAR_LEAD.match(component_c)
    if lead:
        rest = component_c[lead.end() :]
        if not contains(answer_c, lead.group("year")):
            return False
        return component_found(rest, answer_c) or (not _NUMBER_ATOM.findall(rest) and _in_one_clause(rest, answer_c))
    atoms = _NUMBER_ATOM.findall(component_c)
    return bool(atoms) and all(contains(answer_c, atom) for atom in atoms)


def component_coverage(answer: str, gold: str) -> float:
    """Fraction of the gold answer's components (:func:`split_components`) found in ``answer``."""
    parts = split_components(gold)
    if not parts:
        return 0.0
    answer_c = canonical(answer)
    return sum(component_found(p, answer_c) for p in parts) / len(parts)


def answer_correct(
    answer: str, gold: str, aliases: Sequence[str] = (), *, item_type: str = "fact", abstained: bool = False
) -> bool:
    """Whether the answer states the gold answer.

    Unanswerable items are correct iff the system abstained, and an abstention
    on an answerable item is wrong.  List and cross-document items need every
    component of the gold (or of one alias) — coverage 1.  Other items need the
    gold or an alias contained in the answer, canonically (numbers compared as
    numbers: "1089亿元" matches "1,089亿元" and "1089 亿元").
    """
    if item_type == "unanswerable":
        return abstained
    if abstained:
        return False
    golds = [g for g in (gold, *aliases) if canonical(g)]
    if item_type in COMPONENT_TYPES:
        return any(component_coverage(answer, g) == 1.0 for g in golds)
    answer_c = canonical(answer)
    if any(contains(answer_c, canonical(g)) for g in golds):
        return True
    return item_type == "status" and status_matches(answer, gold)


# A status gold is "verdict：key figure or reason".  Verdicts are compared by class, since the
# same outcome is worded many ways ("未完成", "没有按计划完成", "延期开展").
_NOT_DONE = re.compile(r"未|没有|尚未|无法|还没|延期|推迟|终止|取消")
_UNDER_WAY = re.compile(r"部分完成|基本完成|在建|进行中|正在|已启动|已开工|推进中")
_DONE = re.compile(r"完成|建成|投入使用|已实现|超额|通过验收")
_VERDICT_END = re.compile(r"[：:，,。；;]")


def verdict_class(verdict: str) -> str | None:
    """``"not_done"``, ``"under_way"``, ``"done"`` or ``None`` for a verdict phrase."""
    for name, pattern in (("not_done", _NOT_DONE), ("under_way", _UNDER_WAY), ("done", _DONE)):
        if pattern.search(verdict):
            return name
    return None


def status_matches(answer: str, gold: str) -> bool:
    """The answer opens with a verdict of the gold's class and states at least one part of the gold's key text."""
    cut = _VERDICT_END.search(gold)
    if not cut:
        return False
    gold_class = verdict_class(gold[: cut.start()])
    head = _VERDICT_END.split(answer.strip(), maxsplit=1)[0]
    if gold_class is None or verdict_class(head) != gold_class:
        return False
    answer_c = canonical(answer)
    return any(component_found(canonical(part), answer_c) for part in re.split(r"[，,；;]", gold[cut.end() :]) if part)


def _f1_chars(text: str) -> list[str]:
    return [c for c in normalize(text) if not unicodedata.category(c).startswith("P")]


def char_f1(answer: str, gold: str) -> float:
    """Character-level F1 as in SQuAD-style Chinese QA (CMRC): bag of characters.

    Computed on normalised text without punctuation; two empty strings score 1.
    """
    a, g = _f1_chars(answer), _f1_chars(gold)
    if not a or not g:
        return float(a == g)
    common = sum((Counter(a) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(g)
    return 2 * precision * recall / (precision + recall)


def citation_supports(citation_text: str, quote: str, min_overlap: int = 12) -> bool:
    """Whether a cited passage shows (part of) an evidence quote, after :func:`normalize`.

    The passage must contain the quote's first or last ``min_overlap``
    characters (the whole quote when it is shorter), or lie wholly inside the
    quote and be at least that long.  A part suffices because a chunk boundary can cut the quote, and such
    a cut leaves one of the quote's *ends* in each passage; a run shared in the
    middle of the quote is coincidence (",是2011年的1." opens two different
    sentences).  Twelve, not fewer: another year's sentence on the same
    indicator shares its stock opening ("一般公共预算收入完成" is ten), and
    citing it is exactly the error to catch.
    """
    q, t = normalize(quote), normalize(citation_text)
    if not q or not t:
        return False
    n = min(len(q), min_overlap)
    return q[:n] in t or q[-n:] in t or (len(t) >= n and t in q)


def span_matches_quote(span: str, quote: str) -> bool:
    """Whether a highlighted span and a gold quote show the same evidence.

    Whitespace removed, either contains the other, or one common run covers at least half
    of the shorter: a span cut at a clause boundary, or a quote running one clause past
    the sentence, still names the same sentence; a shared stock phrase does not.
    """
    a, b = _INVISIBLE.sub("", span), _INVISIBLE.sub("", quote)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size * 2 >= min(len(a), len(b))


def citation_precision(citation_texts: Sequence[str], evidence_quotes: Sequence[str]) -> float | None:
    """Fraction of citations that support at least one evidence quote.

    ``None`` without citations or without evidence (unanswerable items).
    """
    if not citation_texts or not evidence_quotes:
        return None
    supported = sum(any(citation_supports(c, q) for q in evidence_quotes) for c in citation_texts)
    return supported / len(citation_texts)


def citation_recall(citation_texts: Sequence[str], evidence_quotes: Sequence[str]) -> float | None:
    """Fraction of evidence quotes the citations show; ``None`` without evidence.

    A quote counts when one citation supports it (:func:`citation_supports`, the
    relation precision uses) or the citations together cover it
    (:func:`quote_covered`).  Annotators' quotes often run a few characters past
    the sentence into the next chunk; citing the sentence still shows the fact.
    """
    if not evidence_quotes:
        return None
    shown = sum(
        any(citation_supports(c, q) for c in citation_texts) or quote_covered(q, citation_texts)
        for q in evidence_quotes
    )
    return shown / len(evidence_quotes)


def abstention_rates(outcomes: Iterable[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """(abstention accuracy, false-abstention rate) from (answerable, abstained) pairs.

    Accuracy is over unanswerable items (they should abstain); the false rate is
    over answerable items (they should not).  ``None`` where there are none.
    """
    pairs = list(outcomes)
    on_unanswerable = [float(abstained) for answerable, abstained in pairs if not answerable]
    on_answerable = [float(abstained) for answerable, abstained in pairs if answerable]
    return mean_of(on_unanswerable), mean_of(on_answerable)


def mean_of(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; ``None`` if none is defined."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0–100), linear interpolation as numpy's default."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def series_matches(gold_points: Sequence[dict], series: Sequence[dict], growth: bool) -> tuple[int, int, int, int]:
    """(gold points found, answer points that are gold, gold points, answer points) of a trend question.

    A point is right when its year and its value are: a level compared in its unit's base (a figure
    written 50610595万元 is the 5061.06亿元 a table shows), a growth rate by its size (a gold
    "下降17%" may be written 17 or -17).  The answer's series of the asked measure is scored.
    """
    from index.indicators import base_value  # the one unit rule the index applies

    measure = "growth" if growth else "level"
    shown = next((s["points"] for s in series if s.get("measure") == measure), [])

    def value_of(p: dict) -> float | None:
        stated = p["stated"]
        if growth:
            return None if stated.get("growth") is None else abs(stated["growth"])
        return None if stated.get("value") is None else base_value(stated["value"], stated["unit"])[0]

    def gold_value(g: dict) -> float | None:
        if not isinstance(g.get("value"), int | float):
            return None  # "正增长": no figure to match
        return abs(g["value"]) if growth else base_value(float(g["value"]), g.get("unit") or "")[0]

    def same(a: float | None, b: float | None) -> bool:
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)

    answer = [(p["year"], value_of(p)) for p in shown]
    gold = [(g["year"], gold_value(g)) for g in gold_points]
    found = sum(any(y == gy and same(v, gv) for y, v in answer) for gy, gv in gold)
    right = sum(any(y == gy and same(v, gv) for gy, gv in gold) for y, v in answer)
    return found, right, len(gold), len(answer)
