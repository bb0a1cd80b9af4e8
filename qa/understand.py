"""Question understanding: years, kind of question, content terms, sub-questions.

Everything here is general Chinese question grammar plus a small domain
lexicon (how people name report concepts: "GDP" for 地区生产总值); nothing is
keyed to particular questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from index.table import LEAD_UNIT_WORDS

from .lexicon import ENGLISH_PHRASES, ENGLISH_STOPWORDS, OTHER_PLACES, alternatives, is_alias
from .normalize import normalise_question
from .spelling import Speller
from .text import AVERAGE_WORDS, MEASURE_ASKED, small_number
from .text import YEAR_RE as _YEAR_RE

# Five-year plans: the Nth plan covers 1981+5(N-6) .. +4 (十一五 = 2006-2010).
_PLAN_RE = re.compile(r"[“\"]?十([一二三四五])五[”\"]?(收官|开局|末|最后一年|第一年|期间|时期)?")
_RANGE_RE = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:到|至|—|-|－|~|～|–)+\s*((?:19|20)\d{2})\s*年?")
# "2017年政府工作报告里…": a year that names a document, not what is asked about.
_DOC_REF_RE = re.compile(r"((?:19|20)\d{2})\s*年?(?:的)?(?:西城区?)?(?:政府)?(?:工作)?报告")
# "2006年比2003年增加了多少", "总收入比2011年增长了多少": the year after 比/较 is the reference
# a figure is compared with, not a year asked about.
_COMPARED_TO_RE = re.compile(r"(?:比|较|相比|比起)\s*(?:19|20)\d{2}\s*年")
# A year typed without 年 in a search-box query ("2019 西城区 三级税收"): four digits 19xx/20xx
# that are not followed by another digit, a decimal point, a unit or a measure word.
_BARE_YEAR_RE = re.compile(
    r"(?<![\d.])((?:19|20)\d{2})(?![\d.%％年月日号万亿千百元个座处家条所项次户人名件套辆张部场块公里米吨倍岁天])"
)
# Durations ("三年里", "一年") and years relative to another ("上一年") are times, not topics.
_TIME_WORDS = re.compile(
    r"[一二两三四五六七八九十几]+年(?:里|来|间|中|内)?|上一年|上年|前一年|本年|现在|目前|如今|眼下|至今|"
    r"这[一二三四五六七八九十几]年|过去[一二三四五六七八九十几]年|[一二三四五六七八九十几]年来|近[一二三四五六七八九十几]年|未来[一二三四五六七八九十几]年|今后[一二三四五六七八九十几]年"
)
# "13年", "20年跟19年比": two digits before 年 name a year of this century, unless they measure
# a length of time ("近10年", "连续10年", "第10年", "10年来", "10年间", "10年以上", "10年代").
_SHORT_YEAR_RE = re.compile(
    r"(?<![\d.A-Za-z])(?<!近)(?<!过去)(?<!未来)(?<!今后)(?<!连续)(?<!第)(?<!用)(?<!这)([0-2]\d)\s*年(?!代|来|间|内|以|多|左右|时间)"
)
_FOLLOW_UP_RE = re.compile(r"^(那|那么|那在|还有|再问|那要是)?.{0,12}(呢|怎么样|如何)[？?]?$")
# Words that point back instead of naming.  A thing: "它", "这项任务", "该项目", a bare "这项";
# a report: "那份报告"; a time: "那年", "同期".  A question holding one takes that slot from the
# conversation; without one, it names its own subject or lacks none.
THING_DEIXIS = re.compile(
    r"它们?|(?:这|那|该|此)一?(?:项|个|件|条)?(?:任务|工作|项目|工程|指标|事情|事)|(?:这|那|该|此)(?:项|个|件|条)(?!报告|文件|年|份)"
)
REPORT_DEIXIS = re.compile(r"(?:这|那|该|此)一?(?:份|个|篇)?(?:报告|文件)")
TIME_DEIXIS = re.compile(r"那一?年|当年|同年|这一年|那时|同期|同一年")

KINDS = ("unit", "status", "list", "number", "fact")
_KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "unit",
        re.compile(
            r"哪个(部门|单位|机构)|哪些(部门|单位)|谁[在来]?(牵头|负责|主管|管)|归谁|由谁|" + LEAD_UNIT_WORDS.pattern
        ),
    ),
    (
        "status",
        re.compile(
            r"了[吗没]|了没有|过没有|完成没|干完|做完|进展|完成情况|进度|怎么样了|如何了|结果如何|结果怎样|到位了|落地了|"
            r"(?:啥|什么)情况|情况(?:如何|怎样|怎么样)|"
            # a yes-no question on whether something was done ("搞定没有？", "落实没？")
            r"没有?[？?]*$"
        ),
    ),
    ("list", re.compile(r"哪[些几两三四五六七八九十]|都有(什么|啥)|包括(什么|哪)|有什么(内容|措施)|分别是什么|由哪")),
    (
        "number",
        re.compile(
            r"多少|几(?!乎)[个座处家条所项次年位倍人户万亿件名天连块张辆部台场]|几连冠|排第几|第几|比例|占比|百分之|多大|多高|多长|多远|多少钱|增长了?多|下降了?多|率是"
        ),
    ),
]
# What kind of figure answers: a rate of change, a share, a sum of money.
_FIGURE_ASKED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("share", re.compile(r"比重|占比|比例|份额|占.{0,10}(?:多少|百分之|几成)")),
    (
        "rate",
        re.compile(
            r"增速|增幅|增长率|降幅|涨幅|下降率|降低率|百分之几|几个百分点|多少个?百分点|年均(?:增长|递增)|增长目标|"
            r"(?:增长|下降|提高|降低|减少)了?(?:多少|几)(?![亿万元个座处家条所项人户件名张辆])"
        ),
    ),
    ("money", re.compile(r"多少钱|金额|花了多少|投入了?多少(?:资金|钱)|多少元")),
)


_COUNT_ASKED = re.compile(
    r"哪([一二两三四五六七八九十\d])[个项类大条种家所座]|([一二两三四五六七八九十\d])(?:大|个|项|类|条|种)[^，,。？?]{0,12}(?:是哪|有哪|分别|包括|是什么)"
)


def items_asked(text: str) -> int | None:
    """The number of items a list question names ("哪四个", "三大系列活动是哪些")."""
    m = _COUNT_ASKED.search(text)
    return small_number(m.group(1) or m.group(2)) if m else None


# The noun a list question asks the members of: what stands right before "是哪些" / "分别是" ("“四街区”是哪四个").
_LIST_NOUN = re.compile(r"([\u4e00-\u9fff\d]{2,10})[”\"」]?\s*(?:是哪|有哪|都有哪|分别是|包括哪|包括什么|是什么)")


# The noun a definition question asks about: what stands right before "指什么" ("“两配套”指什么").
_DEFINED_NOUN = re.compile(
    r"([\u4e00-\u9fff\d]{2,10}?)[”\"」]?\s*(?:是指|指的是|指)(?:什么|啥|哪些)|([\u4e00-\u9fff\d]{2,10}?)[”\"」]?是什么意思"
)


def defined_noun(text: str) -> str:
    """The noun a definition question asks about ("两配套" in "…中的“两配套”指什么"), or ""."""
    m = _DEFINED_NOUN.search(text)
    return re.sub(r"^[里中]", "", (m.group(1) or m.group(2)).split("的")[-1]) if m else ""


def list_noun(text: str) -> str:
    """The noun whose members a list question asks for ("三大系列活动", "四街区"), or ""."""
    m = _LIST_NOUN.search(text)
    return re.sub(r"^.*?[的里中]", "", m.group(1)) if m else ""


def figure_asked(text: str) -> str:
    """The class of figure a number question asks for ("" when any figure may answer): a rate, a
    share, a sum of money, or a count in a measure ("measure:人" for 多少人, qa.text.MEASURES)."""
    figure = next((name for name, pattern in _FIGURE_ASKED if pattern.search(text)), "")
    if figure == "rate" and AVERAGE_WORDS.search(text):
        return "average_rate"
    if not figure and (m := MEASURE_ASKED.search(text)):
        return f"measure:{m.group(1)}"
    return figure


_PLAN_INTENT = re.compile(r"计划|目标|预期目标|打算|安排|要求|准备|拟|力争|将要|原定|年初的?(?:定|设定|预算)")
# A figure asked of a target's revision: what it was at first, or what it became ("年初的预算数", "调整后的目标").
_REVISION_ASKED = re.compile(r"调整|年初|原定|原计划|原来的?目标")
_ACTUAL_INTENT = re.compile(r"实际|完成了|实现了|最终|全年实际|做到了")
_QUESTION_WORDS = re.compile(
    r"请问|哪一?天|何时|几月几[日号]|[多少高低]了多少|(?:是|有)?(?:多少|几)(?!乎)(?:人次|个|座|处|家|条|所|项|次|位|倍|人|户|件|名|张|部)?|"
    r"是什么|什么|叫什么|是啥|啥|哪些|哪个|哪几|哪两|哪三|哪[一二三四五六七八九十]|哪|"
    r"吗|呢|了|的|是|有|[啊呀吧嘛哇](?=[\s？?！!。，,]|$)|谁|为什么|怎么样|怎样|如何|一共|总共|共计|具体|都|分别|各|指|意思|情况|这件事|这个|那个|这块|这事|这项|这方面|"
    r"西城区|西城|我区|全区|区里|当年|那年|那一年|这一年|去年|今年|年度|全年"
)
# Words that tell the kind or intent of a question but are not its topic.
_INTENT_WORDS = re.compile(
    LEAD_UNIT_WORDS.pattern + r"|牵头|负责|主管|部门|单位|进展|进度|完成|干完|做完|建成|建好|落实|搞定|弄完|"
    r"原计划|原定|原来|年初|计划|目标|打算|实际|最终|最后|后来|什么时候|时候|已经|以后|之后|名字|由|搞|拿了|获得了|成了"
)
_TRAILING_COMPARE = re.compile(r"(?:相比|对比|比较|比)$")  # "A和B的失业率比，…": the verb "compare"
_CONJUNCTION = re.compile(r"\s+|以及|和|与|及|或")
_ASKS = re.compile(r"多少|几(?!乎)[\u4e00-\u9fff]|什么|啥|哪|吗|如何|怎么样|是否")
_PUNCT = re.compile(r"[\s，。！？、；：,!?;:“”\"'‘’（）()《》<>【】\[\]—…\-]+|(?<!\d)\.|\.(?!\d)")


@dataclass(frozen=True)
class Question:
    """What the rest of the pipeline needs to know about one (sub-)question."""

    text: str
    years: tuple[int, ...] = ()
    kind: str = "fact"
    wants_plan: bool = False
    wants_actual: bool = False
    terms: tuple[tuple[str, ...], ...] = ()  # content phrases, each with its alternative wordings
    figure: str = ""  # the class of figure asked for: "rate", "share", "money" or "" (any)
    count: int | None = None  # how many items a list question expects ("三大…是哪些", "哪四个")
    noun: str = ""  # the noun whose members a list question asks for ("三大系列活动"), or that a fact defines
    other_places: tuple[str, ...] = ()
    doc_years: tuple[int, ...] = ()  # "2017年报告": the documents delivered in these years
    row: int | None = None  # the task row a follow-up refers to ("它完成了吗？"), from the conversation
    # What is asked, read once here so later stages never read the text again:
    trend: str = ""  # a series over years: "level", "growth" (rates) or "" (not a trend question)
    targets: bool = False  # a trend of targets ("历年的增长目标")
    since: int | None = None  # "2004年以来": a trend from this year to the last reported
    difference: bool = False  # how two sides differ ("差多少", "升了还是降了")
    ratio: bool = False  # "几倍", "翻了": the later side over the earlier
    against: tuple[int, ...] = ()  # "2013年比2016年…": (2013, 2016), the order a difference is said in
    span_figure: bool = False  # a total for a span ("累计", "一共"), not one year's figure
    revision: bool = False  # the original or the revised target ("年初预算", "调整后"): a revision clause answers
    duration: int | None = None  # "五年拆违一共拆了多少": the length of the span asked about, in years
    report_field: str = ""  # asks about a report itself: "speaker", "session" or "date"
    parts: tuple[Question, ...] = field(default=())  # sub-questions of a comparison

    @property
    def is_compound(self) -> bool:
        return len(self.parts) > 1


def parse_doc_years(text: str) -> tuple[int, ...]:
    return tuple(sorted({int(y) for y in _DOC_REF_RE.findall(text)}))


def parse_years(text: str) -> tuple[int, ...]:
    text = _COMPARED_TO_RE.sub(" ", _DOC_REF_RE.sub(" ", with_year_marks(text)))
    years: set[int] = set()
    for m in _PLAN_RE.finditer(text):
        first = 1981 + 5 * (small_number(m.group(1)) + 10 - 6)  # type: ignore[operator]  # 一..五 always read
        span = range(first, first + 5)
        if m.group(2) in ("收官", "末", "最后一年"):
            years.add(span[-1])
        elif m.group(2) in ("开局", "第一年"):
            years.add(span[0])
        else:
            years.update(span)
    rest = _PLAN_RE.sub(" ", text)
    for m in _RANGE_RE.finditer(rest):
        lo, hi = sorted((int(m.group(1)), int(m.group(2))))
        if hi - lo <= 20:
            years.update(range(lo, hi + 1))
    rest = _RANGE_RE.sub(" ", rest)
    years.update(int(y) for y in _YEAR_RE.findall(rest))
    return tuple(sorted(years))


def classify(text: str) -> str:
    """The kind of answer asked for.

    A search-box query ("2013年 西城区 居民人均可支配收入") has no question word at
    all: it asks what the named indicator was, i.e. for a figure.
    """
    for kind, pattern in _KIND_RULES:
        if pattern.search(text):
            return kind
    if not _ASKS.search(text) and not re.search(r"[？?]|什么|是否|怎样|为何|为什么|谁|何时|哪", text):
        return "number"
    return "fact"


# What is not a question's topic, masked in this order: longer time expressions before the
# years inside them, document references before the years they contain, intent words
# ("牵头单位") before the question words inside them ("单位" is not, "哪个" is).
# Words that open a turn of a conversation ("那三级税收呢？"), not part of its topic.
_DISCOURSE = re.compile(r"^(?:那么|那|还有|另外|再问一下|再问)")
_NOT_TOPIC: tuple[re.Pattern[str], ...] = (
    REPORT_DEIXIS,
    THING_DEIXIS,
    TIME_DEIXIS,
    _DISCOURSE,
    _DOC_REF_RE,
    _COMPARED_TO_RE,
    _TIME_WORDS,
    _PLAN_RE,
    _RANGE_RE,
    _YEAR_RE,
    _INTENT_WORDS,
    _QUESTION_WORDS,
)


def content_terms(text: str) -> tuple[tuple[str, ...], ...]:
    """Content phrases: the question minus years, question and intent words, punctuation."""
    t = text
    for pattern in _NOT_TOPIC:
        t = pattern.sub(" ", t)
    pieces = [_TRAILING_COMPARE.sub("", p) for p in _PUNCT.split(t) for p in _CONJUNCTION.split(p) if p]
    pieces = [p for p in dict.fromkeys(pieces) if len(p) >= 2 or re.match(r"[A-Za-z0-9]", p)]
    return tuple(alternatives(p) for p in pieces)


def from_english(text: str) -> str:
    """An English question rewritten as one clean Chinese question of the reports' terms.

    Only for a question in English (more Latin letters than Chinese characters, and no
    Chinese phrase of four or more characters):
    in a Chinese question a Latin name the reports also print ("万元GDP水耗") or
    pasted code stays, and the lexicon adds the Chinese term.  The rewrite is years,
    then the topic terms, then what is asked ("是多少", "哪个部门牵头", "完成了吗");
    English words with no Chinese term and short Chinese names ("西城") are kept
    in their order, so nothing the user typed is silently lost.
    """
    if not re.search(r"[A-Za-z]{3,}", text):
        return text
    latin, cjk = len(re.findall(r"[A-Za-z]", text)), len(re.findall(r"[\u3400-\u9fff]", text))
    if latin < cjk or re.search(r"[\u3400-\u9fff]{4,}", text):
        return _english_phrases_in_place(text)
    found: list[tuple[int, str]] = []
    rest = re.sub(r"(?i)(?<=[a-z])'s\b|\b[a-z]\b", " ", text)  # possessives and one-letter words carry no topic
    for phrase, zh in ENGLISH_PHRASES:
        for m in re.finditer(rf"(?i)(?<![a-z]){re.escape(phrase)}(?![a-z])", rest):
            found.append((m.start(), zh))
        rest = re.sub(rf"(?i)(?<![a-z]){re.escape(phrase)}(?![a-z])", lambda m: " " * len(m.group()), rest)
    for m in re.finditer(r"(?i)(?<![a-z])[a-z]+(?![a-z])|[\u3400-\u9fff]+", rest):
        if m.group().lower() not in ENGLISH_STOPWORDS:
            found.append((m.start(), m.group()))
    years = "".join(f"{y}年" for y in _YEAR_RE.findall(with_year_marks(rest)))
    words = [w for _, w in sorted(found)]
    asks = [w for w in words if _ASKS.search(w) or w.endswith(("牵头", "负责"))]
    topic = "".join(w if re.match(r"[\u4e00-\u9fff]", w) else f" {w} " for w in words if w not in asks).strip()
    ask = "".join(asks) or "是多少"
    return re.sub(r"\s+", " ", f"{years}{topic}{ask}？")


def _english_phrases_in_place(text: str) -> str:
    """A Chinese question with English phrases in it ("2019年 retail sales 多少亿元"): the phrases
    become the reports' terms where they stand; names the lexicon already pairs with a report
    term ("GDP") stay, because the reports print them too ("万元GDP水耗")."""
    for phrase, zh in ENGLISH_PHRASES:
        if not is_alias(phrase):
            text = re.sub(rf"(?i)(?<![a-z]){re.escape(phrase)}(?![a-z])", zh, text)
    return text


def with_year_marks(text: str) -> str:
    """Every year in one form, so every later stage reads "2019年": bare years get their 年
    ("2019 三级税收" -> "2019年 三级税收"), two-digit years their century ("13年" -> "2013年")."""
    return _SHORT_YEAR_RE.sub(r"20\1年", _BARE_YEAR_RE.sub(r"\1年", text))


def analyse(text: str, context: Question | None = None) -> Question:
    """One question, possibly compound; ``context`` is the previous question in a conversation."""
    text = with_year_marks(from_english(normalise_question(text)))
    parts = split_parts(text)
    if len(parts) > 1:
        subs: list[Question] = []
        for p in parts:
            sub = _analyse_one(p, subs[-1] if subs else context)
            if subs:  # a later side shares the first side's topic ("…计划新增多少？实际新增了多少？")
                sub = replace(
                    sub, terms=tuple(dict.fromkeys(sub.terms + subs[0].terms)), years=sub.years or subs[0].years
                )
            subs.append(sub)
        head = subs[0]
        if asks_difference(text):  # "…是升了还是降了": each side is a figure
            subs = [replace(sub, kind="number") if sub.kind == "fact" else sub for sub in subs]
        whole = replace(
            head,
            text=text,
            years=tuple(sorted({y for s in subs for y in s.years})),
            kind="compare",
            terms=tuple(dict.fromkeys(t for s in subs for t in s.terms)),
            other_places=tuple(dict.fromkeys(p for s in subs for p in s.other_places)),
            parts=tuple(subs),
        )
        return typed(whole)
    return typed(_analyse_one(text, context))


def corrected(q: Question, speller: Speller) -> Question:
    """Content pieces the reports never print but one slip away from a term they do, read as that term.

    The correction is written into the question's text, so the rewrite shown to the
    user ("理解为：…") says what was understood.
    """
    text, terms, changed = q.text, [], False
    for alts in q.terms:
        fix = speller.correct(alts[0])
        if fix is None:
            terms.append(alts)
            continue
        text, changed = text.replace(alts[0], fix), True
        terms.append(tuple(dict.fromkeys((*alternatives(fix), *alts))))
    if not changed:
        return q
    parts = tuple(corrected(p, speller) for p in q.parts)
    return typed(replace(q, text=text, terms=tuple(terms), parts=parts))


def missing_slots(text: str) -> frozenset[str]:
    """What a question leaves to its conversation; empty when it stands on its own.

    The rule: a question that names its own subject (content words, or a report it names) and
    points back with no deictic word takes nothing from earlier turns.  Otherwise it lacks

    - ``subject``: it names nothing ("那2013年呢？", "牵头单位是谁？"), only an aspect of a subject
      ("增速呢？"), or points at a thing ("它完成了吗？", "这项任务…");
    - ``ask``: it names a new subject but not what is asked ("那三级税收呢？");
    - ``year``: it points at a time ("那年", "同期") and names no year;
    - ``report``: it points at a report ("那份报告是谁作的？").
    """
    return _missing(with_year_marks(from_english(normalise_question(text))))


def _missing(text: str) -> frozenset[str]:
    terms = content_terms(text)
    slots: set[str] = set()
    named = [alts for alts in terms if not _is_aspect(alts[0])]
    if _points_back(THING_DEIXIS, text) or not (named or parse_doc_years(text)):
        slots.add("subject")
    elif _FOLLOW_UP_RE.match(text):
        slots.add("ask")
    if _points_back(TIME_DEIXIS, text) and not parse_years(text):
        slots.add("year")
    if _points_back(REPORT_DEIXIS, text) and not parse_doc_years(text):
        slots.add("report")
    return frozenset(slots)


def _points_back(deixis: re.Pattern[str], text: str) -> bool:
    """Whether a deictic word points at an earlier turn: it does unless the question itself names,
    before it, what it stands for ("“金科新区”建设这项任务…", "APEC峰会那年…", "…网点，这事归谁管？")."""
    return any(not content_terms(text[: m.start()]) for m in deixis.finditer(text))


def _is_aspect(term: str) -> bool:
    """A word naming a measure of some subject, not a subject ("增速", "比重", "年均增长")."""
    return any(pattern.fullmatch(term) for _, pattern in _FIGURE_ASKED)


def _analyse_one(text: str, context: Question | None) -> Question:
    """One simple question; ``context`` (the earlier turn that has what it lacks) fills its missing slots only."""
    missing = _missing(text) if context is not None else frozenset()
    years = parse_years(text)
    terms = content_terms(text)
    kind = own_kind = classify(text)
    wants_plan, wants_actual = bool(_PLAN_INTENT.search(text)), bool(_ACTUAL_INTENT.search(text))
    revision = kind == "number" and _REVISION_ASKED.search(text) is not None
    doc_years = parse_doc_years(text)
    row = None
    if context is not None and "ask" in missing and not context.is_compound:
        # "那三级税收呢？": a new topic in the previous question's frame; its years stay.
        text = _retopic(context, years, text)
        terms = content_terms(text)
        years = years or context.years
        kind = context.kind if kind == "fact" else kind
    elif context is not None and missing & {"subject", "ask"}:
        # "那2013年呢？", "它的牵头单位是谁？": the subject comes from the earlier turn.
        text = _resubject(context, years, text)
        terms = tuple(dict.fromkeys(content_terms(text) + context.terms))
        years = years or context.years
        kind = context.kind if kind == "fact" else kind
        row = context.row
        doc_years = doc_years or context.doc_years
    if context is not None and "year" in missing and not years:
        years = context.years
    if context is not None and "report" in missing and not doc_years:
        doc_years = context.doc_years
    if row is not None:  # a task row asked neither who leads it nor what it planned is asked how it went
        kind = own_kind if own_kind in ("unit", "list") or wants_plan else "status"
    if doc_years and not years:  # "2014年的报告里说上一年…": years relative to the named report
        years = _relative_years(text, doc_years)
    return Question(
        text=text,
        years=years,
        kind=kind,
        wants_plan=wants_plan,
        revision=revision,
        wants_actual=wants_actual,
        terms=terms,
        figure=figure_asked(text) if kind == "number" else "",
        count=items_asked(text) if kind == "list" else None,
        noun=list_noun(text) if kind == "list" else defined_noun(text) if kind == "fact" else "",
        other_places=tuple(p for p in OTHER_PLACES if p in text),
        doc_years=doc_years,
        row=row,
    )


def subject_name(q: Question) -> str:
    """What a question is about, in its own words: its content pieces in order ("新增义务教育学位");
    a task row's task when it refers to one."""
    return q.text if q.row is not None else "".join(alts[0] for alts in q.terms)


