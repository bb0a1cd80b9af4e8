"""Parse a key-task completion table (重点工作完成情况) published as a web page.

Once reduced to text, such a page holds a header line (类别 序号 重点督办内容
牵头单位 全年完成情况) and one line per task in which the five columns are fused
with no separator; a few rows are broken over several lines (the row's line
ends after the task, then each lead unit stands on a line of its own, then the
status).  Questions like "who leads X" or "was X done" need those columns
apart, so this module rebuilds one clean line per row and splits it.

Nothing here lists this particular table's rows.  Row numbers rise by one, so
the expected number tells where the category (the text before it) ends; lead
units are recognised by the shape of Chinese government unit names (a place
prefix such as 区/市/西城, an organisational suffix such as 委/局/办/中心/支队,
an optional alias in brackets) together with the names that recur as the lead
unit of several rows; the status is whatever follows the units.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_HEADER_MAX_CHARS = 40  # a header is short; a long line naming both is prose
_FOOTER_MAX_CHARS = 60  # footer lines are short; a status mentioning 邮箱 is not
_MIN_ROWS = 10  # "many numbered rows": fewer is a list in prose, not a table
_MAX_UNIT_CHARS = 12  # longest core name (before a branch or alias) considered

_DATE = re.compile(r"发布时间\s*[::]")
_FOOTER = re.compile(
    r"回到顶部|政务服务热线|邮编|邮箱|官方微信|主办\s*[::]|承办\s*[::]"
    r"|网站标识码|ICP备|公网安备"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CATEGORY_CHARS = r"[\u4e00-\u9fff“”《》()()、]"
# Unit names open with a place: 区…, 市…, 西城…, 北京…/北展…, 各街道….
_UNIT_PREFIX = re.compile(r"西城|[区市北各]")
_COMPOUND_SUFFIXES = ("办公室", "办事处", "指挥部", "委员会", "管委会")
_TWO_CHAR_SUFFIXES = ("中心", "支队", "分局", "政府", "公司")
_ONE_CHAR_SUFFIXES = ("委", "局", "办", "院", "会", "团", "联", "队", "部", "所")
_SUFFIXES = _COMPOUND_SUFFIXES + _TWO_CHAR_SUFFIXES + _ONE_CHAR_SUFFIXES
# Suffixes distinctive enough to mark a unit that has no place prefix
# (大栅栏琉璃厂建设指挥部) when it follows another unit after a separator.
_STRONG_SUFFIXES = ("指挥部", "办事处", "委员会", "管委会", "支队")
# How a status column opens (a verb of progress, a time, a cause, a figure): a unit name never
# runs on into one, so 区财政局 does not swallow the 会 of "会同…", while 区政府|外事办 and
# 区委|宣传部 run on to their last suffix.
_STATUS_OPENING = re.compile(
    r"已|完成|正在|会同|按照|根据|通过|全面|圆满|顺利|基本|截至|截止|目前|今年|年内|全年|因|受|由于|经|该|本项|"
    r"组织|联合|牵头|累计|共计|持续|积极|推动|开展|启动|实现|建成|[\d０-９]"
)
_BRANCH = re.compile(r"(?:西城|[区市])?分局")  # 市规划和自然资源委 + 西城分局
_ALIAS = re.compile(r"\s*[((][\u4e00-\u9fff]{1,12}[))]")  # (区重大办)
_SEPARATOR = re.compile(r"[\s、]+")
_UNIT_LINE = re.compile(r"[\u4e00-\u9fff()()]{2,24}")


@dataclass(frozen=True)
class TaskRow:
    """One task of the table; ``text[start:end]`` of the parsed text is its line."""

    category: str
    number: int
    task: str
    lead_units: tuple[str, ...]
    status: str
    start: int
    end: int


@dataclass(frozen=True)
class _SourceRow:
    """A row as found in the source: its opening line and any lines it spills onto."""

    category: str
    number: int
    rest: str  # the opening line after category and number
    extra: tuple[str, ...]  # stripped non-blank lines up to the next row


@dataclass(frozen=True)
class _Split:
    """A row's columns after category and number, each exactly as in its line."""

    task: str
    units: tuple[str, ...]
    status: str
    line_tail: str  # what follows category and number in the rebuilt line


