"""A question as people type it, put in the one form the rest of ``qa`` reads.

Users type traditional characters, Chinese-numeral years ("二〇一九年"),
full-width digits, stray spaces and doubled marks; the reports and every rule
in :mod:`qa.understand` are written in simplified characters with Arabic
digits.  :func:`normalise` rewrites the *question only* (report text is never
touched) and records each change so the UI can say what was understood.

The steps run in this order, each relying on the ones before it:

1. control characters and unpaired surrogates removed (they come from pasted
   text and broken clients and carry no meaning);
2. full-width Latin letters and digits to ASCII ("２０１９" -> "2019"; Chinese
   punctuation stays);
3. traditional characters to simplified with OpenCC ``t2s`` (before numerals:
   "兩千", "億", "點" must already be "两千", "亿", "点");
4. Chinese numerals to digits, in three rules (see :func:`_numerals`):
   years, "百分之…" percentages, and figures followed by a unit or 万/亿;
5. whitespace collapsed, spaces between a digit and its unit or 年 removed,
   spaces next to Chinese punctuation removed;
6. punctuation: in a Chinese question ASCII ``? ! , ; :`` become full-width
   (not between digits: "1,089", "10:30"), and a run of marks becomes one
   ("??" -> "？", "?!" -> "？");
7. short lower-case Latin words in a Chinese question (acronyms: "gdp",
   "pm2.5") are upper-cased, as the reports print them.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import cn2an
from opencc import OpenCC

SIMPLIFIED = "simplified"
TRADITIONAL = "traditional"


@dataclass(frozen=True)
class Change:
    """One rewrite made to the question: what kind of step, and the text before and after it."""

    kind: str  # "script", "numeral", "width", "space", "punctuation", "control", "case"
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.before}→{self.after}"


@dataclass(frozen=True)
class Normalised:
    """The question in normal form, the script it was typed in, and what was changed."""

    text: str
    script: str = SIMPLIFIED
    changes: tuple[Change, ...] = ()


@cache
def _converter(config: str) -> OpenCC:
    return OpenCC(config)  # ~20 ms to load its dictionaries: once per process


# Full-width Latin letters and digits as ASCII; Chinese punctuation stays as the user typed it.
_FULLWIDTH_ALNUM = {
    c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c - 0xFEE0).isalnum() or chr(c - 0xFEE0) in ".%"
}

_DIGITS = "〇零一二三四五六七八九"
_DIGIT_VALUE = {c: str(i) for i, c in enumerate(_DIGITS[1:])} | {"〇": "0"}
_NUMERAL_CHARS = _DIGITS + "两十百千万亿点"
# Years written digit by digit: four digits starting 19/20 ("二〇一九", "一九九八"), 年 optional.
_YEAR4 = re.compile(rf"(?<![{_NUMERAL_CHARS}])([一二][{_DIGITS}]{{3}})(?![{_NUMERAL_CHARS}])(年?)")
# Two-digit years ("一九年" = 2019).  Not after a duration cue (近三五年, 过去一二年, 这两年, 每…, 第…)
# nor before one (三五年内, 一二年间, 七八年左右): there the two digits are an approximate count.
_YEAR2 = re.compile(rf"(?<![{_NUMERAL_CHARS}近去这来后前每几多第])([{_DIGITS}]{{2}})年(?!内|间|多|左右|里|之内|时间)")
# Two-digit years reach at most this far ahead: "三五年" (2035) is "three to five years" far more
# often than a year, while the reports plan at most five years ahead (a five-year plan).
_YEAR2_AHEAD = 5
# Years written with place values ("两千零六年", "一九九八" is _YEAR4's): they must hold 千.
_YEAR_PLACE = re.compile(rf"(?<![{_NUMERAL_CHARS}])([{_NUMERAL_CHARS}]*千[{_NUMERAL_CHARS}]*)年")
_PERCENT = re.compile(rf"百分之([{_NUMERAL_CHARS}]+)")
# Units a figure is counted in.  Reports print statistics in digits ("169座", "4500亿元") but small
# counts in words ("三个", "一批", "十条"), so only numbers of two or more characters are converted.
_UNITS = "个百分点|平方公里|平方米|公里|千米|公顷|元|块|个|座|家|户|人|名|所|项|条|件|处|套|栋|间|辆|台|部|张|场|批|种|类|米|亩|吨|倍|岁|天"
_FIGURE = re.compile(rf"(?<![{_NUMERAL_CHARS}第])([{_NUMERAL_CHARS}]{{2,}})(?![{_NUMERAL_CHARS}])")
_UNIT_NEXT = re.compile(_UNITS)
_MAGNITUDE = re.compile(r"(万亿|亿|万)$")


def normalise_question(text: str) -> str:
    """The question in normal form (see the module docstring for the steps)."""
    return normalise(text).text


def normalise(text: str) -> Normalised:
    """The question in normal form, its script and the list of changes, in the documented order."""
    changes: list[Change] = []

    def step(kind: str, new: str, before: str) -> str:
        if new != before:
            changes.append(Change(kind, before, new))
        return new

    clean = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n\t")
    if clean != text:
        changes.append(Change("control", "控制字符", "（已删除）"))
    text = clean
    text = step("width", text.translate(_FULLWIDTH_ALNUM), text)
    simplified = _converter("t2s").convert(text)
    script = TRADITIONAL if simplified != text else SIMPLIFIED
    text = step("script", simplified, text)
    text, numeral_changes = _numerals(text)
    changes.extend(numeral_changes)
    text = step("space", _spaces(text), text)
    text = step("punctuation", _punctuation(text), text)
    text = step("case", _acronyms(text), text)
    return Normalised(text=text, script=script, changes=tuple(changes))


def _numerals(text: str) -> tuple[str, list[Change]]:
    """Chinese-numeral years, percentages and figures as digits; every other numeral word stays.

    The rule: a numeral is converted only where it is a year (followed by 年, or four digits
    starting 19/20), a "百分之…" percentage, or a figure of at least two characters followed by
    a unit or ending in 万/亿 and not after 第.  So 一般, 一些, 统一, 第一, 一带一路, 三级税收,
    三个 (one character) and 十三五, 二三十 (not a well-formed number) stay as typed.
    """
    changes: list[Change] = []

    def record(before: str, after: str) -> str:
        changes.append(Change("numeral", before, after))
        return after

    def year4(m: re.Match[str]) -> str:
        digits = "".join(_DIGIT_VALUE[c] for c in m.group(1))
        if not digits.startswith(("19", "20")):
            return m.group()
        return record(m.group(), digits + "年")

    def year2(m: re.Match[str]) -> str:
        year = 2000 + int("".join(_DIGIT_VALUE[c] for c in m.group(1)))
        if year > datetime.date.today().year + _YEAR2_AHEAD:
            return m.group()
        return record(m.group(), f"{year}年")

    def year_place(m: re.Match[str]) -> str:
        value = _number(m.group(1))
        if value is None or not 1900 <= value <= 2099 or value != int(value):
            return m.group()
        return record(m.group(), f"{int(value)}年")

    def percent(m: re.Match[str]) -> str:
        value = _number(m.group(1))
        return m.group() if value is None else record(m.group(), _digits(value) + "%")

    def figure(m: re.Match[str]) -> str:
        run = m.group(1)
        magnitude = _MAGNITUDE.search(run)
        if not magnitude and not _UNIT_NEXT.match(m.string, m.end()):
            return run
        head = run[: magnitude.start()] if magnitude else run
        value = _number(head) if head else None
        if value is None:
            return run
        return record(run, _digits(value) + (magnitude.group() if magnitude else ""))

    text = _YEAR4.sub(year4, text)
    text = _YEAR_PLACE.sub(year_place, text)
    text = _YEAR2.sub(year2, text)
    text = _PERCENT.sub(percent, text)
    text = _FIGURE.sub(figure, text)
    return text, changes


def _number(words: str) -> float | None:
    """The value of a well-formed Chinese number, or None.

    Well-formed means cn2an reads it *and* writes the same value back as the same words, so
    readings cn2an would guess at ("二三十" = twenty or thirty, "三五" = three to five) are refused.
    """
    try:
        value = cn2an.cn2an(words, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    canonical = words.replace("两", "二").replace("〇", "零")
    canonical = canonical[1:] if canonical.startswith("一十") else canonical
    return float(value) if cn2an.an2cn(value) == canonical else None


def _digits(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


_UNIT_AFTER_DIGIT = re.compile(rf"(?<=\d)\s+(?=年|月|日|%|万|亿|{_UNITS})")
_CJK_PUNCT = "，。！？、；：“”‘’（）《》【】…"
_SPACE_AT_PUNCT = re.compile(rf"\s+(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}])\s+")


def _spaces(text: str) -> str:
    """Collapsed whitespace; none between a figure and its unit, nor around Chinese punctuation.

    Spaces between words stay: in a search-box query ("2013年 西城区 收入") they separate the pieces.
    """
    text = re.sub(r"\s+", " ", text).strip()
    return _SPACE_AT_PUNCT.sub("", _UNIT_AFTER_DIGIT.sub("", text))


_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_PUNCT = {"?": "？", "!": "！", ",": "，", ";": "；", ":": "："}
_LONE_ASCII_PUNCT = re.compile(r"(?<!\d)[,:]|[,:](?!\d)|[?!;]")
_MARK_RUN = re.compile(r"[？！?!]{2,}")
_COMMA_RUN = re.compile(r"([，。、；])\1+")


def _punctuation(text: str) -> str:
    """One question or exclamation mark for a run of them; full-width marks in a Chinese question."""
    chinese = bool(_CJK.search(text))

    def mark_run(m: re.Match[str]) -> str:
        mark = "?" if "?" in m.group() or "？" in m.group() else "!"
        return _ASCII_PUNCT[mark] if chinese else mark

    text = _MARK_RUN.sub(mark_run, text)
    if chinese:
        text = _LONE_ASCII_PUNCT.sub(lambda m: _ASCII_PUNCT[m.group()], text)
        text = _SPACE_AT_PUNCT.sub("", text)
    return _COMMA_RUN.sub(r"\1", text)


# Acronyms the reports print in capitals (GDP, PM2.5, CBD) are at most five letters; longer Latin
# words in a Chinese question are names ("xicheng") that the English lexicon matches in any case.
_SHORT_LATIN = re.compile(r"(?<![A-Za-z])[a-z]{2,5}(?=\d|[^A-Za-z]|$)")


def _acronyms(text: str) -> str:
    if not _CJK.search(text):
        return text  # an English question: its words are looked up case-insensitively (qa.lexicon)
    return _SHORT_LATIN.sub(lambda m: m.group().upper(), text)


def to_user_script(text: str, script: str) -> str:
    """A message in the script the user typed: traditional for a traditional-script question.

    For labels and notices only.  Quoted report text (“…”, 「…」, 『…』) inside ``text`` is left as
    the report prints it; callers must not pass citations or evidence through this at all.
    """
    if script != TRADITIONAL:
        return text
    convert = _converter("s2t").convert
    parts = re.split(r"(“[^”]*”|「[^」]*」|『[^』]*』)", text)
    return "".join(p if i % 2 else convert(p) for i, p in enumerate(parts))