def _resubject(context: Question, years: tuple[int, ...], follow_up: str) -> str:
    """The follow-up about the earlier turn's subject.

    A deictic word is replaced by the subject's name ("它的增速" -> "三级税收的增速"); an aspect
    alone measures the same subject ("增速呢？" -> "…三级税收增速是多少？"); years alone ask the
    earlier question again for them ("那2013年呢？"); a follow-up with its own ask is put to the
    subject ("搞定没有？" -> "2020年新增养老床位搞定没有？").  The earlier years stay unless new ones are given.
    """
    follow_up = _DISCOURSE.sub("", follow_up)
    if context.doc_years and not context.terms and not parse_doc_years(follow_up):  # "哪天作的？" after a report
        return "、".join(f"{y}年" for y in context.doc_years) + "报告" + REPORT_DEIXIS.sub("", follow_up)
    name = subject_name(context)
    if not name:
        return _rewrite(context.text, years, follow_up)
    deixis = THING_DEIXIS.search(follow_up)
    if deixis:
        text = follow_up[: deixis.start()] + name + follow_up[deixis.end() :]
    elif _FOLLOW_UP_RE.match(follow_up):
        aspect = _FOLLOW_UP_FRAME.sub("", follow_up).strip()
        for pattern in (_RANGE_RE, _YEAR_RE):
            aspect = pattern.sub("", aspect)
        head = context.terms[0][0] if context.terms else ""
        if aspect and head in context.text and context.row is None:  # "增速呢？": the aspect of the same subject
            asked = context.text.replace(head, head + aspect, 1)
            return _rewrite(asked, years, follow_up) if years else asked
        return _rewrite(context.text, years, follow_up)
    else:
        text = name + follow_up
    return text if years or parse_years(text) or not context.years else _year_label(context.years) + text