def looks_like_task_table(raw: str) -> bool:
    """True for text laid out as a numbered task table with lead units and status.

    Decided from the content (a header naming a lead-unit and a status column, followed
    by many numbered rows) so that any such table is recognised, whatever its file.
    """
    lines = raw.splitlines()
    header = _header_index(lines)
    if header is None:
        return False
    roles = _column_roles(lines[header])
    if roles is not None:
        return len(_delimited_rows(lines[header + 1 :], roles)[0]) >= _MIN_ROWS
    rows, _ = _group_rows(lines[header + 1 :])
    return len(rows) >= _MIN_ROWS


def parse_task_table(raw: str) -> tuple[str, list[TaskRow]]:
    """Return the cleaned table text and its rows.

    The text keeps the title, publication date and header lines, then one line
    per row (rows broken over several source lines are re-joined, their lead
    units with "、"), and drops the site furniture and footer around the table.
    """
    lines = raw.splitlines()
    header = _header_index(lines)
    if header is None:
        raise ValueError("no header line naming a lead-unit and a status column")
    head = _preamble(lines[:header])
    roles = _column_roles(lines[header])
    if roles is not None:
        rows, notes = _delimited_rows(lines[header + 1 :], roles)
        return _assemble_delimited([*head, lines[header].strip(), *notes], rows)
    sources, notes = _group_rows(lines[header + 1 :])
    vocabulary = _recurring_units(sources)
    return _assemble([*head, lines[header].strip(), *notes], sources, vocabulary)


# How task tables name their columns (牵头单位 / 责任单位 / 主责部门; 完成情况 / 推进情况 / 完成进展; …):
# a header is a short line naming a lead-unit column and a status column.
LEAD_UNIT_WORDS = re.compile(r"(?:牵头|责任|主责|负责|承办|主办|实施)(?:单位|部门)")  # also how questions ask
_STATUS_COLUMN = re.compile(r"(?:完成|推进|落实|执行|工作|进展)(?:情况|进展|进度)")
_NUMBER_COLUMN = re.compile(r"^(?:序号|编号|号)$")
_CATEGORY_COLUMN = re.compile(r"类别|领域|分类|板块|类型")
# Column separators of a table exported as text: tabs, vertical bars, or runs of spaces.
_CELL_SEPARATOR = re.compile(r"\t|[|｜]|[ 　]{2,}")


def _header_index(lines: list[str]) -> int | None:
    """Index of the column-header line: short and naming a lead-unit and a status column."""
    for index, line in enumerate(lines):
        text = line.strip()
        if len(text) <= _HEADER_MAX_CHARS and LEAD_UNIT_WORDS.search(text) and _STATUS_COLUMN.search(text):
            return index
    return None


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in _CELL_SEPARATOR.split(line.strip())]


def _column_roles(header: str) -> list[str] | None:
    """Each column's role (category, number, task, units, status), for a header whose columns are
    separated; None for a fused header, whose rows are split by the shape of their content."""
    cells = _cells(header)
    if len(cells) < 3:
        return None
    roles = []
    for cell in cells:
        if LEAD_UNIT_WORDS.search(cell):
            roles.append("units")
        elif _STATUS_COLUMN.search(cell):
            roles.append("status")
        elif _NUMBER_COLUMN.match(cell):
            roles.append("number")
        elif _CATEGORY_COLUMN.search(cell):
            roles.append("category")
        else:
            roles.append("task")
    return roles if {"units", "status"} <= set(roles) else None


def _delimited_rows(body: list[str], roles: list[str]) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of a table with separated columns: a line with a cell per column opens a row; a line
    with fewer continues the row above (a status broken over lines); the footer ends the table."""
    rows: list[dict[str, str]] = []
    notes: list[str] = []
    for line in body:
        text = line.strip()
        cells = _cells(line)
        if len(cells) == len(roles) and ("number" not in roles or cells[roles.index("number")].isdigit()):
            row: dict[str, str] = {}
            for role, cell in zip(roles, cells, strict=True):
                row[role] = f"{row[role]} {cell}" if role in row else cell  # two task columns read as one
            rows.append(row)
        elif _is_footer(text):
            break
        elif text and rows:
            rows[-1]["status"] += text
        elif text:
            notes.append(text)
    return rows, notes


def _assemble_delimited(head: list[str], rows: list[dict[str, str]]) -> tuple[str, list[TaskRow]]:
    """The head lines and one line per row (its cells, tab-separated as read), with each row's offsets."""
    lines = list(head)
    offset = sum(len(line) + 1 for line in lines)
    out: list[TaskRow] = []
    for index, row in enumerate(rows, start=1):
        number = int(row["number"]) if row.get("number", "").isdigit() else index
        units = tuple(u for u in _SEPARATOR.split(row["units"]) if u) if row["units"] else ()
        line = "\t".join(row.values())
        out.append(
            TaskRow(
                row.get("category", ""), number, row.get("task", ""), units, row["status"], offset, offset + len(line)
            )
        )
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), out


