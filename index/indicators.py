"""Indicator statements: every figure a document states for a named indicator, with its year and kind.

Reports state the same headline figures year after year ("地区生产总值预计实现2800亿元，同比增长9%左右"),
so a trend question can be answered by collecting them, each one cited, instead of guessing from a few
passages.  Extraction is read off the grammar of such clauses, not off particular reports:

* a clause states a figure as ``<indicator> [kind word] [verb] <number><unit>``; the indicator phrase
  must end in a measure noun (…值/额/收入/税收/投资/率/浓度/人口…), so counts of things done
  ("建成12座消防站") and dates are not indicators;
* a rate after a growth verb ("同比增长9%", "增幅-1.1%", "下降17%") is the growth of the figure just
  stated in the same sentence, or, with an indicator of its own and no level ("地区生产总值增长6%左右"),
  a statement of growth alone;
* the year is the one the figure is *of* (:func:`index.meta.figure_year`): a figure compared with
  another year ("比2003年增加306.5亿元", "是2011年的1.48倍") or with another place (低于/高于) is of no
  one year and is not a statement; "由2010年的85降至58" gives 85 to 2010;
* the kind: 年均 and 累计 from their words (a period figure, of no single year); 调整为 marks a
  revised target and the figure it replaces (由年初…) the original target; a planning section or a
  task's own text states targets; 预计 (in the clause, or opening the sentence) an estimate;
  anything else in a review or status text an actual;
* another place's figure ("北京市空气中细颗粒物年平均浓度为38微克/立方米") keeps its place in its name
  (only 全区/西城区 are stripped), so it is a series of its own, never a point of the district's.

Indicators are normalised (:func:`canonical`, from the vocabulary of :mod:`index.vocabulary`) so that one
series collects a figure whatever the year's wording: reports renamed 公共财政预算收入 to 一般公共预算收入 (budget law of 2014) and write
GDP, 城镇登记失业率 or 细颗粒物（PM2.5）年均浓度 in several ways; each statement keeps the report's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from dataclasses import replace as _with

from .meta import figure_year
from .schema import Document, Statement
from .vocabulary import canonical_name

PERIOD_KINDS = ("累计", "年均")  # figures of a period, never a point of one year
ACTUAL_KINDS = ("实际", "预计")

_UNIT = (
    r"万亿元|亿元|万元|千元|元|个百分点|%|％|‰|微克/立方米|万立方米|立方米|公里|万人次|人次|万人|人|万户|户|万家|家|万平方米|平方米|公顷|万吨|吨|"
    r"万件|件|岁|万辆|辆"
)
# A figure: digits not inside a name ("PM2.5", "GDP2"), its unit, and an approximation word.
FIGURE = re.compile(r"(?<![A-Za-z\d.])(-?\d+(?:,\d{3})*(?:\.\d+)?)\s*(" + _UNIT + r")(左右|以上|以内|以下|多)?")
_SCALE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}
_GROWTH_UNITS = ("%", "％", "个百分点")

# Words between an indicator and its figure, stripped from the right: kind words, verbs, adverbs.
_TAIL = re.compile(
    r"(?:预计|初步核算数|核算数|实际|完成|实现|达到|达|为|是|突破|超过|增至|增加到|增长到|提高到|提升到|提高至|提升至|升至|"
    r"上升到|降至|降到|下降到|下降至|减少到|减至|控制在|保持在|稳定在|在|首次|均|约|共|累计|年均|年平均|平均每年|同比|"
    r"比上年|比去年|较上年|较去年|增长|增幅|增速|递增|下降|降低|减少|提高|上升|增加|了|已|将|分别|总计|合计|全年|由|从|年初预算|年初设定的|"
    r"年初的|年初|调整为|调整到|力争|确保|预期目标|预期|目标|的|在[^，,]{0,16}?基础上|"
    r"(?:由|从)(?:19|20)\d{2}\s*年(?:底|末)?|(?:自|从)?(?:19|20)\d{2}\s*年以来|\s)$"
)
# Words before an indicator, stripped from the left: time, scope, verbs, the 预期目标 lead-in.
_HEAD = re.compile(
    r"(?:(?:19|20)\d{2}\s*年(?:度|末|底)?|今年|去年|上年|当年|全年|年内|其中|同时|并且|并|截至目前|截至\d{1,2}月\d{1,2}日|"
    r"全区|西城区|我区|本区|区域内|区域|年初确定的|年初设定的|实现|完成|累计|预计|力争|确保|预期|\s)"
)
# A measure noun: what an indicator's name ends in.
_MEASURE = re.compile(r"(?:收入|税收|投资|支出|人口|浓度|能耗|水耗|面积|寿命|规模|指数|比重|利润|率|额|值|量|数)$")
# A growth verb, not a level verb: "提高到65.2%" states the level reached.
_GROWTH_WORDS = re.compile(r"(?:增长|增幅|增速|递增|下降|降低|减少|提高|上升|增加)(?![到至为])")
_FALL_WORDS = re.compile(r"下降|降低|减少")
_COMPARED = re.compile(r"(?<!同)比(?!重|上年|去年)|较(?!上年|去年)|低于|高于|相比|相当于")
# "比上年增加30亿元": an increment over last year, a difference (a rate over last year is the growth)
_INCREMENT = re.compile(r"(?:比|较)(?:上年|去年)(?:同期)?(?:增加|减少|多|少)")
_COORDINATED = re.compile(r"[和及与或]")  # "A和B的比重均在40%以上": whose figure is it? Not read.
_INNER_KIND = re.compile(r"预计(?:实现|完成|达到)?")
_AIMED = re.compile(r"力争|确保|目标|预期")  # a figure aimed at, in any section: a target
_SET = re.compile(r"力争|确保|目标|预期|年初|调整")  # any word that sets a target, not just the section's default
# Verbs of a state held through a period ("保持在70%以上", "控制在1.8%以内"): in a section reviewing
# several years, with no year in its clause group, such a figure is of the whole period.
_HELD = re.compile(r"保持在|控制在|稳定在|始终")
_SINCE = re.compile(r"(?:自|从)?((?:19|20)\d{2})\s*年以来")  # "自2013年以来累计下降22.8%": the years after it
# Units of an extent (area, volume, length): a figure in them measures what its clause names, so
# "拆除违法建设32.4万平方米" states an indicator though its name ends in no measure noun.
_EXTENT_UNITS = ("万平方米", "平方米", "公顷", "万立方米", "立方米", "公里", "万吨", "吨")
_SUBJECT = re.compile(
    r"^(.{2,24}?(?:收入|税收|投资|总值|总额|零售额|增加值))(?=首次|预计|实现|完成|达到|突破|超过|继续|保持)"
)
_SINGLE_YEAR = re.compile(r"(?:19|20)\d{2}\s*年|今年|明年")
_MIN_WORDING = 3  # "率103.35%", "超额完成5165辆", "总数达到101家": too short to name an indicator
_PLAN_WORDS = re.compile(r"调整为|调整到")
_PARENTHETICAL = re.compile(r"[(（][^()（）]{9,}[)）]")  # an aside ("(此调整方案已于…通过)"), not "(PM2.5)"
_STARTING = re.compile(r"(?:由|从)(?:年初|上年)?的?\s*$")  # "由37.2%提高到65.2%": a start of no stated year
# A clause opening with 其中 or a verb has no subject of its own: it goes on about the clause before,
# within that clause's 预计 ("金融业收入预计超过1万亿元、增长12%，实现利润总额4000亿元"); a clause with its own
# subject ("区级一般公共预算收入完成431.1亿元") states its own kind.
_CONTINUES = re.compile(r"\s*(?:其中|实现|完成|达到)")
_SENTENCE = re.compile(r"[^。！？!?\n]+")
_GROUP = re.compile(r"[^；;]+")  # semicolons separate figures of different indicators, each dated on its own
_PIECE = re.compile(r"[^，,；;、：:]+")


def canonical(wording: str) -> str:
    """The normalised name of an indicator as a report (or a question) words it: the vocabulary's
    name of the indicator whose wordings include it (:mod:`index.vocabulary`), else the wording itself."""
    name = re.sub(r"^全区", "", re.sub(r"\s", "", wording).replace("国有企业", "国企"))  # the usual short forms
    return canonical_name(name) or re.sub(r"^区级", "", name)


def base_value(value: float, unit: str) -> tuple[float, str]:
    """The figure in its unit's base (亿元 -> 元, 万人 -> 人), so 万元 and 亿元 figures share one axis."""
    if unit in ("％",):
        return value, "%"
    for prefix, scale in _SCALE.items():
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return value * scale, unit[len(prefix) :]
    return value, unit