def _year_label(years: tuple[int, ...]) -> str:
    return f"{years[0]}年" if len(years) == 1 else f"{years[0]}到{years[-1]}年"


def _rewrite(previous: str, years: tuple[int, ...], follow_up: str) -> str:
    """The previous question asked again for the follow-up's years (or with the follow-up appended)."""
    if not years:
        return f"{previous.rstrip('？?')}，{follow_up}"
    label = _year_label(years)
    stripped, n = _YEAR_RE.subn("", _RANGE_RE.sub("", _PLAN_RE.sub("", previous)))
    if n == 0 and stripped == previous:
        return f"{label}{previous}"
    first = _YEAR_RE.search(_RANGE_RE.sub(lambda m: m.group(1) + "年", _PLAN_RE.sub("2000年", previous)))
    at = first.start() if first else 0
    return stripped[:at] + label + stripped[at:]


# Words asking how a figure changed: a sentence of only these asks about the previous sentence's topic.
_CHANGE_WORDS = re.compile(r"增加|增长|减少|下降|提高|降低|上升|变化|相差|差距|差|升|降|多|少|高|低")
# A comparison question that asks how its sides differ (amount, direction, or which is larger).
_DIFFERENCE_ASKED = re.compile(
    r"差多少|相差|差距|差了|多了多少|少了多少|增加了多少|增长了多少|减少了多少|下降了多少|提高了多少|变化|"
    r"增加还是减少|升了还是降了|上升还是下降|提高还是降低|哪个(?:更)?[高多大低少]|哪年(?:更)?[高多大低少]|[高低多少]了?多少"
)