def _preamble(lines: list[str]) -> list[str]:
    """Title, date and caption lines; the site banner and repeated title dropped.

    Web pages repeat the title just above the 发布时间 line, so that line's
    predecessor is the title and anything before its first occurrence is site
    furniture (site name, 信息详情); the date line itself is page furniture too
    (index.meta reads the date off the raw page).
    """
    kept = [line.strip() for line in lines if line.strip()]
    date = next((i for i, line in enumerate(kept) if _DATE.match(line)), None)
    if date is not None and date > 0:
        kept = kept[kept.index(kept[date - 1]) :]
    return [line for line in dict.fromkeys(kept) if not _DATE.match(line)]  # the date is page furniture


def _group_rows(body: list[str]) -> tuple[list[_SourceRow], list[str]]:
    """Rows found after the header, plus any lines of note before the first row.

    A line opens row n when it is a category followed by the number n; other
    non-blank lines belong to the row above.  The table ends at the footer.
    """
    rows: list[_SourceRow] = []
    notes: list[str] = []
    for line in body:
        text = line.strip()
        opened = _open_row(line, len(rows) + 1)
        if opened is not None:
            rows.append(opened)
        elif _is_footer(text):
            break
        elif text and rows:
            last = rows[-1]
            rows[-1] = _SourceRow(last.category, last.number, last.rest, (*last.extra, text))
        elif text:
            notes.append(text)
    return rows, notes


def _open_row(line: str, number: int) -> _SourceRow | None:
    """The row opened by `line` if it starts with a category and then `number`.

    Searching for the expected number rather than any digits is what separates
    "城市环境品质提升65" from a task that itself begins "1.围绕…".
    """
    match = re.match(rf"({_CATEGORY_CHARS}{{2,40}}?){number}", line)
    if match is None:
        return None
    return _SourceRow(match.group(1), number, line[match.end() :].rstrip(), ())


def _is_footer(text: str) -> bool:
    """A short line of the site footer (回到顶部, 热线, 邮编, ICP …)."""
    return len(text) <= _FOOTER_MAX_CHARS and _FOOTER.search(text) is not None


def _recurring_units(sources: list[_SourceRow]) -> frozenset[str]:
    """Unit names that lead more than one row, found by shape at sentence starts.

    A name seen as the lead unit of several rows is a unit, whatever its shape;
    this lets a row whose task lacks a closing "。" still be split at the name.
    """
    counts = Counter(
        split.units[0] for split in (_split_line(source.rest, frozenset()) for source in sources) if split.units
    )
    return frozenset(name for name, count in counts.items() if count > 1)


def _assemble(head: list[str], sources: list[_SourceRow], vocabulary: frozenset[str]) -> tuple[str, list[TaskRow]]:
    """Join the head lines and one line per row, recording each row's offsets."""
    lines = list(head)
    offset = sum(len(line) + 1 for line in lines)
    rows: list[TaskRow] = []
    for source in sources:
        split = _split_row(source, vocabulary)
        line = f"{source.category}{source.number}{split.line_tail}"
        rows.append(
            TaskRow(
                source.category,
                source.number,
                split.task,
                split.units,
                split.status,
                offset,
                offset + len(line),
            )
        )
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), rows


def _split_row(source: _SourceRow, vocabulary: frozenset[str]) -> _Split:
    """Split a row, taking in the unit and status lines it spilled onto."""
    split = _split_line(source.rest, vocabulary)
    if not source.extra:
        return split
    if split.status:  # the row's own line had a status: the rest continues it
        unit_lines, status_lines = (), source.extra
    else:
        unit_lines, status_lines = _leading_unit_lines(source.extra)
    joiner = "、" if split.units and unit_lines else ""
    tail = split.line_tail + joiner + "、".join(unit_lines) + "".join(status_lines)
    status = (split.status + "".join(status_lines)).strip()
    return _Split(split.task, split.units + unit_lines, status, tail)