def extract(doc: Document) -> list[Statement]:
    """Every indicator statement of a document, in text order."""
    out: list[Statement] = []
    for block in doc.blocks:
        if block.role in ("cover",):
            continue
        for start, end, planned in _parts(doc, block):
            role = "plan" if planned else block.role
            for s in _SENTENCE.finditer(doc.text, start, end):
                out.extend(_sentence(doc, s.start(), s.end(), role, block.about_years, block.section))
    return out


def _parts(doc: Document, block) -> Iterator[tuple[int, int, bool]]:
    """A block's spans and whether each states targets: a task row's task text does, its status does not."""
    task = block.fields.get("task", "")
    status = block.fields.get("status", "")
    text = doc.text[block.start : block.end]
    if task and status and task in text and status in text:
        at = text.index(task)
        yield block.start + at, block.start + at + len(task), True
        at = text.rindex(status)
        yield block.start + at, block.start + at + len(status), False
    else:
        yield block.start, block.end, False


def _sentence(
    doc: Document, s0: int, s1: int, role: str, about: tuple[int, ...], section: tuple[str, ...]
) -> list[Statement]:
    """The statements of one sentence; its semicolon groups each date their own figures."""
    sentence = _PARENTHETICAL.sub(lambda m: " " * len(m.group()), doc.text[s0:s1])
    opening = sentence.lstrip()
    ctx = _Context(estimated=opening.startswith("预计"), cumulative=opening.startswith("累计"))
    for group in _GROUP.finditer(sentence):
        for piece in _PIECE.finditer(sentence, group.start(), group.end()):
            _piece(doc, sentence, s0, group, piece, role, about, section, ctx)
    return _merge_rates(ctx.found)