_ASKS_SERIES = re.compile(
    r"历年|这几年|近几年|这些年|逐年|每年|每一年|各年|历次|变化|趋势|走势|变动|(?:19|20)\d{2}\s*年?\s*(?:以来|至今)|"
    r"从\s*(?:19|20)\d{2}\s*年?\s*(?:到|至)\s*(?:19|20)\d{2}"
)
# A rate, not a level: "增速", "每年增长多少", "增长目标"; "涨到多少" asks the level reached.
_ASKS_GROWTH = re.compile(r"增速|增长率|增幅|涨幅|降幅|(?:增长|下降|提高)(?![到至])")
_ASKS_TARGET = re.compile(r"目标|计划|预期|规划")
_SINCE = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:以来|至今)")
_ASKS_RATIO = re.compile(r"几倍|多少倍|翻了")
_DURATION = re.compile(r"(?<![\d年])([一二两三四五六七八九十]|\d)\s*年(?:来|间|里|中|内|期间)?(?![\d月])")
_A_AGAINST_B = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:比|较|相比|对比)\s*((?:19|20)\d{2})\s*年")
# Questions about a report itself, and which of its facts: who delivered it, at which session, when.
_ABOUT_REPORT = re.compile(r"报告|讲话")
_REPORT_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("speaker", re.compile(r"谁|哪位|什么人|报告人|作报告的|做报告的|宣读")),
    ("session", re.compile(r"哪次会议|什么会议|哪个会议|哪届|第几届|第几次会议|哪一次会议|会议上")),
    ("date", re.compile(r"什么时候|何时|哪天|哪一天|几月几日|日期|哪年哪月")),
)


