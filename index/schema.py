"""The typed records that flow corpus -> document -> chunks -> index.

They are plain frozen dataclasses so that every stage has explicit inputs and
outputs and can be tested alone; ``to_dict``/``from_dict`` give the JSON form
stored in the index directory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocMeta:
    """What a reader needs to know to trust a citation."""

    doc_id: str  # stable, meaningful: the file stem in corpus/
    file: str  # file name inside corpus/
    title: str
    # work_report | plan_execution | task_table | statistical_release | speech | five_year_plan | other
    kind: str = "work_report"
    year: int | None = None  # year the document was delivered / published
    years: tuple[int, ...] = ()  # years it reports on (reviews / completion status)
    plan_years: tuple[int, ...] = ()  # years it plans for
    date: str = ""  # ISO date when known
    speaker: str = ""  # as printed on the cover: organisation, role and name ("西城区人民政府区长 王少峰")
    session: str = ""
    speaker_role: str = ""  # the role alone (区长, 代区长, 主任), for "谁作的报告" and display
    source_files: tuple[str, ...] = ()  # earlier names of the file (e.g. as received)
    district: str = ""  # the district (county, city) the document is of ("西城区"), read from its own text

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocMeta:
        d = dict(d)
        for key in ("years", "plan_years", "source_files"):
            d[key] = tuple(d.get(key, ()))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    @property
    def place(self) -> str:
        """The district's short name, as questions write it ("西城区" -> 西城)."""
        return self.district[:-1] if len(self.district) > 2 else self.district

    @property
    def years_spoken_of(self) -> set[int]:
        """Every year the document speaks of: its own, those it reports on and those it plans for."""
        return {self.year, *self.years, *self.plan_years} - {None}  # type: ignore[return-value]

    @property
    def years_label(self) -> str:
        """Human label of the reported years, e.g. '2019' or '2012–2016'."""
        if not self.years:
            return str(self.year or "")
        lo, hi = min(self.years), max(self.years)
        return str(lo) if lo == hi else f"{lo}–{hi}"


def covered_years(docs: Iterable[DocMeta]) -> list[int]:
    """Every year some document reviews, reports the status of, or plans for.

    The one range the chat header, the year filter and the not-found message all name.
    """
    return sorted({y for d in docs for y in (*d.years, *d.plan_years)})


@dataclass(frozen=True)
class Block:
    """A paragraph (or table row) of the cleaned text with the section it sits in."""

    start: int
    end: int
    section: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)  # table rows only
    # What the block's section is about (index.meta.section_about): review | plan | status | cover | other,
    # and the years its figures are of ("一、2013年工作回顾" -> review, (2013,)).
    role: str = "other"
    about_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class Document:
    meta: DocMeta
    text: str  # the cleaned text; every offset refers to it
    blocks: tuple[Block, ...]
    sha256: str = ""  # of the source file's bytes


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded, searched and cited.

    ``text == document.text[start:end]`` always holds; ``header`` is context
    (title, year, section) added to what is embedded and keyword-indexed but
    never quoted back.
    """

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    section: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    header: str = ""

    @property
    def search_text(self) -> str:
        return f"{self.header}\n{self.text}" if self.header else self.text

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["section"] = list(self.section)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        d = dict(d)
        d["section"] = tuple(d.get("section", ()))
        return cls(**d)


@dataclass(frozen=True)
class Statement:
    """One figure a document states for a named indicator (index.indicators), with its citation.

    ``indicator`` is the normalised name a series is collected under; ``wording`` is the report's own
    (区级公共财政预算收入 and 一般公共预算收入 are one series, each row keeps its words).  ``value`` is
    as written in ``unit``; ``base`` is the same figure in the unit's base (元 for money, 人 for 万人) so
    figures written as 万元 and 亿元 share one axis.  ``start``/``end`` are offsets of the stating
    clause in the document text.
    """

    doc_id: str
    indicator: str
    wording: str
    value: float | None  # None: only a growth rate is stated ("地区生产总值增长6%左右")
    unit: str
    base: float | None
    base_unit: str
    year: int | None  # None for a period figure (累计 / 年均)
    years: tuple[int, ...]  # the period of a 累计 / 年均 figure
    kind: str  # 实际 | 预计 | 目标 | 调整后目标 | 累计 | 年均
    growth: float | None  # percent, as stated ("同比增长9%左右" -> 9.0, "下降17%" -> -17.0)
    start: int
    end: int
    section: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["years"], d["section"] = list(self.years), list(self.section)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Statement:
        d = dict(d)
        d["years"], d["section"] = tuple(d.get("years", ())), tuple(d.get("section", ()))
        return cls(**d)