def _merge_rates(found: list[Statement]) -> list[Statement]:
    """A rate stated apart from its level in one sentence ("由年初预算439.55亿元调整为413.8亿元，增长由年初的2%调整为
    -4%") is the rate of the level of the same indicator, year and kind that has none yet."""
    out: list[Statement] = []
    for st in found:
        level = next(
            (
                i
                for i, x in enumerate(out)
                if st.value is None
                and x.value is not None
                and x.growth is None
                and (x.wording, x.year, x.years, x.kind) == (st.wording, st.year, st.years, st.kind)
                and st.kind not in PERIOD_KINDS
            ),
            None,
        )
        if level is None:
            out.append(st)
        else:
            out[level] = _with(out[level], growth=st.growth)
    return out


@dataclass
class _Context:
    """What a sentence has said so far: its statements, and the indicator its last clause named."""

    estimated: bool
    cumulative: bool = False  # "累计完成固定资产投资577.3亿元，城市建设开复工1482.3万平方米…": all of the period
    estimated_group: int = -1  # the semicolon group in which a clause said 预计
    cumulative_group: int = -1  # … and 累计 ("累计拆除违法建设32.4万平方米，治理…2000户，…改造44.8公里")
    found: list[Statement] = field(default_factory=list)
    subject: str = ""  # "全区三级税收首次突破千亿元大关，预计达到1142亿元": 1142 is of 三级税收
    subject_at: int = 0  # where the subject is written: the citation starts there


