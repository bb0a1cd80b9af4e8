"""Section structure: which heading every paragraph of a report sits under.

Reports number their headings in a few conventional ways (一、 / （一） / (一) /
1.), and some have unnumbered part titles ("过去三年工作回顾", "附件").  Levels
are fixed per marker kind, so a heading closes every open heading of its own or
a deeper level.  A paragraph that *starts* with a numbered heading sentence
(common in review sections: "(一)积极落实……成果。以……") opens a section named
by that sentence and stays body text.
"""

from __future__ import annotations

import re

from .schema import Block

_MARKERS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"^[一二三四五六七八九十]+、")),
    (2, re.compile(r"^[（(][一二三四五六七八九十]+[)）]")),
    (3, re.compile(r"^\d{1,2}\s*[.、．](?!\d)")),
    (1, re.compile(r"^第[一二三四五六七八九十]+(?:部分|章)")),
    (2, re.compile(r"^第[一二三四五六七八九十]+节")),
]
_SENTENCE_END = "。！？；;!?"
_CLAUSE = "，,：:"
_FRONT_MATTER_END = re.compile(r"^(?:各位代表|同志们)")  # the salutation opens the body
_COVER_MAX_LINES = 8  # title (up to 3 lines), date, session (2), speaker, issue number
MAX_HEADING = 60


def heading_level(line: str) -> int | None:
    """Level of a heading line, or None for body text."""
    for level, pattern in _MARKERS:
        if pattern.match(line):
            head = heading_text(line)
            return level if len(head) <= MAX_HEADING else None
    bare = line.strip()
    if 2 <= len(bare) <= 20 and not any(c in bare for c in _SENTENCE_END + _CLAUSE + "—"):
        return 0
    return None


def heading_text(line: str) -> str:
    """The heading part of a line: all of a short line, the first sentence of a paragraph."""
    for i, c in enumerate(line):
        if c in _SENTENCE_END:
            return line[:i]
    return line.rstrip("：:")


def is_heading_only(line: str) -> bool:
    """A line that is nothing but a heading (as opposed to a paragraph opening with one)."""
    return heading_level(line) is not None and heading_text(line) == line.rstrip("：:")


def _cover_lines(lines: list[str]) -> int:
    """How many leading lines form a cover when there is no salutation: short, no sentence, no numbered heading.

    "北京市…规划纲要 / （2016年2月） / 第一章…" or "…简报 / （第3期） / 区…编 / 2018年，全区…":
    the cover is the run of short unpunctuated lines before the first sentence or numbered heading.
    """
    count = 0
    for line in lines[:_COVER_MAX_LINES]:
        numbered = any(p.match(line) for _, p in _MARKERS)
        if not line.strip() or numbered or len(line) > MAX_HEADING or any(c in line for c in _SENTENCE_END + _CLAUSE):
            break
        count += 1
    return count if count < len(lines) else 0


def structure(text: str) -> list[Block]:
    """Blocks (one per line of the cleaned text) with their section paths."""
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    lines = text.split("\n")
    cover = _cover_lines(lines)
    salutation = any(_FRONT_MATTER_END.match(x) for x in lines)
    in_front = salutation or cover > 0
    pos = 0
    for number, line in enumerate(lines):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        if in_front and salutation:
            in_front = not _FRONT_MATTER_END.match(line)
            blocks.append(Block(start, end, ("封面",) if in_front else ()))
            continue
        if in_front and number < cover:
            blocks.append(Block(start, end, ("封面",)))
            continue
        level = heading_level(line)
        if level is not None:
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, heading_text(line))]
        blocks.append(Block(start, end, tuple(h for _, h in stack)))
    return blocks
