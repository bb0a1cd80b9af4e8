"""The persisted index: build (incrementally, atomically), load, verify.

Layout of ``Settings.index_dir``::

    current -> v-<time>/          symlink, swapped atomically after a build
    v-<time>/manifest.json        format, model id + dim, chunker settings,
                                  per-document source hash, per-file checksums
    v-<time>/documents.json       cleaned texts + metadata (citations quote them)
    v-<time>/chunks.jsonl         one chunk per line, in vector order
    v-<time>/vectors.npy          float32, L2-normalised
    v-<time>/faiss.index          built from vectors.npy
    v-<time>/keyword/             bm25s over character bigrams
    v-<time>/indicators.jsonl     indicator statements (index.indicators), kept per
                                  document with its chunks and re-read with them

A build writes a new version directory and only then repoints ``current``,
so a crash or ``kill -9`` mid-build leaves the previous index loadable.
Unchanged documents (same source hash, same settings) keep their vectors:
only changed, added or removed documents cost embedding time.

Admin changes: order of operations and recovery
-----------------------------------------------

A removal or a metadata correction changes the corpus *and* the index, which
cannot be swapped together; a journal (``index_dir/pending.json``) makes the
pair atomic against ``kill -9`` at any moment.  Under the build lock
(:func:`commit_change`):

1. the request is checked (the document exists, the fields are known; an
   archive to import is verified whole); nothing is written yet, so a kill
   here leaves corpus and index as they were;
2. the journal is written (temporary file, fsync, rename, fsync of the folder).
   **This is the commit point**: from here on the change will happen;
3. the corpus is changed: the catalog is replaced atomically (``catalog.json``
   written beside and renamed), a removed file is unlinked.  Each step is
   idempotent (an absent file or entry is no error), so it can be redone; an
   import exchanges the whole corpus folder with the staged archive in one
   ``renameat2(RENAME_EXCHANGE)`` and has nothing to redo;
4. a new index version is written beside the old one and ``current`` is
   repointed (``os.replace`` of a symlink: atomic); a correction keeps every
   vector (:func:`_reuse_corrected`), a removal keeps all the others;
5. the journal is deleted.

Recovery on the next start: while a journal exists :func:`load_index` refuses
the old index as "stale" (it may disagree with the corpus), so whoever starts
(``load_assistant`` in the app, ``python -m index build``) runs
:func:`build_index`, which redoes steps 3-5 from the journal before anything
is served.  Repeating the interrupted command instead does the same, then
finds nothing left to do.  A rebuild changes no corpus file and needs no
journal: its commit point is the swap of ``current``; killed before it, the
previous index serves (corpus and index agree) and repeating it completes it.

Stores
------

``Settings.store`` picks what serves: ``embedded`` (this module's files, the default) or ``milvus``
(``index/milvus_store.py``: one collection shared by app replicas).  With ``milvus`` every build and
admin change above still happens here first, then the result is published to Milvus before the journal
is deleted, so a kill before the publish is completed by the next start like any other step; Milvus is
checked before anything is changed, so an unreachable one leaves corpus and embedded index as they were.

``XQA_PAUSE_AT=<point>`` makes a process stop at that named point of an
action (it prints ``paused at <point>`` on stderr and waits), so tests can
``kill -9`` it exactly there; the points are listed in ``PAUSE_POINTS``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from .catalog import read_catalog, write_catalog
from .chunk import chunk_document
from .config import Settings
from .embed import Embedder, load_embedder
from .indicators import extract as extract_statements
from .ingest import corpus_files, file_sha256, ingest_file
from .keyword import KeywordIndex
from .load import LoadError
from .schema import Chunk, DocMeta, Statement

FORMAT_VERSION = 3  # 3: indicator statements (indicators.jsonl)
_INGEST_MODULES = (
    "load.py", "clean.py", "structure.py", "table.py", "catalog.py", "ingest.py", "chunk.py", "meta.py", "indicators.py",
    "vocabulary.py",  # how reports word an indicator decides the statements' names
    "status.py",  # a task row's verdict is stored with the row
)  # fmt: skip
# The ingestion code itself: a change to how text is cleaned or chunked re-ingests every document.
CODE_VERSION = hashlib.sha256(b"".join((Path(__file__).parent / m).read_bytes() for m in _INGEST_MODULES)).hexdigest()[
    :16
]
_CURRENT = "current"
_FILES = ("documents.json", "chunks.jsonl", "vectors.npy", "faiss.index", "indicators.jsonl")
JOURNAL = "pending.json"
ACTIONS = ("remove", "set-meta", "import")  # the journalled admin changes
# Named points of an action where XQA_PAUSE_AT stops the process (see the module docstring).
PAUSE_POINTS = ("checked", "journal-written", "corpus-changed", "version-written", "swapped")
STORES = ("embedded", "milvus")  # Settings.store


class IndexUnavailable(Exception):
    """The stored index is missing, stale or damaged; the message says how to fix it.

    ``reason`` is "missing", "stale" (built with other settings or format) or
    "damaged": the first two are fixed by a normal build, the last one is
    reported rather than silently papered over; "unreachable" (the Milvus store
    cannot be used) is reported too, and changes nothing.
    """

    def __init__(self, message: str, reason: str = "damaged"):
        super().__init__(message)
        self.reason = reason


Progress = Callable[[str, int, int], None]  # (stage, done, total)
EMBED_STAGE = "embedding"
EMBED_STAGE_FIRST = "embedding (first build of the index)"


@dataclass
class BuildReport:
    embedded_docs: list[str]
    reused_docs: list[str]
    removed_docs: list[str]
    failed: dict[str, str]  # file name -> reason
    chunks: int
    seconds: float


class SearchIndex(Protocol):
    """What retrieval, the answer pipeline and the app read of an index, whichever store serves it.

    Rows are positions in ``chunks``; ``allowed`` restricts a search to those rows (their documents, for Milvus).
    """

    docs: dict[str, DocMeta]
    texts: dict[str, str]
    chunks: list[Chunk]
    statements: list[Statement]
    manifest: dict

    def __len__(self) -> int: ...

    def dense_search(
        self, query_vec: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def keyword_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...


class Index:
    """A loaded, searchable index: chunks, their documents, FAISS and keyword indexes."""

    def __init__(
        self,
        path: Path,
        manifest: dict,
        docs: dict[str, DocMeta],
        texts: dict[str, str],
        chunks: list[Chunk],
        vectors: np.ndarray,
        faiss_index: faiss.Index,
        keyword: KeywordIndex,
        statements: list[Statement] | None = None,
    ):
        self.path = path
        self.manifest = manifest
        self.docs = docs
        self.texts = texts
        self.chunks = chunks
        self.vectors = vectors
        self.faiss = faiss_index
        self.keyword = keyword
        self.statements = statements or []  # indicator statements of every document (index.indicators)

    def __len__(self) -> int:
        return len(self.chunks)

    def dense_search(self, query_vec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k chunk rows by cosine; ``allowed`` (row ids) restricts the search inside FAISS."""
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            # A bitmap over all rows: at 1M chunks ~1 ms to build and probe, against 26-54 ms for
            # IDSelectorBatch's hash set (qa.bench).  ``bits`` must outlive the search.
            mask = np.zeros(len(self.chunks), dtype=bool)
            mask[allowed] = True
            bits = np.packbits(mask, bitorder="little")
            params = _search_params(self.faiss, faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits)))
        k = min(k, len(self.chunks))
        scores, ids = self.faiss.search(query_vec.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def keyword_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return top_scores(self.keyword.scores(query), k, allowed)


def top_scores(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The k best positive scores as (position, score), best first; only ``allowed`` positions when given."""
    if allowed is not None:
        mask = np.full(scores.shape, -np.inf, dtype=np.float32)
        mask[allowed] = scores[allowed]
        scores = mask
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top])]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def _search_params(index: faiss.Index, sel: faiss.IDSelector) -> faiss.SearchParameters:
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexPreTransform) else index
    if isinstance(inner, faiss.IndexHNSW):  # the index's own search effort, filtered or not
        return faiss.SearchParametersHNSW(sel=sel, efSearch=inner.hnsw.efSearch)
    if isinstance(inner, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=sel, nprobe=inner.nprobe)
    return faiss.SearchParameters(sel=sel)


# ---------------------------------------------------------------- FAISS


def choose_index_type(n: int, setting: str) -> str:
    """Exact search while it is cheap; graph or quantised search when it is not."""
    if setting != "auto":
        return setting
    if n <= 50_000:
        return "flat"
    if n <= 2_000_000:
        return "hnsw"
    return "ivfpq"


def build_faiss(vectors: np.ndarray, kind: str) -> faiss.Index:
    n, dim = vectors.shape
    if kind == "flat":
        index: faiss.Index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        # qa.bench on 100k-1M chunks: efConstruction 80 -> 200 lifts recall@10 at efSearch 128 from 0.93 to 0.97
        # (100k) for ~3x build time; efSearch 512 costs ~1-2 ms per query and recovers most of the rest at 1M.
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 200
        index.hnsw.efSearch = 512
    elif kind == "ivfpq":
        nlist = max(16, int(4 * np.sqrt(n)))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFPQ(quantizer, dim, nlist, dim // 8, 8, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors[np.random.default_rng(0).choice(n, min(n, 100 * nlist), replace=False)])
        index.nprobe = 32
    else:
        raise ValueError(f"unknown faiss_index {kind!r}: use auto, flat, hnsw or ivfpq")
    if n:
        index.add(vectors)
    return index


# ---------------------------------------------------------------- load


def current_path(settings: Settings) -> Path:
    return settings.index_dir / _CURRENT


def copy_index(settings: Settings, index_dir: Path) -> None:
    """Copy the version ``settings`` serves into ``index_dir`` as its current one: a second corpus that
    shares most documents (an evaluation set's, a test's) then embeds only what it adds."""
    version = current_path(settings).resolve()
    shutil.copytree(version, index_dir / version.name)
    (index_dir / _CURRENT).symlink_to(version.name)


def read_manifest(settings: Settings) -> dict | None:
    path = current_path(settings) / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexUnavailable(
            f"index manifest {path} is unreadable ({exc}); rebuild with: python -m index build --force"
        ) from exc


def built_by_older_code(settings: Settings) -> bool:
    """Whether the stored index holds a document ingested by other ingestion code than this one's
    (new metadata fields, changed statement names): a build brings it up to date, reusing vectors."""
    manifest = read_manifest(settings)
    return bool(manifest) and any(d.get("code") != CODE_VERSION for d in manifest.get("docs", {}).values())


def check_store(settings: Settings) -> None:
    """Refuse an unknown store, and an unusable Milvus before anything is changed (one-line message)."""
    if settings.store not in STORES:
        raise IndexUnavailable(f"unknown store {settings.store!r}: use one of {', '.join(STORES)}", "unreachable")
    if settings.store == "milvus":
        from .milvus_store import connect

        connect(settings).close()


def load_index(settings: Settings, check_settings: bool = True) -> SearchIndex:
    """The index to serve: the embedded one, or the one published in Milvus when ``settings.store`` says so."""
    if settings.store == "milvus":
        from .milvus_store import load

        return load(settings)
    check_store(settings)
    return load_embedded(settings, check_settings)


def load_embedded(settings: Settings, check_settings: bool = True) -> Index:
    """Load and verify the current embedded index; raise :class:`IndexUnavailable` with a remedy when it is unusable."""
    path = current_path(settings)
    manifest = read_manifest(settings)
    if manifest is None:
        raise IndexUnavailable(f"no index at {settings.index_dir}; build it with: python -m index build", "missing")
    problem = compatibility_problem(manifest, settings) if check_settings else None
    if problem:
        raise IndexUnavailable(f"the index at {path} {problem}; rebuild with: python -m index build", "stale")
    pending = read_journal(settings) if check_settings else None
    if pending:
        raise IndexUnavailable(
            f"an interrupted change ({describe_change(pending)}) is not yet in the index at {path}; "
            "finish it with: python -m index build (the app does so when it starts)",
            "stale",
        )
    for name, digest in manifest["checksums"].items():
        if file_sha256(path / name) != digest:
            raise IndexUnavailable(
                f"index file {path / name} is damaged (checksum mismatch); rebuild with: python -m index build --force"
            )
    try:
        raw_docs = json.loads((path / "documents.json").read_text(encoding="utf-8"))
        chunks = [
            Chunk.from_dict(json.loads(x)) for x in (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        vectors = np.load(path / "vectors.npy")
        faiss_index = faiss.read_index(str(path / "faiss.index"))
        keyword = KeywordIndex.load(path / "keyword")
        statements = _read_statements(path / "indicators.jsonl")
    except Exception as exc:  # any decoding failure means a damaged index
        raise IndexUnavailable(
            f"index at {path} cannot be read ({exc}); rebuild with: python -m index build --force"
        ) from exc
    docs = {d["meta"]["doc_id"]: DocMeta.from_dict(d["meta"]) for d in raw_docs}
    texts = {d["meta"]["doc_id"]: d["text"] for d in raw_docs}
    return Index(path.resolve(), manifest, docs, texts, chunks, vectors, faiss_index, keyword, statements)


def _read_statements(path: Path) -> list[Statement]:
    """The stored statements; a version written before they existed has none (its documents are re-read)."""
    if not path.exists():
        return []
    return [Statement.from_dict(json.loads(x)) for x in path.read_text(encoding="utf-8").splitlines()]


def compatibility_problem(manifest: dict, settings: Settings) -> str | None:
    """Why a stored index cannot serve these settings, or None."""
    if manifest.get("format_version") != FORMAT_VERSION:
        return f"has format version {manifest.get('format_version')}, this code reads {FORMAT_VERSION}"
    stored = manifest.get("settings", {})
    wanted = settings.index_signature()
    diffs = [f"{k}: stored {stored.get(k)!r}, configured {v!r}" for k, v in wanted.items() if stored.get(k) != v]
    return "was built with other settings (" + "; ".join(diffs) + ")" if diffs else None


def status(settings: Settings) -> dict:
    """What is indexed and what a build would change, without building."""
    manifest = read_manifest(settings)
    files = {p.name: p for p in corpus_files(settings.corpus_dir)}
    indexed = {d["file"]: d for d in (manifest or {}).get("docs", {}).values()}
    problem = compatibility_problem(manifest, settings) if manifest else "does not exist"
    return {
        "index": str(current_path(settings)),
        "problem": problem,
        "model": (manifest or {}).get("model_id"),
        "chunks": (manifest or {}).get("chunks", 0),
        "documents": sorted(indexed),
        "changed": sorted(n for n, p in files.items() if n in indexed and indexed[n]["sha256"] != file_sha256(p)),
        "added": sorted(n for n in files if n not in indexed),
        "removed": sorted(n for n in indexed if n not in files),
        "pending": describe_change(pending) if (pending := read_journal(settings)) else None,
        "store": settings.store,
        **({"milvus": _milvus_status(settings)} if settings.store == "milvus" else {}),
    }


def _milvus_status(settings: Settings) -> dict:
    from .milvus_store import published

    return published(settings)


# ---------------------------------------------------------------- build


def build_index(
    settings: Settings,
    force: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> BuildReport:
    """Bring the stored index in line with ``corpus_dir``, re-embedding only what changed.

    An admin change interrupted by a crash (its journal is still there) is completed first.
    """
    check_store(settings)
    with build_lock(settings):
        pending = read_journal(settings)
        if pending:
            _apply_to_corpus(settings, pending)
        report = _build(settings, force, progress, embedder)
        pause_point("swapped")
        if pending:
            clear_journal(settings)
        return report


def commit_change(
    settings: Settings,
    change: dict,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    corpus_step: Callable[[], None] | None = None,
) -> BuildReport:
    """Apply a checked admin change (``{"action": "remove"|"set-meta"|"import", "doc": id, ...}``) to corpus and index.

    ``corpus_step`` is a corpus change made once, in one atomic step, after the commit point (an import's
    directory exchange): recovery cannot redo it and does not need to, it only builds what the corpus holds.
    The steps, their commit point and the recovery are in the module docstring.
    """
    if change.get("action") not in ACTIONS:
        raise ValueError(f"unknown change {change!r}")
    check_store(settings)
    with build_lock(settings):
        if pending := read_journal(settings):  # never overwrite a committed change: finish it first
            _apply_to_corpus(settings, pending)
            _build(settings, False, progress, embedder)
            clear_journal(settings)
        pause_point("checked")
        _write_journal(settings, change)
        pause_point("journal-written")
        _apply_to_corpus(settings, change)
        if corpus_step:
            corpus_step()
        pause_point("corpus-changed")
        report = _build(settings, False, progress, embedder)
        pause_point("swapped")
        clear_journal(settings)
        return report


def describe_change(change: dict) -> str:
    fields = ", ".join(f"{k}={v}" for k, v in change.get("fields", {}).items())
    return f"{change.get('action')} {change.get('doc')}" + (f" ({fields})" if fields else "")


def read_journal(settings: Settings) -> dict | None:
    """The admin change committed but not yet completed, if any (a torn journal cannot exist: it is renamed in)."""
    path = settings.index_dir / JOURNAL
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _write_journal(settings: Settings, change: dict) -> None:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    path = settings.index_dir / JOURNAL
    tmp = path.with_name(f".{JOURNAL}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(change, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    _fsync_dir(settings.index_dir)


def clear_journal(settings: Settings) -> None:
    (settings.index_dir / JOURNAL).unlink(missing_ok=True)
    _fsync_dir(settings.index_dir)


def _apply_to_corpus(settings: Settings, change: dict) -> None:
    """The corpus side of a journalled change; idempotent, so recovery can simply redo it (an import has none)."""
    doc = change["doc"]
    catalog = read_catalog(settings.corpus_dir)
    if change["action"] == "remove":
        if catalog.pop(doc, None) is not None:
            write_catalog(settings.corpus_dir, catalog)
        for path in corpus_files(settings.corpus_dir):
            if path.stem == doc:
                path.unlink()
        _fsync_dir(settings.corpus_dir)
    elif change["action"] == "set-meta":
        entry = dict(catalog.get(doc, {}))  # overrides what the document says about itself (catalog.make_meta)
        for key, value in change["fields"].items():
            if value is None:
                entry.pop(key, None)  # back to what the document says about itself
            else:
                entry[key] = value
        catalog[doc] = entry
        write_catalog(settings.corpus_dir, catalog)
        _fsync_dir(settings.corpus_dir)


def pause_point(name: str) -> None:
    """Stop here for good when ``XQA_PAUSE_AT`` names this point: the crash tests kill -9 the process now."""
    if os.environ.get("XQA_PAUSE_AT") == name:
        print(f"paused at {name}", file=sys.stderr, flush=True)
        while True:
            signal.pause()


@contextlib.contextmanager
def build_lock(settings: Settings):
    """One writer at a time (CLI, app upload, tests): builds share the version directory."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build(settings: Settings, force: bool, progress: Progress | None, embedder: Embedder | None) -> BuildReport:
    t0 = time.perf_counter()
    embedder = embedder or load_embedder(settings)
    old = None if force else _try_load_reusable(settings, embedder)
    cache = _vector_cache(old)
    catalog = read_catalog(settings.corpus_dir)
    all_chunks: list[Chunk] = []
    all_vectors: list[np.ndarray] = []
    all_statements: list[Statement] = []
    documents: list[dict] = []
    doc_entries: dict[str, dict] = {}
    report = BuildReport([], [], [], {}, 0, 0.0)
    seen: dict[str, str] = {}  # source hash -> first file with it: a copy under another name is skipped
    indexed = {d["file"] for d in (old.manifest["docs"].values() if old else [])}
    for path in sorted(corpus_files(settings.corpus_dir), key=lambda p: p.name not in indexed):  # indexed first
        sha = file_sha256(path)
        if sha in seen:
            report.failed[path.name] = f"{path.name}: same content as {seen[sha]}, not indexed twice"
            continue
        seen[sha] = path.name
        entry = {
            "file": path.name,
            "sha256": sha,
            "catalog": _digest(catalog.get(path.stem)),
            "code": CODE_VERSION,
        }
        reused = _reuse(old, path.stem, entry, settings) or _reuse_corrected(old, path, entry, catalog, settings)
        if reused:
            meta, text, chunks, vectors, statements = reused
            report.reused_docs.append(meta.doc_id)
        else:
            try:
                doc = ingest_file(path, catalog.get(path.stem), settings.max_upload_bytes)
            except LoadError as exc:
                report.failed[path.name] = str(exc)
                continue
            meta, text = doc.meta, doc.text
            chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
            statements = extract_statements(doc)
            vectors = np.full((len(chunks), embedder.dim), np.nan, dtype=np.float32)  # embedded below, in one pass
            report.embedded_docs.append(meta.doc_id)
        all_chunks.extend(chunks)
        all_vectors.append(vectors)
        all_statements.extend(statements)
        documents.append({"meta": meta.to_dict(), "text": text})
        doc_entries[meta.doc_id] = {**entry, "chunks": len(chunks)}
    if old:
        report.removed_docs = sorted(set(old.docs) - set(doc_entries))
    vectors = np.vstack(all_vectors) if all_vectors else np.zeros((0, embedder.dim), dtype=np.float32)
    stage = EMBED_STAGE_FIRST if old is None and not force else EMBED_STAGE
    _embed_missing(embedder, all_chunks, vectors, cache, settings.embed_batch_size, progress, stage)
    _write_version(settings, embedder, documents, all_chunks, vectors, all_statements, doc_entries, progress)
    if settings.store == "milvus":  # the new version, as written and checksummed, is what replicas get
        from .milvus_store import publish

        if progress:
            progress("publishing to Milvus", 0, 1)
        publish(settings, load_embedded(settings, check_settings=False))
        if progress:
            progress("publishing to Milvus", 1, 1)
    report.chunks = len(all_chunks)
    report.seconds = time.perf_counter() - t0
    return report


def _try_load_reusable(settings: Settings, embedder: Embedder) -> Index | None:
    """The previous index, if its vectors can be reused (same model); settings may differ."""
    try:
        index = load_embedded(settings, check_settings=False)
    except IndexUnavailable:
        return None
    return index if index.manifest.get("model_id") == embedder.model_id else None


def _reuse(
    old: Index | None, doc_id: str, entry: dict, settings: Settings
) -> tuple[DocMeta, str, list[Chunk], np.ndarray, list[Statement]] | None:
    """A document's chunks, vectors and statements, when neither it, its catalog entry, the code nor the settings changed."""
    if old is None or compatibility_problem(old.manifest, settings):
        return None
    stored = old.manifest["docs"].get(doc_id, {})
    if any(stored.get(k) != v for k, v in entry.items()):
        return None
    rows = [i for i, c in enumerate(old.chunks) if c.doc_id == doc_id]
    statements = [s for s in old.statements if s.doc_id == doc_id]
    return old.docs[doc_id], old.texts[doc_id], [old.chunks[i] for i in rows], old.vectors[rows], statements


def _reuse_corrected(
    old: Index | None, path: Path, entry: dict, catalog: dict[str, dict], settings: Settings
) -> tuple[DocMeta, str, list[Chunk], np.ndarray, list[Statement]] | None:
    """A document whose only change is its catalog entry (a metadata correction): new metadata, old vectors.

    The file, code and settings are those its vectors were made with, so its text is the same; when the
    corrected metadata also cuts the same passages (a corrected kind may not), each keeps its vector and
    only the metadata and the context headers (keyword-indexed) change.  The vectors still carry the old
    header until the next ``build --force``: the price of applying a correction in seconds.
    """
    if old is None or compatibility_problem(old.manifest, settings):
        return None
    stored = old.manifest["docs"].get(path.stem, {})
    if any(stored.get(k) != v for k, v in entry.items() if k != "catalog"):
        return None
    try:
        doc = ingest_file(path, catalog.get(path.stem), settings.max_upload_bytes)
    except LoadError:
        return None
    chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
    rows = [i for i, c in enumerate(old.chunks) if c.doc_id == path.stem]
    spans = [(c.start, c.end, c.section, c.fields) for c in chunks]
    if spans != [(old.chunks[i].start, old.chunks[i].end, old.chunks[i].section, old.chunks[i].fields) for i in rows]:
        return None
    return doc.meta, doc.text, chunks, old.vectors[rows], extract_statements(doc)  # its years may be corrected


def _vector_cache(old: Index | None) -> dict[str, np.ndarray]:
    """Vectors of the previous index by the text they embed: identical chunks are never embedded twice."""
    if old is None:
        return {}
    return {_digest(c.search_text): old.vectors[i] for i, c in enumerate(old.chunks)}


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def _embed_missing(
    embedder: Embedder,
    chunks: list[Chunk],
    vectors: np.ndarray,
    cache: dict[str, np.ndarray],
    batch: int,
    progress: Progress | None,
    stage: str,
) -> None:
    """Fill the NaN rows of ``vectors``: from the cache where the text is unchanged, else embedded.

    All new chunks of a build go in one pass under one progress bar.  Batches
    are cut from the chunks sorted by length, so a batch holds texts of similar
    length (little padding), then taken in a fixed shuffled order, so the rate
    (and ETA) seen after a few batches is that of the whole build: longest first
    made the first-batch estimate 3x too long (687 s estimated, 226 s taken).
    """
    todo = []
    for i in np.flatnonzero(np.isnan(vectors[:, 0])).tolist():
        hit = cache.get(_digest(chunks[i].search_text))
        if hit is None:
            todo.append(i)
        else:
            vectors[i] = hit
    todo.sort(key=lambda i: -len(chunks[i].search_text))
    batches = [todo[at : at + batch] for at in range(0, len(todo), batch)]
    random.Random(0).shuffle(batches)
    done = 0
    if progress and todo:
        progress(stage, 0, len(todo))
    for rows in batches:
        vectors[rows] = embedder.embed_passages([chunks[i].search_text for i in rows])
        done += len(rows)
        if progress:
            progress(stage, done, len(todo))


def _write_version(
    settings: Settings,
    embedder: Embedder,
    documents: list[dict],
    chunks: list[Chunk],
    vectors: np.ndarray,
    statements: list[Statement],
    doc_entries: dict[str, dict],
    progress: Progress | None,
) -> None:
    """Write a complete new version beside the old one, then repoint ``current`` atomically."""
    root = settings.index_dir
    root.mkdir(parents=True, exist_ok=True)
    version = root / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    tmp = version.with_name(version.name + ".tmp")
    tmp.mkdir()
    if progress:
        progress("writing index", 0, 1)
    (tmp / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    (tmp / "chunks.jsonl").write_text(
        "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in chunks), encoding="utf-8"
    )
    np.save(tmp / "vectors.npy", vectors.astype(np.float32))
    (tmp / "indicators.jsonl").write_text(
        "".join(json.dumps(s.to_dict(), ensure_ascii=False) + "\n" for s in statements), encoding="utf-8"
    )
    kind = choose_index_type(len(chunks), settings.faiss_index)
    faiss.write_index(build_faiss(vectors.astype(np.float32), kind), str(tmp / "faiss.index"))
    KeywordIndex.build(c.search_text for c in chunks).save(tmp / "keyword")  # streamed: scales to 1M chunks
    manifest = {
        "format_version": FORMAT_VERSION,
        "model_id": embedder.model_id,
        "dim": embedder.dim,
        "settings": settings.index_signature(),
        "faiss_index": kind,
        "chunks": len(chunks),
        "docs": doc_entries,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "checksums": {name: file_sha256(tmp / name) for name in _FILES},
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync_dir(tmp)
    tmp.rename(version)
    link = root / _CURRENT
    new_link = root / f".{_CURRENT}.{os.getpid()}"
    if new_link.is_symlink() or new_link.exists():
        new_link.unlink()
    new_link.symlink_to(version.name)
    pause_point("version-written")
    os.replace(new_link, link)
    _fsync_dir(root)
    if progress:
        progress("writing index", 1, 1)
    _remove_old_versions(root, keep=version.name)


def _remove_old_versions(root: Path, keep: str) -> None:
    """Old versions and abandoned temporary directories (from killed builds) go."""
    for p in root.iterdir():
        if p.is_dir() and not p.is_symlink() and p.name.startswith("v-") and p.name != keep:
            shutil.rmtree(p, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