def _piece(
    doc: Document,
    sentence: str,
    s0: int,
    group: re.Match[str],
    piece: re.Match[str],
    role: str,
    about: tuple[int, ...],
    section: tuple[str, ...],
    ctx: _Context,
) -> None:
    at = piece.start()
    in_piece: list[Statement] = []
    figures = list(FIGURE.finditer(sentence, piece.start(), piece.end()))
    if not figures:
        _, wording, lead = _read(sentence[piece.start() : piece.end()], subject=True)
        if wording:
            ctx.subject, ctx.subject_at = wording, s0 + piece.start() + lead
        return
    for m in figures:
        before = sentence[at : m.start()]
        at = m.end()
        said, wording, w0 = _read(before)
        inherited = not wording
        carried = inherited and not ctx.subject and bool(ctx.found)  # the last statement's indicator
        if inherited:
            wording = ctx.subject or (ctx.found[-1].wording if ctx.found else "")
        fig = _Figure(
            m, said, wording, inherited, carried, bool(in_piece and in_piece[-1].value is None), _CONTINUES.match(before)
        )
        if wording.startswith("占") and ctx.found and "占" in ctx.found[-1].wording:
            wording = ctx.found[-1].wording.split("占")[0] + wording  # "…占地区生产总值的32%，占全市…的33%"
            fig = _with(fig, wording=wording)
        st = _statement(doc, sentence, group, fig, role, about, ctx)
        if st is None:
            if not inherited and _STARTING.search(said):  # "由2.1%降至1.2%": 1.2% is of the same indicator
                ctx.subject, ctx.subject_at = wording, s0 + m.start() - len(before) + w0
            continue
        if st.kind == "预计":
            ctx.estimated_group = group.start()
        if st.kind == "累计":
            ctx.cumulative_group = group.start()
        begin = ctx.subject_at if inherited and ctx.subject else s0 + m.start() - len(before) + (0 if inherited else w0)
        st = _with(st, start=begin, end=s0 + m.end(), section=section)
        ctx.subject = ""
        if st.value is None and inherited and ctx.found and _attaches(ctx.found[-1], st):
            ctx.found[-1] = _with(ctx.found[-1], growth=st.growth, end=st.end)
        else:
            ctx.found.append(st)
            in_piece.append(st)


@dataclass(frozen=True)
class _Figure:
    """A figure and what precedes it in its clause."""

    m: re.Match[str]
    said: str  # the kind words and verbs between the indicator and the figure
    wording: str  # the indicator, as written or carried over from the clause before
    inherited: bool
    carried: bool  # from the sentence's previous statement (not from a clause that named it)
    after_rate: bool  # the clause's previous figure was a rate ("增长由年初的2%调整为-4%")
    continues: re.Match[str] | None  # the clause has no subject of its own ("其中出口总额…", "…，实现利润总额…")


def _read(before: str, subject: bool = False) -> tuple[str, str, int]:
    """(the kind/verb words stripped, the indicator wording left, its offset in ``before``).

    With ``subject``, ``before`` is a clause without a figure; its wording counts only if it opens
    with an indicator followed by a verb ("三级税收首次突破千亿元大关" names 三级税收).
    """
    if subject:
        m = _SUBJECT.match(before)
        if not m:
            return "", "", 0
        before = m.group(1)
    said = ""
    core = before
    while (m := _TAIL.search(core)) and m.group():
        said = m.group() + said
        core = core[: m.start()]
    lead = 0
    while (m := _HEAD.match(core, lead)) and m.end() > lead:
        said = core[lead : m.end()] + said
        lead = m.end()
    wording = core[lead:]
    inner = _INNER_KIND.search(wording)
    if inner:  # "金融街预计实现开复工面积": the estimate is said inside the name
        said += inner.group()
        wording = wording[: inner.start()] + wording[inner.end() :]
    return said, wording, lead