def asks_series(text: str) -> bool:
    """A question for figures over years ("历年", "这几年", "变化", "从X年到Y年", "X年以来", "每年").

    Not a period total, and not a comparison of two years ("2013年和2019年比变化多少"): those
    are answered as one figure, or as two sides with their difference.
    """
    if not _ASKS_SERIES.search(text) or _ASKS_SPAN_FIGURE.search(text) or asks_change_between_ends(text):
        return False
    named = set(re.findall(r"(?:19|20)\d{2}", text))
    spans = re.search(r"到|至|以来|[—\-－~～–]", text)
    return not (len(named) == 2 and not spans and asks_difference(text))


def typed(q: Question) -> Question:
    """The question's asked-for facts, read from its text once (and from each side's text for a compound)."""
    text = q.text
    trend = ("growth" if _ASKS_GROWTH.search(text) else "level") if asks_series(text) else ""
    since = _SINCE.search(text)
    about = next((name for name, p in _REPORT_FIELDS if p.search(text)), "") if _ABOUT_REPORT.search(text) else ""
    return replace(
        q,
        trend=trend,
        targets=bool(_ASKS_TARGET.search(text)),
        since=int(since.group(1)) if since else None,
        difference=asks_difference(text),
        ratio=bool(_ASKS_RATIO.search(text)),
        against=tuple(int(y) for y in m.groups()) if (m := _A_AGAINST_B.search(text)) else (),
        span_figure=bool(_ASKS_SPAN_FIGURE.search(text)),
        duration=small_number(m.group(1)) if (m := _DURATION.search(text)) else None,
        report_field=about if q.kind not in ("number", "list", "status") else "",
        parts=tuple(typed(p) for p in q.parts),
    )


