"""How people name report concepts, and places that are not Xicheng.

A user says "GDP" where the report says 地区生产总值, "财政收入" where it says
一般公共预算收入.  The names come from the one vocabulary (:mod:`index.vocabulary`);
matching a question piece adds the report's terms to its content terms, only where the
name stands in it as a whole term (:func:`index.vocabulary.whole_term`).
"""

from __future__ import annotations

from index.vocabulary import ALIASES, ENGLISH_NAMES, VOCABULARY, occurrences, whole_term

# English question words, the grammar of what is asked (names of concepts are the vocabulary's).
_ENGLISH_QUESTION_WORDS: dict[str, str] = {
    "target": "目标",
    "planned": "计划",
    "plan": "计划",
    "leads": "牵头",
    "responsible": "负责",
    "how many": "多少",
    "how much": "多少",
    "which department": "哪个部门",
    "who is responsible": "谁负责",
    "who leads": "谁牵头",
    "completed": "完成了吗",
    "finished": "完成了吗",
    "finish": "完成了吗",
    "done": "完成了吗",
}
# The other districts (OTHER_PLACES) as English questions spell them, so "Dongcheng District" is 东城区.
_ENGLISH_PLACES: dict[str, str] = {
    "dongcheng": "东城", "chaoyang": "朝阳", "haidian": "海淀", "fengtai": "丰台",
    "shijingshan": "石景山", "mentougou": "门头沟", "fangshan": "房山", "tongzhou": "通州", "shunyi": "顺义",
    "changping": "昌平", "daxing": "大兴", "huairou": "怀柔", "pinggu": "平谷", "miyun": "密云", "yanqing": "延庆",
    "district": "区",
}  # fmt: skip
# Every English phrase and its Chinese words, the longer first so "who leads" is read before "leads".
ENGLISH_PHRASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [
            *((name, c.report_terms[0]) for name, c in ENGLISH_NAMES),
            *_ENGLISH_QUESTION_WORDS.items(),
            *_ENGLISH_PLACES.items(),
        ],
        key=lambda x: -len(x[0]),
    )
)
ENGLISH_STOPWORDS = frozenset(
    [
        "what",
        "was",
        "is",
        "are",
        "were",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "for",
        "to",
        "did",
        "does",
        "do",
        "xicheng",
        "district",
        "beijing",
        "please",
        "tell",
        "me",
        "about",
        "total",
        "number",
        "amount",
        "value",
        "year",
    ]
)

# Beijing's other districts (and the old ones merged into Xicheng are not "other").
OTHER_PLACES: tuple[str, ...] = (
    "东城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山", "通州", "顺义",
    "昌平", "大兴", "怀柔", "平谷", "密云", "延庆", "崇文", "天津", "河北", "上海",
)  # fmt: skip


# Colloquial names, and each report term of a renamed indicator (公共财政预算收入 before 2014, 一般公共预算收入
# after): a question in either wording finds the reports of both.
_NAMES = (
    *ALIASES,
    *((t.lower(), c) for c in VOCABULARY if c.indicator and len(c.report_terms) > 1 for t in c.report_terms),
)


def alternatives(piece: str) -> tuple[str, ...]:
    """A content piece and the report's own terms for any colloquial name inside it.

    The alternatives are ways to match the *same* piece: evidence needs to
    match one of them, not all.  A name is rewritten only where the part of
    the piece it replaces stands as a whole term (not "用水" inside 用水量, not
    "税收" after 北京市).  Expansion is idempotent: where the piece
    already holds part of the report's term around the colloquial phrase
    ("消费品零售总额" around "零售"), the term replaces that part too, instead
    of being wrapped in it ("消费品社会消费品零售总额总额").
    """
    low = piece.lower()
    out = [piece]
    for alias, concept in _NAMES:
        for term in concept.report_terms:
            if term.lower() in low:
                continue
            spans = (_span(piece, at, len(alias), term) for at in occurrences(low, alias))
            span = next((s for s in spans if whole_term(piece, *s)), None)
            if span is not None:
                out.append(piece[: span[0]] + term + piece[span[1] :])
    return tuple(dict.fromkeys(out))


def is_alias(phrase: str) -> bool:
    """Whether people write ``phrase`` in Chinese questions too ("GDP"): the reports may print it ("万元GDP水耗")."""
    return any(phrase.lower() == alias for alias, _ in ALIASES)


def _span(piece: str, at: int, length: int, term: str) -> tuple[int, int]:
    """The part of ``piece`` that ``term`` replaces: ``piece[at:at+length]`` and the neighbours the term already holds."""
    inner = term.lower().find(piece[at : at + length].lower())
    if inner < 0:
        return at, at + length
    before, after = term[:inner], term[inner + length :]
    # A neighbour the term holds at its own edge is absorbed: "社会消费品零售额" around "零售" ends in 额,
    # which 社会消费品零售总额 ends in too (not "社会消费品零售总额额").
    head = piece[:at]
    left = next((n for n in range(min(len(before), at), 0, -1) if _holds_at_edge(before, head[at - n :])), 0)
    tail = piece[at + length :]
    right = next((n for n in range(min(len(after), len(tail)), 0, -1) if _holds_at_edge(after, tail[:n])), 0)
    return at - left, at + length + right


def _holds_at_edge(part: str, words: str) -> bool:
    return part.startswith(words) or part.endswith(words)