def _statement(
    doc: Document,
    sentence: str,
    group: re.Match[str],
    fig: _Figure,
    role: str,
    about: tuple[int, ...],
    ctx: _Context,
) -> Statement | None:
    m, said, wording = fig.m, fig.said, fig.wording
    unit = m.group(2)
    number = float(m.group(1).replace(",", ""))
    if not wording or _COMPARED.search(said + wording) or "分别" in said + wording:
        return None  # compared with something, or figures dealt out over a list of indicators
    if _INCREMENT.search(said) and unit not in _GROWTH_UNITS:
        return None
    if _COORDINATED.search(wording) or wording.startswith("占"):
        return None
    named = _MEASURE.search(wording) or "占" in wording or unit in _EXTENT_UNITS
    if not named or len(wording) < _MIN_WORDING:
        return None
    rate = unit in _GROWTH_UNITS
    growth = rate and bool(_GROWTH_WORDS.search(said) or (fig.after_rate and _PLAN_WORDS.search(said)))
    if fig.carried and not growth and rate != (ctx.found[-1].unit in _GROWTH_UNITS):
        return None  # "资产总额实现5091亿元、…、26%": a rate is not the level of a sum of money
    if _STARTING.search(said) and not _PLAN_WORDS.search(sentence[m.end() : m.end() + 8]):
        return None  # "由37.2%提高到65.2%": the starting figure, of an earlier year left unsaid
    if "占" in wording and not wording.endswith("比重"):
        wording = re.sub(r"的$", "", wording) + "比重"
    grouped = sentence[group.start() : group.end()]
    undated = len(about) > 1 and not _SINGLE_YEAR.search(grouped)
    estimated = ctx.estimated or (ctx.estimated_group == group.start() and bool(fig.continues))
    kind = _kind(sentence, m, said, role, estimated)
    if not rate and kind in ACTUAL_KINDS and (ctx.cumulative or (undated and ctx.cumulative_group == group.start())):
        kind = "累计"  # within a 累计 said before it, in a review of several years
    year = figure_year(grouped, m.start() - group.start(), about)
    years: tuple[int, ...] = ()
    since = _SINCE.search(said + wording)
    if since and about and kind in PERIOD_KINDS:
        year, years = None, tuple(range(int(since.group(1)) + 1, max(about) + 1))
    elif kind in PERIOD_KINDS or (undated and (role == "plan" or _HELD.search(said))):
        year, years = None, about  # a period figure, a five-year plan's target, or a state held throughout
    elif year is None:
        return None  # a difference or ratio against another year
    elif kind == "目标" and role == "plan" and year < min(doc.meta.plan_years or (year,)) and not _SET.search(said):
        kind = "实际"  # "2005年区域内中央资产总额为10.6万亿元" in a plan: the baseline it starts from
    signed = -abs(number) if growth and _FALL_WORDS.search(said) else number
    value = None if growth else number
    base, base_unit = base_value(value, unit) if value is not None else (None, "%")
    return Statement(
        doc_id=doc.meta.doc_id,
        indicator=canonical(wording),
        wording=wording,
        value=value,
        unit=unit if value is not None else "%",
        base=base,
        base_unit=base_unit,
        year=year,
        years=years,
        kind=kind,
        growth=signed if growth else None,
        start=0,
        end=0,
    )


def _kind(sentence: str, m: re.Match[str], said: str, role: str, estimated: bool) -> str:
    if re.search(r"年均|年平均|平均每年", said):
        return "年均"
    if "累计" in said or "累计" in sentence[max(0, m.start() - 12) : m.start()]:
        return "累计"
    if _PLAN_WORDS.search(said):
        return "调整后目标"
    if re.search(r"由|年初", said) and _PLAN_WORDS.search(sentence[m.end() : m.end() + 8]):
        return "目标"  # "由年初预算439.55亿元调整为…": the target that was replaced
    if "预计" in said:  # an explicit estimate, in a plan too ("预计实现开复工面积155万平方米")
        return "预计"
    if role == "plan" or _AIMED.search(said):
        return "目标"
    if estimated:
        return "预计"
    return "实际"


def _attaches(previous: Statement, growth: Statement) -> bool:
    """A growth rate with no indicator of its own is that of the figure just stated (a level, no rate yet).

    An annual average ("是2011年的1.48倍，年均增长8.2%") is a statement of its own, about the period;
    an estimate's rate is the estimate's ("预计实现2800亿元，同比增长9%左右"); a target's rate is no actual's.
    """
    same_kind = previous.kind == growth.kind or (previous.kind, growth.kind) == ("预计", "实际")
    return previous.growth is None and previous.value is not None and same_kind and growth.kind not in PERIOD_KINDS