def asks_difference(text: str) -> bool:
    """Whether a comparison question asks how its sides differ ("差多少", "是升了还是降了", "哪个更高")."""
    return _DIFFERENCE_ASKED.search(text) is not None


# A total over the span ("2004到2006年累计完成…多少"): one figure, not two ends or a series.
_ASKS_SPAN_FIGURE = re.compile(r"累计|一共|总共|合计|共计|总计|这[两三四五六七八九十]年")


def asks_change_between_ends(text: str) -> bool:
    """ "从2013年到2019年涨了多少", "2005到2019年翻了几倍": the change from a range's first year to its last.

    A range with a difference asked, other than "变化" alone (the range's 变化 is its
    series), and not a figure for the span as a whole.
    """
    return bool(
        _RANGE_RE.search(text)
        and (asks_difference(text.replace("变化", "")) or _ASKS_RATIO.search(text))
        and not _ASKS_SPAN_FIGURE.search(text)
    )


# Verbs that end a content piece ("停车位新增"): the predicate a follow-up keeps when it changes the topic.
_PREDICATE_TAIL = re.compile(
    r"(?:新增|新建|完成|实现|达到|建成|改造|增长|增加|下降|减少|提高|降低|拆除|整治|开展|推进|举办)+$"
)
_ASK_TAIL = re.compile(r"(?:是|有|为|了|的)*(?:多少|几|什么|哪|吗|如何|怎么样|是否).*$")
_FOLLOW_UP_FRAME = re.compile(r"^(?:那么|那在|那要是|那|还有|再问)|(?:呢|怎么样|如何)?[？?]*$")


