"""Adding and removing documents: validate first, so a bad file never touches the corpus.

Used by the CLI (``python -m index add/remove``) and the web app's documents
tab; both then run an incremental build, which embeds only the new document.

Crash safety (``kill -9`` at any moment): a new document is written as a
hidden ``.name.part``, synced, then renamed, so the corpus holds the whole
file or nothing the build would read; leftovers of a killed copy are removed
by the next add.  The index itself is swapped atomically by the build, so a
killed build leaves the previous index serving; adding the same file again
then finishes the job instead of being refused as a duplicate.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from .catalog import read_catalog, write_catalog
from .config import Settings
from .ingest import corpus_files, file_sha256, ingest_file
from .load import SUPPORTED_SUFFIXES, LoadError
from .store import BuildReport, Progress, build_index, build_lock, read_manifest

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
    """Delete a document (by id or file name) from the corpus and the catalog, then rebuild."""
    with build_lock(settings):
        path = resolve_doc(settings, doc)
        catalog = read_catalog(settings.corpus_dir)
        if catalog.pop(path.stem, None) is not None:
            write_catalog(settings.corpus_dir, catalog)
        path.unlink()
    return build_index(settings, progress=progress)
