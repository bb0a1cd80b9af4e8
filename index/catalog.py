"""Document metadata: from ``corpus/catalog.json`` when present, inferred otherwise.

A report dropped into ``corpus/`` without a catalog entry must still be
searchable and citable, so title, years and date are read off its text and
file name; the catalog only makes them exact.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .schema import DocMeta

CATALOG_NAME = "catalog.json"

_YEAR = r"((?:19|20)\d{2})"


def read_catalog(corpus_dir: Path) -> dict[str, dict]:
    path = corpus_dir / CATALOG_NAME
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_catalog(corpus_dir: Path, catalog: dict[str, dict]) -> None:
    path = corpus_dir / CATALOG_NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(catalog, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def doc_id_for(path: Path) -> str:
    return path.stem


def make_meta(path: Path, text: str, entry: dict | None, kind: str) -> DocMeta:
    """Catalog entry when there is one; otherwise what the text and name tell."""
    doc_id = doc_id_for(path)
    if entry:
        return DocMeta.from_dict({"kind": kind, **entry, "doc_id": doc_id, "file": path.name})
    return infer_meta(path, text, kind)


def infer_meta(path: Path, text: str, kind: str) -> DocMeta:
    head = "\n".join(line.strip() for line in text.splitlines()[:40] if line.strip())
    title = _infer_title(head, path)
    date = _infer_date(head)
    reviewed = sorted({int(y) for y in re.findall(_YEAR + r"年(?:工作回顾|重点工作.{0,6}完成情况)", text)})
    planned = sorted(
        {int(y) for y in re.findall(_YEAR + r"年(?:工作安排|主要工作任务|重点工作安排|工作总体要求)", text)}
    )
    year = _first_year(path.stem) or _first_year(title) or (int(date[:4]) if date else None)
    if not reviewed and kind == "task_table" and year:
        reviewed = [year]
    if not reviewed and year and kind == "work_report":
        reviewed = [year - 1]
    if not reviewed:  # no review heading and no year to go by: the years the text speaks of
        reviewed = sorted({int(y) for y in re.findall(_YEAR + r"\s*年", text)})
    if not planned and year and kind == "work_report":
        planned = [year]
    return DocMeta(
        doc_id=doc_id_for(path),
        file=path.name,
        title=title,
        kind=kind,
        year=year,
        years=tuple(reviewed),
        plan_years=tuple(planned),
        date=date,
    )


def _first_year(s: str) -> int | None:
    m = re.search(_YEAR, s)
    return int(m.group(1)) if m else None


def _infer_title(head: str, path: Path) -> str:
    for line in head.splitlines()[:8]:
        line = line.strip(" •·—-")
        if 4 <= len(line) <= 40 and re.search(r"报告|情况|规划|纲要|公报|计划", line):
            return line
    return path.stem


def _infer_date(head: str) -> str:
    m = re.search(_YEAR + r"年(\d{1,2})月(\d{1,2})日", head) or re.search(_YEAR + r"-(\d{1,2})-(\d{1,2})", head)
    if not m:
        return ""
    y, mo, d = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}"