def _retopic(context: Question, years: tuple[int, ...], follow_up: str) -> str:
    """One clean question: the previous one with its topic (its first content piece) replaced, and its year if a new one is given."""
    topic = _FOLLOW_UP_FRAME.sub("", follow_up).strip()
    for pattern in (_RANGE_RE, _YEAR_RE):
        topic = pattern.sub("", topic)
    head = _PREDICATE_TAIL.sub("", context.terms[0][0]) if context.terms else ""
    if head and head in context.text:
        text = context.text.replace(head, topic, 1)
    else:
        ask = _ASK_TAIL.search(context.text)
        text = f"{topic}{ask.group() if ask else '？'}"
    return _rewrite(text, years, follow_up) if years else text


_LAST_YEAR = re.compile(r"上一年|上年|去年|前一年|头一年")
_SAME_YEAR = re.compile(r"今年|当年|本年|这一年")


def _relative_years(text: str, doc_years: tuple[int, ...]) -> tuple[int, ...]:
    """ "上一年" / "当年" in a question that names a report by its delivery year."""
    if _LAST_YEAR.search(text):
        return tuple(y - 1 for y in doc_years)
    if _SAME_YEAR.search(text):
        return doc_years
    return ()


def _only_asks_how_sides_compare(sentence: str) -> bool:
    """A sentence with no topic, year or plan/actual intent of its own ("增加了多少？", "哪个更高？")."""
    if parse_years(sentence) or _PLAN_INTENT.search(sentence) or _ACTUAL_INTENT.search(sentence):
        return False
    return not content_terms(_CHANGE_WORDS.sub(" ", sentence))


