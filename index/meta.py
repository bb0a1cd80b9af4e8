"""What a document says about itself: title, kind, delivery date, speaker, session, years.

A report added without a catalog entry must still be found by the year a
question asks about and cited under a proper title, so everything here is read
off the document's own text (its cover lines and headings) and, as a last
resort, its file name.  The catalog only overrides.

Years are read per section, not per document: "一、2013年工作回顾" reviews
2013, "二、2014年工作安排" plans 2014, "过去五年" reviews the five years up to
the *anchor* (the last year the document reports on), "今后五年" plans the five
after it.  The anchor comes from explicit review headings, else from the
first planned year, else from the delivery date (a report delivered in
November or December reviews that same year, one delivered earlier the year
before).  :func:`section_about` is a pure function of a section's heading path
and the document's metadata, so a corrected catalog entry changes it without
re-indexing.

Inside a sentence, :func:`year_refs` tells a year that a figure is *of*
("2006年地区生产总值完成960亿元") from a year it is compared *with*
("比2003年增加", "是2011年的1.48倍") or starts *from* ("由2010年的85降至58":
58 is the later year's figure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .schema import DocMeta

KINDS = ("work_report", "plan_execution", "task_table", "statistical_release", "speech", "five_year_plan", "other")
ROLES = ("review", "plan", "status", "cover", "other")

_YEAR = r"((?:19|20)\d{2})"
_CN_DIGITS = "〇零一二三四五六七八九十"
_HEAD_LINES = 14  # cover facts sit in the first lines: title (≤3 lines), date, session, speaker
_TITLE_MAX = 70  # a two-line plan-execution title is ~50 characters; a paragraph is longer
_PLAN_PERIOD = 5  # a five-year plan's untitled chapters plan its whole period
_LATE_MONTH = 11  # delivered in November/December: the report reviews that same year

_COVER_DATE = re.compile(r"^[—\-－－]*\s*[（(]?" + _YEAR + r"\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# A labelled web date, whose digits a web copy may run into the time ("2021-03-0809:30")
# or into each other ("20210308").
_LABEL_DATE = re.compile(
    r"(?:发布时间|发布日期|成文日期|日期|时间)\s*[:：]?\s*"
    + _YEAR
    + r"(?:\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d{1,2}日)|(\d{2})(\d{2})(?=\D|\d{2}:|$))"
)
_SESSION = re.compile(
    r"((?:北京市)?\S{0,8}?第[" + _CN_DIGITS + r"]+届人民代表大会(?:常务委员会)?第[" + _CN_DIGITS + r"]+次会议)"
)
_ROLE = r"(?:常务)?副?代?(?:区长|市长|主任|局长|书记|主席|秘书长|部长|处长|县长)"
_SPEAKER_LINE = re.compile(
    rf"^(?P<org>[\u4e00-\u9fff（）()]{{0,24}}?)(?P<role>{_ROLE})\s*(?P<name>[\u4e00-\u9fff·]{{2,4}})$"
)
_ROLE_IN_TITLE = re.compile(rf"^(?P<org>[\u4e00-\u9fff]{{0,16}}?)(?P<role>{_ROLE})(?=政府工作报告|在)")
# The district a document is of: the salutation ("我代表西城区人民政府"), the session line ("北京市西城区
# 第十五届人民代表大会"), or a header line that opens with it ("北京市西城区人民政府", "北京市西城区2006年…");
# not any "X区第" ("…12月22日经区第十六届人大常委会" names no district).
_DISTRICT = re.compile(
    r"我代表(?:北京市)?([\u4e00-\u9fff]{2,6}?[区县市])人民政府"
    r"|(?:北京市)?([\u4e00-\u9fff]{2,4}?[区县])第[一二三四五六七八九十]+届人民代表大会"
    r"|^\s*(?:北京市)?([\u4e00-\u9fff]{2,4}?[区县])(?:人民政府|政府|\d{4}年)",
    re.MULTILINE,
)
_TITLE_WORDS = re.compile(
    r"报告|情况|规划|纲要|公报|计划|讲话|指标|草案|通报|简报|致辞|意见|方案|指引|指南|手册|须知|办法|细则|通知|公告|决定"
)
_TITLE_END = re.compile(r"(?:报告|情况|纲要|公报|讲话|指标|通报|简报|致辞|意见|方案|规划|指引|指南|手册|通知|公告)$")
_ABOUT_TITLE_END = re.compile(r"的(?:报告|意见|通知|决定|说明|讲话)$")  # "关于……" runs on to "……的报告"
_ORG_LINE = re.compile(r"(?:政府|局|委员会|委|办公室|办|院|中心)$")  # a site or publisher's name line
_SENTENCE_PUNCT = re.compile(r"[。！？；]")

_REVIEW = re.compile(r"回顾|过去|成绩|执行情况|完成情况|运行情况|进展情况|总结|以来|年来")
_PLAN = re.compile(r"安排|任务|要求|目标|今后|未来|计划|打算|思路|主要工作|重点工作|草案|展望|建议|下半年|明年")
_RANGE = re.compile(_YEAR + r"\s*年?\s*(?:至|到|—|－|-|~|～)\s*" + _YEAR + r"\s*年")
_SINGLE = re.compile(r"(?<!\d)" + _YEAR + r"\s*年")
_PAST_N = re.compile(r"(?:过去|近|前)的?([一二三四五六七八九十]|\d{1,2})年|([一二三四五六七八九十]|\d{1,2})年来")
_NEXT_N = re.compile(r"(?:今后|未来|后)的?([一二三四五六七八九十]|\d{1,2})年")
_FIVE_YEAR = re.compile(r"[“\"]?(十[一二三四五六七八九]|[一二三四五六七八九])五[”\"]?(?:时期|期间|规划)?")
_THIS_YEAR = re.compile(r"今年|本年|上半年|下半年|前三季度|[一二三四]季度|全年|年内")
_PERIOD_MONTHS = re.compile(r"1\s*[-—－~至]\s*(?:1[0-2]|[1-9])\s*月|第?[一二三四]季度|上半年|全年")


@dataclass(frozen=True)
class About:
    """What a section is about: its role and the years its figures are of."""

    role: str  # one of ROLES
    years: tuple[int, ...]


@dataclass(frozen=True)
class YearRef:
    """A year written in a sentence and how the sentence uses it.

    ``use`` is "stated" (the sentence gives figures of that year), "compared"
    (比/较/是…的/同比/相比: the year is a reference, not the figure's year) or
    "from" (由…的A降至B: A is of that year, B of the later year the sentence is about).
    """

    year: int
    start: int
    end: int
    use: str


# --- cover facts ---------------------------------------------------------------------


def cn_number(s: str) -> int:
    """A small Chinese or Arabic numeral (一…十九, 1…99) as an int."""
    if s.isdigit():
        return int(s)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    if s.startswith("十"):
        return 10 + digits.get(s[1:], 0) if len(s) > 1 else 10
    if "十" in s:
        tens, _, ones = s.partition("十")
        return digits[tens] * 10 + (digits[ones] if ones else 0)
    return digits.get(s, 0)


def five_year_period(ordinal: int) -> tuple[int, ...]:
    """Years of the n-th national five-year plan (the 3rd began in 1966 after the 1963–65 gap)."""
    start = 1953 + 5 * (ordinal - 1) if ordinal < 3 else 1966 + 5 * (ordinal - 3)
    return tuple(range(start, start + 5))


def head_lines(text: str) -> list[str]:
    """The cover: lines before the salutation (各位代表) or the first heading, at most a few."""
    lines: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if re.match(r"^(各位代表|同志们|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[章部])", line):
            break
        lines.append(line)
        if len(lines) >= _HEAD_LINES:
            break
    return lines


def infer_title(head: list[str]) -> str:
    """The title lines of the cover, joined when the title is broken over lines; '' if none."""
    for i, line in enumerate(head):
        if not _is_title_line(line) or (not _TITLE_WORDS.search(line) and not _continues(head, i)):
            continue
        if _ORG_LINE.search(line) and not _TITLE_WORDS.search(line):
            continue
        title = line
        for nxt in head[i + 1 : i + 3]:
            if _title_complete(title) or not _is_title_line(nxt) or len(title + nxt) > _TITLE_MAX:
                break
            title += nxt
        if _TITLE_WORDS.search(title):
            return title
    return ""


def _title_complete(title: str) -> bool:
    if title.startswith("关于"):
        return bool(_ABOUT_TITLE_END.search(title))
    return bool(_TITLE_END.search(title))


def _continues(head: list[str], i: int) -> bool:
    return i + 1 < len(head) and _is_title_line(head[i + 1]) and bool(_TITLE_END.search(head[i + 1]))


def _is_title_line(line: str) -> bool:
    return (
        len(line) <= _TITLE_MAX
        and not _SENTENCE_PUNCT.search(line)
        and not line.startswith(("—", "-", "－", "（", "("))
        and not _SPEAKER_LINE.match(line)
        and not _COVER_DATE.match(line)
    )


def cover_date(head: list[str]) -> str:
    """ISO date of the cover line "——YYYY年M月D日在…会议上" (or "（YYYY年M月D日）")."""
    for line in head:
        m = _COVER_DATE.match(line)
        if m:
            return _iso(*m.groups())
    return ""


def labelled_dates(raw: str) -> list[str]:
    """Dates the page labels (发布时间/日期/时间), digits run together or not, in order."""
    out = []
    for m in _LABEL_DATE.finditer(raw):
        y, mo, d, mo2, d2 = m.groups()
        iso = _iso(y, mo or mo2, d or d2)
        if iso:
            out.append(iso)
    return out


def _iso(y: str, mo: str, d: str) -> str:
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return ""
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def infer_speaker(head: list[str], text: str) -> tuple[str, str]:
    """(speaker as printed: organisation, role and name, role alone) from the cover.

    A cover line "西城区人民政府区长 王少峰" names them; a title that opens with
    the role ("区人民政府区长政府工作报告") gives the role without a name, its
    organisation completed from the body's "我代表…人民政府".
    """
    for line in head:
        m = _SPEAKER_LINE.match(line.replace("\u3000", "").replace(" ", ""))
        if m and (not m["org"] or re.search(r"政府|委员会|委|局|办|院|会|部|[区市县]$", m["org"])):
            return f"{m['org']}{m['role']} {m['name']}", m["role"]
    for line in head[:3]:
        m = _ROLE_IN_TITLE.match(line)
        if m and m["org"]:
            org = m["org"]
            district = infer_district(text)
            if district and not org.startswith(district) and district.endswith(org[:1]):
                org = district[:-1] + org
            return f"{org}{m['role']}", m["role"]
    return "", ""


def infer_session(head: list[str]) -> str:
    """The congress session of the cover line, joined across its line break."""
    m = _SESSION.search("".join(line for line in head if not _SPEAKER_LINE.match(line)))
    return m.group(1).split("在")[-1] if m else ""


def infer_district(text: str) -> str:
    """The district the document is of ("西城区"), from the salutation or session line."""
    m = _DISTRICT.search(text[:3000])
    return next((g for g in m.groups() if g), "") if m else ""


def infer_kind(title: str, text: str, is_table: bool) -> str:
    """The document's kind from its layout and title (the body decides only for work reports)."""
    if is_table:
        return "task_table"
    if re.search(r"计划执行情况|预算执行情况", title):
        return "plan_execution"
    if re.search(r"五年规划|规划纲要", title):
        return "five_year_plan"
    if re.search(r"主要(?:经济)?指标|统计公报|统计数据|经济运行", title) or (
        _PERIOD_MONTHS.search(title) and "指标" in text[:2000]
    ):
        return "statistical_release"
    if "政府工作报告" in title or re.search(r"向大会报告(?:政府)?工作", text[:2000]):
        return "work_report"
    if re.search(r"讲话|形势报告|致辞|发言", title):
        return "speech"
    return "other"


# --- years of sections -----------------------------------------------------------------


def heading_years(heading: str, anchor: int | None, year: int | None) -> tuple[int, ...]:
    """Years a heading names: written years and ranges, 十三五, 过去/今后N年, 今年."""
    years: set[int] = set()
    for m in _RANGE.finditer(heading):
        lo, hi = sorted((int(m.group(1)), int(m.group(2))))
        years.update(range(lo, hi + 1))
    rest = _RANGE.sub(" ", heading)
    years.update(int(y) for y in _SINGLE.findall(rest))
    for m in _FIVE_YEAR.finditer(rest):
        years.update(five_year_period(cn_number(m.group(1))))
    if years:
        return tuple(sorted(years))
    if anchor is not None:
        m = _PAST_N.search(heading)
        if m:
            n = cn_number(m.group(1) or m.group(2))
            return tuple(range(anchor - n + 1, anchor + 1))
        m = _NEXT_N.search(heading)
        if m:
            return tuple(range(anchor + 1, anchor + 1 + cn_number(m.group(1))))
    if year is not None and _THIS_YEAR.search(heading):
        return (year,)
    return ()


def heading_role(heading: str) -> str | None:
    """'review' or 'plan' by the heading's words (a review word wins: 计划执行情况 is a review)."""
    if _REVIEW.search(heading):
        return "review"
    if _PLAN.search(heading):
        return "plan"
    return None


def anchor_of(meta: DocMeta) -> int | None:
    """The last year the document reports on, from its (inferred or corrected) metadata."""
    if meta.years:
        return max(meta.years)
    if meta.plan_years:
        return min(meta.plan_years) - 1
    return _date_anchor(meta.date, meta.year)


def _date_anchor(date: str, year: int | None) -> int | None:
    if date:
        return int(date[:4]) if int(date[5:7]) >= _LATE_MONTH else int(date[:4]) - 1
    return year - 1 if year else None


def section_about(section: tuple[str, ...], meta: DocMeta) -> About:
    """What a section (heading path) of a document is about.

    The outermost heading with a review/plan word decides the role, the
    outermost heading naming years decides the years; a review without years
    is of the anchor year, a plan of the year after.  Task rows report status
    of the years the table covers; a release's unlabelled text reports its period.
    """
    return _about(section, meta.kind, anchor_of(meta), meta.year, meta.years, meta.plan_years)


def _about(
    section: tuple[str, ...],
    kind: str,
    anchor: int | None,
    year: int | None,
    doc_years: tuple[int, ...] = (),
    doc_plan: tuple[int, ...] = (),
) -> About:
    if section == ("封面",):
        return About("cover", (year,) if year else ())
    if kind == "task_table":
        return About("status", doc_years)
    role = next((r for r in map(heading_role, section) if r), None)
    years = next((y for y in (heading_years(h, anchor, year) for h in section) if y), ())
    if role is None and years and anchor is not None:
        role = "review" if max(years) <= anchor else "plan"
    if role is None:
        if kind == "statistical_release":
            return About("review", doc_years)
        if kind == "five_year_plan" and section:
            return About("plan", doc_plan)
        return About("other", years)
    if not years and anchor is not None:
        plan_span = _PLAN_PERIOD if kind == "five_year_plan" else 1
        years = (anchor,) if role == "review" else tuple(range(anchor + 1, anchor + 1 + plan_span))
    return About(role, years)


def _content_anchor(headings: list[tuple[str, ...]], title: str, kind: str) -> int | None:
    """The anchor from explicit headings (and a table's or release's title); None if they name no year."""
    reviewed: set[int] = set()
    planned: set[int] = set()
    for path in headings:
        for h in path:
            ys = heading_years(h, None, None)
            role = heading_role(h)
            if ys and role == "review":
                reviewed.update(ys)
            elif ys and role == "plan":
                planned.update(ys)
    if kind in ("task_table", "statistical_release"):
        reviewed.update(heading_years(title, None, None))
    if reviewed:
        return max(reviewed)
    if planned:
        return min(planned) - 1
    return None


# --- the whole document -------------------------------------------------------------


def infer_meta(path: Path, text: str, raw: str, sections: list[tuple[str, ...]], is_table: bool) -> DocMeta:
    """Metadata read off a cleaned document, its raw text (for page dates) and its sections.

    ``sections`` are the distinct heading paths of its blocks, in order.
    """
    head = head_lines(text)
    title = infer_title(head)
    kind = infer_kind(title or path.stem, text, is_table)
    anchor = _content_anchor(sections, title, kind)
    title_year = _first_year(title)
    date = cover_date(head) or _plausible_web_date(labelled_dates(raw[:3000]), anchor)
    year = (
        int(date[:4])
        if date
        else title_year
        if kind in ("work_report", "five_year_plan") and title_year
        else anchor + 1
        if anchor is not None
        else title_year or _first_year(path.stem)
    )
    if anchor is None:
        anchor = _date_anchor(date, year) if kind != "five_year_plan" else (year - 1 if year else None)
    if kind == "statistical_release" and anchor is None and year:
        anchor = year
    reviewed: set[int] = set()
    planned: set[int] = set()
    for section in sections:
        about = _about(section, kind, anchor, year)
        if about.role in ("review", "status"):
            reviewed.update(about.years)
        elif about.role == "plan":
            planned.update(about.years)
    if kind in ("task_table", "statistical_release") and not reviewed and anchor is not None:
        reviewed.add(anchor)
    if kind == "five_year_plan" and not planned:
        planned.update(heading_years(title, anchor, year))
    if anchor is None and not reviewed and not planned:  # a note or brief: the years its paragraphs open with
        reviewed.update(int(y) for y in re.findall(r"^" + _YEAR + r"年[，,]", text, re.MULTILINE))
    speaker, role = infer_speaker(head, text)
    return DocMeta(
        doc_id=path.stem,
        file=path.name,
        title=_full_title(title, year, text) or path.stem,
        kind=kind,
        year=year,
        years=tuple(sorted(reviewed)),
        plan_years=tuple(sorted(planned)),
        date=date,
        speaker=speaker,
        speaker_role=role,
        session=infer_session(head),
        district=infer_district(text),
    )


def _plausible_web_date(dates: list[str], anchor: int | None) -> str:
    """A page date that fits the content: in or just after the last year reported on.

    A re-posting site's time line ("时间:2018-09-15" on a report about 2016)
    is when the copy was made, not when the report was delivered.
    """
    for date in dates:
        if anchor is None or int(date[:4]) in (anchor, anchor + 1):
            return date
    return ""


def _full_title(title: str, year: int | None, text: str) -> str:
    """A generic cover title ("政府工作报告") qualified by year and district, as catalogues name it."""
    if not title or _first_year(title) or not title.endswith("政府工作报告") or year is None:
        return title
    district = infer_district(text)
    return f"{year}年{district}政府工作报告"


def _first_year(s: str) -> int | None:
    m = re.search(_YEAR, s)
    return int(m.group(1)) if m else None


def unknown_year_notice(meta: DocMeta) -> str:
    """What to tell the person adding a document whose year could not be read (empty when known)."""
    if meta.year or meta.years or meta.plan_years:
        return ""
    return f"{meta.file}: 未能从文本或文件名判断年份；文档仍可检索，但按年份提问时不会优先命中。可在目录中补充年份。"


# --- years inside a sentence ---------------------------------------------------------

_COMPARED_BEFORE = re.compile(r"(?:比|较|是|同比|相比|与|对比|低于|高于|超过|相当于|为)\s*$")
_FROM_BEFORE = re.compile(r"(?:由|从)\s*$")
_FROM_AFTER = re.compile(
    r"^\s*(?:的|末的?)?[^，,。；;]{0,20}?(?:降至|降到|下降到|减少到|减至|提高到|提升至|提高至|升至|上升到|增至|增加到|增长到|扩大到|达到)"
)
# "在2016年实际完成的基础上增长2%": 2016 is the base the change is counted from.
_COMPARED_AFTER = re.compile(r"^\s*(?:的\s*[\d.]+\s*倍|相比|比较|同期|[^，,。；;]{0,10}?(?:水平上|基础上)|基数)")


def year_refs(sentence: str) -> list[YearRef]:
    """Every written year of a sentence with its use (stated / compared / from).

    "2016年全区地区生产总值达到3480亿元，是2011年的1.48倍" -> 2016 stated,
    2011 compared; "PM2.5浓度由2010年的85降至58" -> 2010 from (58 is not of
    2010); "比2003年增加306.5亿元" -> 2003 compared.
    """
    refs: list[YearRef] = []
    for m in _SINGLE.finditer(sentence):
        before, after = sentence[max(0, m.start() - 4) : m.start()], sentence[m.end() : m.end() + 30]
        if _FROM_BEFORE.search(before) and _FROM_AFTER.match(after):
            use = "from"
        elif _COMPARED_BEFORE.search(before) or _COMPARED_AFTER.match(after):
            use = "compared"
        else:
            use = "stated"
        refs.append(YearRef(int(m.group(1)), m.start(), m.end(), use))
    return refs


def stated_years(sentence: str, context: tuple[int, ...] = ()) -> tuple[int, ...]:
    """Years the sentence's figures are of: its stated years, else ``context`` (the section's years).

    A "from" year never counts: the figure reached is of the later year, which
    the sentence states elsewhere or the section gives.
    """
    stated = sorted({r.year for r in year_refs(sentence) if r.use == "stated"})
    return tuple(stated) if stated else tuple(context)


def figure_year(sentence: str, offset: int, context: tuple[int, ...] = ()) -> int | None:
    """The year the figure at ``offset`` in ``sentence`` is of.

    The figure right after "由YYYY年的" is of YYYY; a figure in the clause
    after a compared year ("比2003年增加306.5亿元", "是2011年的1.48倍") is a
    difference or ratio, of no one year (None); any other figure is of the
    nearest stated year written before it, else of the first stated year
    after it, else of the section's last year (``context``).
    """
    refs = year_refs(sentence)
    for r in refs:
        if r.use == "stated" or r.end > offset or re.search(r"[，,。；;]", sentence[r.end : offset]):
            continue
        if r.use == "compared":
            return None
        if not _FROM_AFTER.match(sentence[r.end : offset + 1]):
            return r.year
    stated = [r for r in refs if r.use == "stated"]
    before = [r for r in stated if r.end <= offset]
    if before:
        return before[-1].year
    if stated:
        return stated[0].year
    return max(context) if context else None


def describe(meta: DocMeta, sections: int | None = None, chunks: int | None = None) -> str:
    """One line of what was understood about a document, for ``index add/status`` and the upload message."""

    def span(years: tuple[int, ...]) -> str:
        if not years:
            return "—"
        return str(years[0]) if len(years) == 1 else f"{min(years)}–{max(years)}"

    parts = [
        f"《{meta.title}》",
        f"类型 {meta.kind}",
        f"年份 {meta.year or '未知'}",
        f"日期 {meta.date or '—'}",
        f"报告人 {meta.speaker or '—'}",
        f"回顾 {span(meta.years)}",
        f"计划 {span(meta.plan_years)}",
    ]
    if sections is not None:
        parts.append(f"{sections} 个章节")
    if chunks is not None:
        parts.append(f"{chunks} 段")
    return f"{meta.file}: " + "，".join(parts)
