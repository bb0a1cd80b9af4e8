"""One source file -> one :class:`Document` (load, clean, structure).

The task-status table and prose reports take different structure paths, but
both end as cleaned text plus blocks with offsets, so everything downstream
is the same.  Metadata is inferred from the result (:mod:`index.meta`) and the
catalog entry overrides it; every block then records what its section is about.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from .catalog import make_meta
from .clean import clean_text
from .load import SUPPORTED_SUFFIXES, LoadError, load_text
from .meta import infer_meta, section_about
from .schema import Block, Document
from .status import status_verdict
from .structure import structure
from .table import looks_like_task_table, parse_task_table


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks (index files can be large)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every document file in the corpus folder (the catalog and READMEs are not documents)."""
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.lower() != "readme.md"
    )


def ingest_file(path: Path, catalog_entry: dict | None = None, max_bytes: int | None = None) -> Document:
    """Raises :class:`LoadError` (naming the file) when the file cannot be read."""
    raw = load_text(path, max_bytes=max_bytes)
    if looks_like_task_table(raw):
        text, rows = parse_task_table(raw)
        blocks = [
            Block(
                r.start,
                r.end,
                (r.category,),
                {
                    "category": r.category,
                    "number": str(r.number),
                    "task": r.task,
                    "lead_units": "、".join(r.lead_units),
                    "status": r.status,
                    "verdict": status_verdict(r.status),
                },
            )
            for r in rows
        ]
        is_table = True
    else:
        text = clean_text(raw)
        blocks = structure(text)
        is_table = False
    if not text.strip():
        raise LoadError(f"{path.name}: no text left after cleaning")
    sections = list(dict.fromkeys(b.section for b in blocks))
    meta = make_meta(infer_meta(path, text, raw, sections, is_table), catalog_entry)
    abouts = {s: section_about(s, meta) for s in sections}
    blocks = [dataclasses.replace(b, role=abouts[b.section].role, about_years=abouts[b.section].years) for b in blocks]
    return Document(meta=meta, text=text, blocks=tuple(blocks), sha256=file_sha256(path))
