"""Back-ups: ``python -m index export DIR`` / ``import DIR`` to move or restore a deployment.

An archive is a plain folder (copy it with any tool)::

    DIR/manifest.json          format, version, time, and for every file its size and SHA-256
    DIR/corpus/<files>         the report files as served
    DIR/corpus/catalog.json    their catalog, which holds the admins' metadata corrections
    DIR/feedback.jsonl         the 👍/👎 log (when there is one)

The index is not archived: it is rebuilt from these on import (vectors of
unchanged passages are reused from the index already there).

Import checks the whole archive before it changes anything: the manifest must
be ours (format and version), every listed file present with its size and
checksum, nothing unlisted, every name a plain file name.  A damaged or
foreign archive is refused with a message saying what is wrong, and the
deployment is left untouched.  The new corpus is staged beside the old one
and exchanged with it in one ``renameat2(RENAME_EXCHANGE)`` call, inside the
store's journal (``store.commit_change``), so a kill at any moment leaves
either the old or the new corpus, and the next start builds the index that
matches it.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import time
from pathlib import Path

from .admin import AdminError, safe_name
from .catalog import CATALOG_NAME
from .config import Settings
from .ingest import corpus_files, file_sha256
from .store import BuildReport, Progress, commit_change

FORMAT = "xqa-backup"
VERSION = 1
MANIFEST = "manifest.json"
FEEDBACK = "feedback.jsonl"
_RENAME_EXCHANGE = 2  # linux/fs.h


def export_deployment(settings: Settings, target: Path) -> dict:
    """Write an archive of the corpus, catalog and feedback log to ``target`` (new or empty); return its manifest."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise AdminError(f"导出目录 {target} 已存在且不是空目录；请换一个新目录")
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "corpus").mkdir(parents=True)
    sources = [*corpus_files(settings.corpus_dir), settings.corpus_dir / CATALOG_NAME]
    for path in sources:
        if path.is_file():
            shutil.copy2(path, partial / "corpus" / path.name)
    feedback = settings.var_dir / FEEDBACK
    if feedback.is_file():
        shutil.copy2(feedback, partial / FEEDBACK)
    files = sorted(p for p in partial.rglob("*") if p.is_file())
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": sorted(p.stem for p in corpus_files(partial / "corpus")),
        "files": {
            p.relative_to(partial).as_posix(): {"bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in files
        },
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    if target.exists():
        target.rmdir()  # empty, checked above
    partial.rename(target)
    return manifest


def check_archive(source: Path) -> dict:
    """The archive's manifest, once every file is verified; :class:`AdminError` saying what is wrong otherwise."""
    path = source / MANIFEST
    if not path.is_file():
        raise AdminError(f"{source} 不是本系统导出的备份（缺少 {MANIFEST}），未做任何改动")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AdminError(f"备份清单 {MANIFEST} 已损坏（{exc}），未做任何改动") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise AdminError(f"{source} 不是本系统导出的备份（清单格式不是 {FORMAT}），未做任何改动")
    if manifest.get("version") != VERSION:
        raise AdminError(f"备份版本 {manifest.get('version')!r} 无法读取（本程序读取版本 {VERSION}），未做任何改动")
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise AdminError("备份清单缺少文件列表，未做任何改动")
    for name in listed:
        _check_name(name)
    present = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()} - {MANIFEST}
    if extra := sorted(present - set(listed)):
        raise AdminError(f"备份中有清单未列出的文件: {', '.join(extra[:5])}，可能不是本系统的备份，未做任何改动")
    if missing := sorted(set(listed) - present):
        raise AdminError(f"备份不完整，缺少: {', '.join(missing[:5])}，未做任何改动")
    for name, want in listed.items():
        got = source / name
        if got.stat().st_size != want.get("bytes") or file_sha256(got) != want.get("sha256"):
            raise AdminError(f"备份文件 {name} 已损坏（校验和不符），未做任何改动")
    catalog = source / "corpus" / CATALOG_NAME
    if catalog.is_file():
        try:
            if not isinstance(json.loads(catalog.read_text(encoding="utf-8")), dict):
                raise ValueError("not an object")
        except (UnicodeDecodeError, ValueError) as exc:
            raise AdminError(f"备份中的 {CATALOG_NAME} 无法读取（{exc}），未做任何改动") from exc
    return manifest


def _check_name(name: str) -> None:
    """Only ``corpus/<plain file name>`` and the feedback log: an archive can never write elsewhere."""
    parts = name.split("/")
    ok = name == FEEDBACK or (len(parts) == 2 and parts[0] == "corpus" and parts[1] == CATALOG_NAME)
    if not ok and len(parts) == 2 and parts[0] == "corpus":
        try:
            safe_name(parts[1])
            ok = True
        except AdminError:
            ok = False
    if not ok:
        raise AdminError(f"备份清单中有不允许的路径 {name!r}，未做任何改动")


def import_deployment(settings: Settings, source: Path, progress: Progress | None = None) -> BuildReport:
    """Replace corpus, catalog and feedback log with a checked archive's, then bring the index in line."""
    check_archive(source)
    corpus = settings.corpus_dir
    staged = corpus.with_name(f".{corpus.name}.import")
    shutil.rmtree(staged, ignore_errors=True)  # from an import killed before its exchange
    shutil.copytree(source / "corpus", staged)
    check_archive_copy(source, staged)
    corpus.mkdir(parents=True, exist_ok=True)

    def exchange() -> None:
        feedback = source / FEEDBACK
        if feedback.is_file():
            settings.var_dir.mkdir(parents=True, exist_ok=True)
            part = settings.var_dir / f".{FEEDBACK}.import"
            shutil.copy2(feedback, part)
            part.replace(settings.var_dir / FEEDBACK)
        _exchange(staged, corpus)
        shutil.rmtree(staged)  # now the old corpus

    return commit_change(settings, {"action": "import", "doc": str(source)}, progress=progress, corpus_step=exchange)


def check_archive_copy(source: Path, staged: Path) -> None:
    """The staged copy is the verified archive, byte for byte (a disk error while copying is caught here)."""
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    for name, want in manifest["files"].items():
        if name.startswith("corpus/") and file_sha256(staged / name.removeprefix("corpus/")) != want["sha256"]:
            shutil.rmtree(staged, ignore_errors=True)
            raise AdminError(f"复制备份文件 {name} 时出错（校验和不符），未做任何改动")


def _exchange(a: Path, b: Path) -> None:
    """Swap two directories in one atomic step (Linux renameat2)."""
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd = -100
    if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"cannot exchange {a} and {b}: {os.strerror(err)}")
    fd = os.open(b.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
