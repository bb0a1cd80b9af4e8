"""Task tables as typed records, and questions over a whole table.

A key-task table row (index.table parses it at index time into the chunk's fields) becomes
one :class:`TaskRecord`: category, number, task, lead units, status text and a verdict read
from the status.  "哪些任务由区教委牵头？", "住房城市建设委牵头了几项任务？", "2020年有哪些重点任务
延期了？" are answered from every matching record — the count first, then each row, cited —
not from the one sentence a search happens to rank first.

The vocabulary of lead units comes from the records themselves, so a table another district
adds is queried by its own unit names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index import Index

from .extract import Claim, Draft
from .retrieve import Passage
from .understand import Question

# A question over the table asks how many rows, or which rows, of tasks.
_ASKS_ROWS = re.compile(r"哪些|哪几|几项|多少项|几个|多少个|有哪|一共|共几|总共|列出")
_TASK_NOUN = re.compile(r"任务|事项|工作|项目|项")
# Verdict classes a question may select, by the words that select them; the order is the precedence.
_STATUS_ASKED: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"终止|取消"), frozenset({"已终止"})),
    (re.compile(r"延期|推迟|延后|顺延"), frozenset({"延期"})),
    (
        re.compile(r"没有?完成|未完成|没能完成|未能完成|没做完|没落实|未落实|没有落实"),
        frozenset({"已终止", "延期", "未按计划完成", "进行中", "部分完成，其余仍在进行中"}),
    ),
    (re.compile(r"超额完成"), frozenset({"超额完成"})),
    (re.compile(r"(?:还|仍|正)在(?:推进|进行|实施|施工)|推进中|进行中"), frozenset({"进行中", "部分完成，其余仍在进行中"})),
)
_PARENTHESES = re.compile(r"[(（][^)）]*[)）]")
_MIN_UNIT_CHARS = 2  # a whole name after 区 may be two characters ("教委")
_MIN_SUFFIX_CHARS = 3  # a shorter tail of a longer name ("政局", "工委") is part of too many other names


@dataclass(frozen=True)
class TaskRecord:
    """One row of a task table, typed."""

    row: int  # the chunk holding the row
    doc_id: str
    category: str
    number: str
    task: str
    lead_units: tuple[str, ...]
    status: str
    verdict: str


def task_records(index: Index) -> list[TaskRecord]:
    """Every task-table row of the index, in document order."""
    records = []
    for row, chunk in enumerate(index.chunks):
        f = chunk.fields
        if not f.get("task"):
            continue
        units = tuple(u for u in (re.sub(r"\s+", "", u) for u in f.get("lead_units", "").split("、")) if u)
        records.append(
            TaskRecord(
                row=row,
                doc_id=chunk.doc_id,
                category=f.get("category", ""),
                number=f.get("number", ""),
                task=f["task"],
                lead_units=units,
                status=f.get("status", ""),
                verdict=f.get("verdict", ""),  # read from the status at index time (index.status)
            )
        )
    return records


def _names(unit: str) -> list[str]:
    """A unit's names: the name without what is in brackets, and each name in brackets
    ("区住房城市建设委(区重大办)" -> 区住房城市建设委, 区重大办)."""
    return [n for n in (_PARENTHESES.sub("", unit), *re.findall(r"[(（]([^)）]*)[)）]", unit)) if n]


def _mentions(unit: str) -> list[str]:
    """How a question may name a unit: the end of one of its names, as people drop the level
    in front ("区委社会工委" -> 社会工委, "区住房城市建设委" -> 住房城市建设委, "区教委" -> 教委)."""
    out = []
    for name in _names(unit):
        core = name.removeprefix("区")
        out += [name[i:] for i in range(len(name)) if len(name) - i >= _MIN_SUFFIX_CHARS]
        if len(core) >= _MIN_UNIT_CHARS:
            out.append(core)
    return out


@dataclass(frozen=True)
class TableQuery:
    """Which rows a question selects: by a named lead unit, by verdict, or both."""

    unit: str = ""
    verdicts: frozenset[str] = frozenset()


def table_query(q: Question, records: list[TaskRecord]) -> TableQuery | None:
    """The rows a question over the whole table asks for, or None for a question about one row or none."""
    text = q.text
    if not records or not _ASKS_ROWS.search(text) or not _TASK_NOUN.search(text):
        return None
    named = [m for r in records for u in r.lead_units for m in _mentions(u) if m in text]
    unit = max(named, key=len, default="")
    verdicts = next((v for pattern, v in _STATUS_ASKED if pattern.search(text)), frozenset())
    if not unit and not verdicts:
        return None
    if unit and not re.search(r"牵头|负责|主责|承担", text):
        return None  # a unit named for another reason ("区教委的学位任务完成了几项")
    return TableQuery(unit, verdicts)


def _leads(record: TaskRecord, unit: str) -> bool:
    """A record's lead unit is the named one; a name the table prints cut short ("区卫生健康") counts."""
    asked = unit.removeprefix("区")
    return any(
        core.endswith(asked) or asked.startswith(core)
        for u in record.lead_units
        for core in (name.removeprefix("区") for name in _names(u))
    )


def matching(query: TableQuery, records: list[TaskRecord], doc_ids: list[str] | None) -> list[TaskRecord]:
    return [
        r
        for r in records
        if (doc_ids is None or r.doc_id in doc_ids)
        and (not query.unit or _leads(r, query.unit))
        and (not query.verdicts or r.verdict in query.verdicts)
    ]


def answer_table(query: TableQuery, found: list[TaskRecord], index: Index) -> Draft:
    """Count first, then every matching row cited at its task; a refusal names what the table has."""
    if not found:
        return Draft((), 0.0, "table")
    claims = []
    for r in found:
        chunk = index.chunks[r.row]
        at = max(chunk.text.find(r.task), 0)
        passage = Passage(r.row, chunk, index.docs[chunk.doc_id], 1.0, len(claims) + 1)
        task = r.task.rstrip("。；;")
        about = "、".join(r.lead_units) if query.verdicts else r.verdict
        label = f"{r.number}. " if r.number else ""
        claims.append(Claim(f"{label}{task}（{about}）" if about else f"{label}{task}", passage, at, at + len(r.task)))
    return Draft(tuple(claims), 1.0, lead=f"共{len(found)}项：")