def _leading_unit_lines(
    extra: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split spilled lines into the leading unit-name lines and the status lines.

    A line holding only a short run of Chinese characters (with an optional
    bracketed alias) is a unit even when truncated in the source (区财政).
    """
    count = 0
    while count < len(extra) and _UNIT_LINE.fullmatch(extra[count]):
        count += 1
    return extra[:count], extra[count:]


def _split_line(rest: str, vocabulary: frozenset[str]) -> _Split:
    """Split a row's own line (after category and number) into task, units, status."""
    start = _first_unit_start(rest, vocabulary)
    if start is None:
        return _Split(rest.strip(), (), "", rest)
    units, end = _read_units(rest, start, vocabulary)
    return _Split(rest[:start].strip(), units, rest[end:].strip(), rest)


def _first_unit_start(text: str, vocabulary: frozenset[str]) -> int | None:
    """Where the lead units begin: the earliest unit after a "。", or a known name.

    The task ends with a sentence, so a unit-shaped name after "。" opens the
    units; a name known to lead other rows marks them even without the "。".
    """
    starts = [m.end() for m in re.finditer("。", text) if _unit_end(text, m.end(), vocabulary, False)]
    starts += [m.start() for name in vocabulary for m in re.finditer(re.escape(name), text)]
    return min(starts, default=None)


def _read_units(text: str, start: int, vocabulary: frozenset[str]) -> tuple[tuple[str, ...], int]:
    """The run of unit names from `start` and the offset where the status begins.

    A second name fused straight onto the first must be a known name, because
    statuses often open with a unit-like phrase (区政府党组…); after blanks or
    "、" any unit-shaped name, even without a place prefix, continues the run.
    """
    units: list[str] = []
    end = _unit_end(text, start, vocabulary, False)
    position = start
    while end is not None:
        units.append(text[position:end].strip())
        separator = _SEPARATOR.match(text, end)
        if separator:
            position = separator.end()
            next_end = _unit_end(text, position, vocabulary, True)
        else:
            position = end
            next_end = _known_end(text, position, vocabulary)
        if next_end is None:
            break
        end = next_end
    return tuple(units), end


def _unit_end(text: str, start: int, vocabulary: frozenset[str], unprefixed_ok: bool) -> int | None:
    """End of the unit name at `start`, with its alias.

    A known name wins over a longer shape when another known name follows it
    (区科协区教委 is two units); otherwise the longer reading wins, so that the
    shape 区政府外办 beats a known 区政府.
    """
    known = _known_end(text, start, vocabulary)
    shaped = _shaped_end(text, start, unprefixed_ok)
    shape_wins = known is None or (
        shaped is not None and shaped > known and _known_end(text, known, vocabulary) is None
    )
    end = shaped if shape_wins else known
    if end is None:
        return None
    alias = _ALIAS.match(text, end)
    return alias.end() if alias else end


def _known_end(text: str, start: int, vocabulary: frozenset[str]) -> int | None:
    """End of the longest known unit name at `start`, if any."""
    lengths = [len(name) for name in vocabulary if text.startswith(name, start)]
    return start + max(lengths) if lengths else None


def _shaped_end(text: str, start: int, unprefixed_ok: bool) -> int | None:
    """End of a name shaped like a government unit at `start`, if any.

    The name is a run of Chinese characters ending in an organisational suffix,
    possibly followed by a branch (…委西城分局).  Without a place prefix only
    the distinctive suffixes count.
    """
    if _UNIT_PREFIX.match(text, start):
        suffixes = _SUFFIXES
    elif unprefixed_ok:
        suffixes = _STRONG_SUFFIXES
    else:
        return None
    limit = min(len(text), start + _MAX_UNIT_CHARS)
    run_end = start
    while run_end < limit and _CJK.match(text[run_end]):
        run_end += 1
    ends = [e for e in range(start + 2, run_end + 1) if text.endswith(suffixes, start, e)]
    if not ends:
        return None
    end = _last_linked_end(text, start, ends, suffixes)
    branch = _BRANCH.match(text, end)
    return branch.end() if branch else end


def _last_linked_end(text: str, start: int, ends: list[int], suffixes: tuple[str, ...]) -> int:
    """Where the name ends among the places a suffix ends: the last one before the status opens.

    A unit name is a chain of organisational words (区政府 + 外事办, 区委 + 宣传部,
    区城市管理 + 委员会); it ends where the text after a suffix opens the status
    or starts another name with its own place prefix.
    """
    end = ends[0]
    for candidate in ends[1:]:
        if _STATUS_OPENING.match(text, end) or _UNIT_PREFIX.match(text, end):
            break  # the status opens, or another name does (a name never repeats its place prefix)
        end = candidate
    return end
