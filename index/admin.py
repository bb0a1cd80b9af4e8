"""Adding, removing and correcting documents: validate first, so a bad request never touches the corpus.

Used by the CLI (``python -m index add/remove``) and the web app's documents
tab; both then run an incremental build, which embeds only the new document.

Crash safety (``kill -9`` at any moment): a new document is written as a
hidden ``.name.part``, synced, then renamed, so the corpus holds the whole
file or nothing the build would read; leftovers of a killed copy are removed
by the next add.  The index itself is swapped atomically by the build, so a
killed build leaves the previous index serving; adding the same file again
then finishes the job instead of being refused as a duplicate.  A removal and
a metadata correction go through the store's journal (``store.commit_change``),
so a kill at any moment leaves corpus and index agreeing once the next start
has run; the order of operations is in ``index/store.py``.

A metadata correction is stored as the document's catalog entry (the fields
given replace the ones read off the text; ``field=`` drops a correction), so
it survives every rebuild, and it is applied without re-embedding.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from pathlib import Path

from .config import Settings
from .ingest import corpus_files, file_sha256, ingest_file
from .load import SUPPORTED_SUFFIXES, LoadError
from .schema import DocMeta
from .store import (
    BuildReport,
    Progress,
    build_index,
    build_lock,
    check_store,
    commit_change,
    read_journal,
    read_manifest,
)

_SAFE_NAME = re.compile(r"^[\w\u3400-\u9fff][\w\u3400-\u9fff.\- ]{0,120}$")


class AdminError(Exception):
    """A refused admin action; the message is shown to the user as is."""


def safe_name(name: str) -> str:
    """A plain file name: no directories, no '..', no hidden files, a supported suffix."""
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise AdminError(f"文件名不合法（不能包含路径分隔符或“..”）: {name!r}")
    if not _SAFE_NAME.match(name):
        raise AdminError(f"文件名不合法: {name!r}")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise AdminError(
            f"不支持的文件类型 {Path(name).suffix or '(无后缀)'}；支持: {', '.join(sorted(SUPPORTED_SUFFIXES))}"
        )
    return name


def add_document(
    settings: Settings, source: Path, name: str | None = None, progress: Progress | None = None
) -> BuildReport:
    """Copy a checked file into the corpus and index it; refuse duplicates and unreadable files."""
    name = safe_name(name or source.name)
    check_store(settings)  # an unusable Milvus refuses the file before it is copied into the corpus
    if not source.is_file():
        raise AdminError(f"找不到文件: {name}")
    size = source.stat().st_size
    if size > settings.max_upload_bytes:
        raise AdminError(f"{name}: 文件过大 ({size} 字节，上限 {settings.max_upload_bytes} 字节)")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / name
        shutil.copyfile(source, probe)
        try:
            ingest_file(probe, max_bytes=settings.max_upload_bytes)
        except LoadError as exc:
            raise AdminError(f"无法读取 {name}: {exc}") from exc
        sha = file_sha256(probe)
        with build_lock(settings):
            for leftover in settings.corpus_dir.glob(".*.part"):  # from a copy killed half-way
                leftover.unlink()
            if not _copied_but_not_indexed(settings, name, sha):
                _refuse_duplicate(settings, name, sha)
                _install(probe, settings.corpus_dir / name)
    return build_index(settings, progress=progress)


def _copied_but_not_indexed(settings: Settings, name: str, sha: str) -> bool:
    """Is this very file already in the corpus but missing from the index (its add was killed mid-build)?"""
    target = settings.corpus_dir / name
    if not target.is_file() or file_sha256(target) != sha:
        return False
    indexed = {d["file"] for d in (read_manifest(settings) or {}).get("docs", {}).values()}
    return name not in indexed


def _refuse_duplicate(settings: Settings, name: str, sha: str) -> None:
    for existing in corpus_files(settings.corpus_dir):
        if file_sha256(existing) == sha:
            raise AdminError(f"{name} 与已收录的 {existing.name} 内容相同，未重复添加")
        if existing.stem == Path(name).stem:
            raise AdminError(f"已有同名文档 {existing.name}；请先删除或改名")


def _install(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` so that ``target`` appears whole or not at all, even across a crash."""
    part = target.with_name(f".{target.name}.part")
    with source.open("rb") as src, part.open("wb") as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    part.replace(target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself survives a power cut
    finally:
        os.close(fd)


def resolve_doc(settings: Settings, doc: str) -> Path:
    for path in corpus_files(settings.corpus_dir):
        if doc in (path.name, path.stem):
            return path
    raise AdminError(f"没有这个文档: {doc}")


def remove_document(settings: Settings, doc: str, progress: Progress | None = None) -> BuildReport:
    """Delete a document (by id or file name) from the corpus, the catalog and the index, atomically."""
    pending = read_journal(settings)
    if pending:  # an interrupted change: finish it first (it may be this very removal, repeated)
        report = build_index(settings, progress=progress)
        if pending["action"] == "remove" and pending["doc"] in (doc, Path(doc).stem):
            return report
    path = resolve_doc(settings, doc)
    return commit_change(settings, {"action": "remove", "doc": path.stem}, progress=progress)


# Fields an admin may correct: every DocMeta field but the identity (id and file name come from the file).
CORRECTABLE = tuple(f.name for f in dataclasses.fields(DocMeta) if f.name not in {"doc_id", "file"})


def parse_fields(pairs: list[str]) -> dict[str, object]:
    """``["speaker=区长 王某", "years=2012-2016"]`` -> typed values; an empty value drops the correction (None)."""
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or key not in CORRECTABLE:
            raise AdminError(f"无法识别的字段 {pair!r}；可更正的字段: {', '.join(CORRECTABLE)}（写成 字段=值）")
        out[key] = _typed(key, raw.strip())
    if not out:
        raise AdminError("请给出要更正的字段，例如 speaker=区长 王某")
    return out


def _typed(key: str, raw: str) -> object:
    """The JSON value a catalog entry holds for ``key`` (years: '2012-2016' or '2012,2014')."""
    if raw == "":
        return None
    kind = str(next(f.type for f in dataclasses.fields(DocMeta) if f.name == key))
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("tuple[int"):
            return _years(raw)
    except ValueError:
        raise AdminError(f"{key} 的值应为年份（如 2016、2012-2016 或 2012,2014），收到 {raw!r}") from None
    if kind.startswith("tuple"):
        return [part.strip() for part in re.split(r"[,，、]", raw) if part.strip()]
    if key == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise AdminError(f"date 的值应写成 YYYY-MM-DD，收到 {raw!r}")
    return raw


def _years(raw: str) -> list[int]:
    years: set[int] = set()
    for part in re.split(r"[,，、\s]+", raw):
        lo, _, hi = part.partition("-")
        years.update(range(int(lo), int(hi or lo) + 1))
    if not years or min(years) < 1900 or max(years) > 2100 or len(years) > 50:
        raise ValueError(raw)
    return sorted(years)


def set_metadata(
    settings: Settings, doc: str, fields: dict[str, object], progress: Progress | None = None
) -> BuildReport:
    """Correct a document's metadata: stored as its catalog entry, applied to the index without re-embedding."""
    if read_journal(settings):
        build_index(settings, progress=progress)  # an interrupted change is finished first
    path = resolve_doc(settings, doc)
    unknown = sorted(set(fields) - set(CORRECTABLE))
    if unknown:
        raise AdminError(f"不能更正的字段: {', '.join(unknown)}；可更正的字段: {', '.join(CORRECTABLE)}")
    change = {"action": "set-meta", "doc": path.stem, "fields": fields}
    return commit_change(settings, change, progress=progress)