# Words joining the years of a comparison ("2013年和2019年", "20年跟19年比", "2019年比2013年").
_SIDE_LINK = r"和|与|跟|同|及|、|对比|相比|比起|比|较"
# What joined the years, left at the head's start once they are taken out ("与相比，…").
_DANGLING_LINK = re.compile(rf"^[，,、\s]*(?:{_SIDE_LINK})?\s*(?:相比|对比|比较|比)?[，,、\s]*")


def _sides_years(text: str) -> list[str]:
    """The years a one-sentence comparison asks about, one side each, in the order typed.

    Two or more years joined by a comparison word, or asked as a change between a
    range's ends ("从2013年到2019年涨了多少").  The year after 比 counts as a side
    ("2019年比2013年增加了多少"), except the year just before the other: "2019年比2018年增长了多少"
    asks for the growth the report states for 2019, as reports state it against the year before.
    """
    if asks_change_between_ends(text):
        m = _RANGE_RE.search(text)
        return [m.group(1), m.group(2)] if m else []
    if _RANGE_RE.search(text) or not re.search(rf"{_SIDE_LINK}|分别|各|差|变化|{_ASKS_RATIO.pattern}", text):
        return []
    years = list(dict.fromkeys(_YEAR_RE.findall(text)))
    compared = [re.search(r"\d{4}", m.group()).group() for m in _COMPARED_TO_RE.finditer(text)]
    if len(years) == 2 and compared and abs(int(years[0]) - int(years[1])) == 1:
        return []
    return years if len(years) >= 2 else []


def split_parts(text: str) -> list[str]:
    """A compound question -> its sides: two questions, or one question asked for several years."""
    sentences: list[str] = []
    for s in re.split(r"(?<=[？?])", text):
        if not _PUNCT.sub("", s):
            continue
        if sentences and _only_asks_how_sides_compare(s):
            continue  # "…分别是多少？增加了多少？": asks how the sides compare, not a side of its own
        sentences.append(s)
    if len(sentences) > 1:
        return sentences
    text = sentences[0] if sentences else text
    years = _sides_years(text)
    if len(years) >= 2:
        head = text
        for y in years:
            head = re.sub(rf"{y}\s*年\s*(?:{_SIDE_LINK})?", "", head, count=1)
        head = _DANGLING_LINK.sub("", head)
        return [f"{y}年{head}" for y in years]
    for m in re.finditer(r"[，,；;]", text):
        left, right = text[: m.start()], text[m.end() :]
        if _ASKS.search(left) and _ASKS.search(right):  # "…计划增长多少，最后完成了多少？"
            return [left, right]
    return [text]
