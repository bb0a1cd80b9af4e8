"""Cleaning a report's raw text into one paragraph per line.

Two kinds of damage are repaired, and nothing of the report's own text is
dropped: web-page furniture (breadcrumbs, source/time lines, footers, ICP
numbers) is removed line by line, and PDF extraction's hard line breaks are
re-joined into paragraphs while headings and real paragraph ends stay.
"""

from __future__ import annotations

import re
import statistics

# Whole lines that are page furniture, never report text.
_FURNITURE = [
    r"当前位置[:：]|您(?:现在)?的位置[:：]|^首页\s*[>＞»]",
    r"(来源|时间|移动端|手机版|发布时间|发布日期|浏览次数|阅读次数|点击数|字号|作者|责任编辑|编辑|供稿)\s*[:：]",
    r"回到顶部|返回顶部|打印本页|关闭窗口|【?打印】?|分享到|微信扫一扫|扫一扫在手机|^【?收藏】?$",
    r"^(上一篇|下一篇)[:：]?",
    r"链接地址[:：]|转载请保留|由[:：].{0,20}整理",
    r"政务服务热线|技术支持|官方微信|官方微博|网站标识码|ICP备|公网安备|邮编[:：]|^地址[:：]",
    r"^(主办|承办|协办)[:：]",
    r"^信息详情$",
    r"^(?:所属)?栏目[:：]|^(?:索引号|主题分类|信息分类|发文机构)[:：]",
    r"^【[^】]{1,8}】$|^\[[^\]]{1,8}\]$",  # a column label or button on its own line: 【政府工作报告】
    r"^[大中小]\s*[大中小]\s*[大中小]$|字体[:：]?\s*[大中小]",
    r"^[\w\-.]{1,60}\.(?:jpe?g|png|gif|bmp|webp|svg)$",  # an image's file name standing for it
    r"(?:浏览|阅读|访问|点击)(?:次数|量|数)?\s*[:：]?\s*\d+\s*次?$",
    r"^(?:(?:首页|网站首页|政务公开|新闻中心|政务服务|互动交流|走进西城|办事服务|数据开放)\s*[|｜/]?\s*){3,}$",
    r"^\S{1,12}(?:\s*[>＞»]\s*\S{1,16}){2,}$",  # a breadcrumb: 首页 > 政务公开 > 规划计划
]
_FURNITURE_RE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE), re.IGNORECASE)
_FURNITURE_MAX = 80  # furniture lines are short; a paragraph mentioning "服务热线" is text
_BULLET_RE = re.compile(r"^[•·●▪■◆]\s*")
_TERMINAL = "。！？；：!?;:”』」）)…"
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’—…"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{_CJK}])")

HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+部分|附件|名词解释)"
)


_SUMMARY_LABEL = re.compile(r"^[【\[]?(?:摘要|内容摘要|内容提要|导读|提要)[】\]]?\s*[:：]?\s*")
_ELLIPSIS = re.compile(r"(?:…+|\.{3,}|。。。)$")
_SUMMARY_MIN = 12  # a repeated opening shorter than this could be a phrase that legitimately recurs


def clean_text(raw: str) -> str:
    """Raw extracted text -> cleaned text with one paragraph per line."""
    lines = [_clean_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = _drop_summary(_drop_furniture(lines))
    paragraphs = _rejoin_pdf_lines(lines) if looks_hard_wrapped(lines) else [x for x in lines if x]
    return "\n".join(paragraphs)


def _clean_line(line: str) -> str:
    line = _BULLET_RE.sub("", line.strip())
    return _SPACE_NEAR_CJK.sub("", line).strip()


def _drop_furniture(lines: list[str]) -> list[str]:
    """Furniture lines go; a short title line repeated in the page header is kept once."""
    seen_short: set[str] = set()
    out: list[str] = []
    for i, line in enumerate(lines):
        if len(line) <= _FURNITURE_MAX and _FURNITURE_RE.search(line):
            continue
        if i < 15 and line and len(line) < 40:
            if line in seen_short:
                continue
            seen_short.add(line)
        out.append(line)
    return out


def _drop_summary(lines: list[str]) -> list[str]:
    """Drop a page's summary block: a (labelled or truncated) line repeating the text that follows.

    Only a line whose words reappear verbatim further down goes, so nothing
    of the report is lost; a label alone (摘要：) goes with it.
    """
    out: list[str] = []
    for i, line in enumerate(lines):
        labelled = bool(_SUMMARY_LABEL.match(line)) and i < 30
        body = _ELLIPSIS.sub("", _SUMMARY_LABEL.sub("", line) if labelled else line)
        truncated = body != line
        if (labelled and not body) or (
            (labelled or truncated) and len(body) >= _SUMMARY_MIN and _repeated_later(body, lines[i + 1 :])
        ):
            continue
        out.append(line)
    return out


def _repeated_later(body: str, later: list[str]) -> bool:
    squashed = re.sub(r"\s+", "", body)
    return any(squashed in re.sub(r"\s+", "", x) for x in later)


def visual_width(line: str) -> float:
    """Printed width in CJK cells: Latin letters and digits take half a cell."""
    return sum(0.5 if ord(c) < 0x2000 else 1.0 for c in line)


def looks_hard_wrapped(lines: list[str]) -> bool:
    """PDF text: most lines are of one width and end mid-sentence."""
    body = [x for x in lines if x]
    if len(body) < 20:
        return False
    width = statistics.median(visual_width(x) for x in body)
    open_ended = sum(1 for x in body if x[-1] not in _TERMINAL)
    return width < 45 and open_ended / len(body) > 0.5


def _is_heading(line: str, width: float) -> bool:
    return bool(HEADING_RE.match(line)) and visual_width(line) <= width + 6 and line[-1] not in "。；"


def _rejoin_pdf_lines(lines: list[str]) -> list[str]:
    """Join wrapped lines into paragraphs.

    A paragraph ends at a heading, or after a line that is clearly shorter than
    the page width: one ending a sentence, or a very short one (titles).  First
    lines of paragraphs are indented, so "shorter" alone would cut them.  A
    heading wrapped onto a second short line is re-joined.
    """
    body = [x for x in lines if x]
    width = statistics.median(visual_width(x) for x in body)
    paragraphs: list[str] = []
    current = ""
    last_was_heading = False
    for line in body:
        w = visual_width(line)
        short = w < 0.75 * width
        if _is_heading(line, width):
            if current:
                paragraphs.append(current)
            paragraphs.append(line)
            current, last_was_heading = "", True
            continue
        if last_was_heading and short and line[-1] not in _TERMINAL:
            paragraphs[-1] += line
            last_was_heading = False
            continue
        last_was_heading = False
        current += line
        if w < width - 2 and (line[-1] in _TERMINAL or short):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs
