"""The index in Milvus: one collection that every app replica searches, the same passages and vectors.

Chosen by ``XQA_STORE=milvus``; ``XQA_MILVUS_URI`` is a local path ending in ``.db`` (Milvus Lite inside
this process, which locks it: one process at a time) or ``http://host:19530`` (a Milvus server or cluster,
or ``milvus-lite server --data-dir DIR``, shared by every replica); ``XQA_MILVUS_TOKEN`` is optional.

Who writes: the admin side (``python -m index build|add|remove|set-meta|import``, the documents tab) still
builds the embedded index under ``index_dir`` from the corpus, then :func:`publish` copies what changed into
Milvus: the embedded build's own chunks, vectors, documents and indicator statements, never re-embedded.
Replicas need neither the corpus nor the embedded index: :class:`MilvusIndex` reads everything from Milvus.

Collections (``<prefix>_chunks``, ``<prefix>_blobs``):

- chunks: one row per passage: ``id`` (int64, assigned once and never reused), ``doc_key``, ``chunk`` (the
  Chunk as JSON), ``vector`` (FLAT index, inner product = the embedded store's exact cosine), ``terms`` (the
  keyword field) and ``sparse``, filled by Milvus's BM25 function from ``terms``;
- blobs: the documents (metadata, cleaned text, statements) and the published state, as JSON cut into
  pieces that fit a VARCHAR, plus one ``head`` row naming the current state version.

A document's rows carry a ``doc_key`` (its id and a digest of its manifest entry: source hash, catalog
entry, code version, model and settings), so a changed document is new rows under a new key.

Publishing, and what a replica sees
-----------------------------------

Milvus has no transaction over several rows, so :func:`publish` never changes rows a replica may be using:

1. rows the published state does not name (left by a killed publish) are deleted, then the new documents'
   blobs and chunk rows are inserted under their new keys; no replica searches them yet (every search is
   filtered to the published keys);
2. the new state (every published key, in order, and the manifest entries) is written as version ``v+1``,
   then the ``head`` row is upserted to point at it.  **This single-row upsert is the commit point**:
   before it, replicas serve version ``v`` whole; after it, version ``v+1`` whole;
3. rows of keys no longer published and the old state pieces are deleted.  A killed step 3 leaves garbage
   that no search returns and the next publish (the next build or admin change) removes first.

A replica (:class:`MilvusIndex`) reads the ``head`` row at most once every :data:`REFRESH_SECONDS`, on the
request path (the first search after the interval); when its version changed, the new documents' rows are
read and appended, so row numbers already handed out stay valid, and removed documents stop being searched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import Settings
from .keyword import KeywordIndex, normalize, tokenize
from .schema import Chunk, DocMeta, Statement
from .store import (
    FORMAT_VERSION,
    Index,
    IndexUnavailable,
    _digest,
    choose_index_type,
    compatibility_problem,
    pause_point,
    top_scores,
)

PREFIX = "xqa"
MILVUS_FORMAT = 1  # the collections' layout and the state's fields; another one is republished whole
# Where keyword search runs (chosen at publish, recorded in the state): "bm25s" = in each replica, the embedded
# store's own BM25 over the published passages; "milvus-bigram" = Milvus's BM25 function over the same bigram
# tokens; "milvus-jieba" = Milvus's BM25 over its jieba analyser.  bm25s is the default: measured identical to the
# embedded store, while Milvus Lite scores BM25 with per-segment statistics, so a document added later (its own
# small segment) ranks below what bm25s gives it, and takes ~180 ms a query on 597 passages (pure Python).
KEYWORD_MODES = ("bm25s", "milvus-bigram", "milvus-jieba")
# Milvus VARCHAR holds at most 65,535 bytes; 16,000 characters of UTF-8 are at most 64,000 bytes.
BLOB_CHARS = 16_000
# Rows per insert: 1,000 rows of a 384-d vector and ~4 kB of text are ~6 MB, well under gRPC's 64 MB limit.
INSERT_BATCH = 1_000
# Rows per read while a replica loads: each batch costs Milvus Lite a scan, so fewer is faster (100k passages
# read in 61 s with batches of 1,000, 19 s with 10,000); 10,000 rows of ~2 kB of JSON stay under 64 MB.
READ_BATCH = 10_000
# How stale a replica may be: one head read (~1 ms on a server) per second is nothing beside a question
# (~100 ms), and an admin change is seen within a second.
REFRESH_SECONDS = 1.0
# A server that does not answer within this is reported, not waited for: the app must start or refuse quickly.
CONNECT_SECONDS = 10.0
# Milvus Lite answers no MVCC timestamp, and pymilvus's query iterator warns on every read that it takes the
# client's clock instead: harmless here (reads follow Strong-consistency writes).  pymilvus and the in-process
# Milvus Lite server also log every failed call with its traceback before raising it; this module reports each
# failure as one line (_reported) or raises it, so those logs only repeat it.
# Set after pymilvus is imported, which configures its own loggers.
_QUIETER = {
    "pymilvus.client.iterator.query_iterator": logging.ERROR,
    "pymilvus.decorators": logging.CRITICAL,
    "milvus_lite.adapter.grpc.servicer": logging.CRITICAL,
}
_IN_LIST = 1_000  # keys per ``doc_key in [...]`` expression of a read (expressions stay small)


class MilvusUnavailable(IndexUnavailable):
    """Milvus cannot be reached ("unreachable") or read ("damaged") at the configured URI; nothing was changed."""


@contextlib.contextmanager
def _reported(uri: str, reason: str) -> Iterator[None]:
    """Any Milvus failure inside becomes one line naming the URI (pymilvus raises many kinds, some multi-line)."""
    try:
        yield
    except IndexUnavailable:
        raise
    except Exception as exc:
        detail = " ".join(str(exc).split())[:300]
        raise MilvusUnavailable(f"Milvus at {uri} cannot be used: {detail}", reason) from exc


def connect(settings: Settings) -> Any:
    """A client for ``settings.milvus_uri``, checked with one call; any failure is one line of message."""
    uri = settings.milvus_uri
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MilvusUnavailable(
            f"XQA_STORE=milvus needs pymilvus and milvus-lite ({exc}); install: pip install -r requirements-milvus.txt",
            "unreachable",
        ) from exc
    for name, level in _QUIETER.items():
        logging.getLogger(name).setLevel(level)
    with _reported(uri, "unreachable"):
        if uri.endswith(".db"):
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        client = MilvusClient(uri=uri, token=settings.milvus_token, timeout=CONNECT_SECONDS)
        client.list_collections()
    return client


def keyword_terms(text: str, keyword: str) -> str:
    """The text Milvus's keyword field holds for ``text`` (a passage's search text or a question).

    ``milvus-bigram``: the embedded store's own tokens (:func:`index.keyword.tokenize`), each written as hex so
    that Milvus's ``standard`` tokenizer keeps it whole on Milvus Lite and on a server alike (a server's standard
    tokenizer would cut CJK into single characters); BM25 then scores the very tokens bm25s scores.
    ``milvus-jieba``: the normalised text, cut by Milvus's jieba analyser.
    """
    if keyword == "milvus-jieba":
        return normalize(text)
    return " ".join("t" + t.encode().hex() for t in tokenize(text))


# The embedded store's choice (index.store.choose_index_type) in Milvus's terms, with the same graph settings:
# exact search while it is cheap, HNSW beyond.  Milvus Lite has no IVF_PQ, so ivfpq is served by HNSW.
_VECTOR_INDEX = {
    "flat": ("FLAT", {}, {}),
    "hnsw": ("HNSW", {"M": 32, "efConstruction": 200}, {"ef": 512}),
    "ivfpq": ("HNSW", {"M": 32, "efConstruction": 200}, {"ef": 512}),
}


def _schemas(client: Any, dim: int, keyword: str, vector_index: str) -> tuple[Any, Any, Any, Any]:
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    chunks = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    chunks.add_field("id", DataType.INT64, is_primary=True)
    chunks.add_field("doc_key", DataType.VARCHAR, max_length=512)
    chunks.add_field("chunk", DataType.VARCHAR, max_length=65_535)
    chunks.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    chunk_index = client.prepare_index_params()
    kind, build_params, _ = _VECTOR_INDEX[vector_index]
    chunk_index.add_index(field_name="vector", index_type=kind, metric_type="IP", params=build_params)
    if keyword != "bm25s":
        tokenizer = "jieba" if keyword == "milvus-jieba" else "standard"
        chunks.add_field(
            "terms", DataType.VARCHAR, max_length=65_535, enable_analyzer=True, analyzer_params={"tokenizer": tokenizer}
        )
        chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        chunks.add_function(
            Function(
                name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"], output_field_names=["sparse"]
            )
        )
        # bm25s's defaults (k1 1.5, b 0.75), so both stores score a passage alike.
        chunk_index.add_index(
            field_name="sparse",
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"bm25_k1": 1.5, "bm25_b": 0.75},
        )
    blobs = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    blobs.add_field("key", DataType.VARCHAR, is_primary=True, max_length=1024)
    blobs.add_field("doc_key", DataType.VARCHAR, max_length=512)
    blobs.add_field("payload", DataType.VARCHAR, max_length=65_535)
    blobs.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants one vector field in a collection
    blob_index = client.prepare_index_params()
    blob_index.add_index(field_name="unused", index_type="FLAT", metric_type="IP")
    return chunks, chunk_index, blobs, blob_index


def _quoted(keys: Iterable[str]) -> str:
    return json.dumps(list(keys), ensure_ascii=False)


def _key_batches(keys: list[str]) -> Iterator[list[str]]:
    for at in range(0, len(keys), _IN_LIST):
        yield keys[at : at + _IN_LIST]


def _query_all(client: Any, collection: str, expr: str, fields: list[str]) -> list[dict]:
    """Every row matching ``expr`` (an iterator: a plain query stops at 16,384 rows)."""
    it = client.query_iterator(collection, batch_size=READ_BATCH, filter=expr, output_fields=fields)
    rows: list[dict] = []
    while batch := it.next():
        rows.extend(batch)
    it.close()
    return rows


def _rows_of_keys(client: Any, collection: str, keys: list[str], fields: list[str]) -> list[dict]:
    return [
        r for part in _key_batches(keys) for r in _query_all(client, collection, f"doc_key in {_quoted(part)}", fields)
    ]


def _pieces(text: str) -> list[str]:
    return [text[at : at + BLOB_CHARS] for at in range(0, len(text), BLOB_CHARS)] or [""]


def _blob_rows(doc_key: str, name: str, value: object) -> list[dict]:
    payload = json.dumps(value, ensure_ascii=False)
    return [
        {"key": f"{name}:{i:06d}", "doc_key": doc_key, "payload": piece, "unused": [0.0, 0.0]}
        for i, piece in enumerate(_pieces(payload))
    ]


def _read_blob(rows: list[dict]) -> Any:
    return json.loads("".join(r["payload"] for r in sorted(rows, key=lambda r: r["key"])))


class _Collections:
    def __init__(self, client: Any, prefix: str):
        self.client, self.chunks, self.blobs = client, f"{prefix}_chunks", f"{prefix}_blobs"

    def load(self) -> None:
        """Load existing collections for search: a reopened Milvus Lite file (or a restarted server) has them released."""
        for name in (self.chunks, self.blobs):
            if self.client.has_collection(name):
                self.client.load_collection(name)

    def head(self) -> dict | None:
        if not self.client.has_collection(self.blobs):
            return None
        rows = self.client.get(self.blobs, ids=["head"], output_fields=["payload"])
        return json.loads(rows[0]["payload"]) if rows else None

    def state(self) -> dict | None:
        head = self.head()
        if head is None:
            return None
        rows = _query_all(self.client, self.blobs, f'doc_key == "state:{head["version"]}"', ["key", "payload"])
        return _read_blob(rows)

    def insert(self, collection: str, rows: list[dict]) -> None:
        for at in range(0, len(rows), INSERT_BATCH):
            self.client.insert(collection, rows[at : at + INSERT_BATCH])

    def collect_garbage(self, state: dict) -> None:
        """Delete every row ``state`` does not publish: those of a killed publish, of replaced documents, old states."""
        keys = [key for key, _ in state["docs"]]
        self.client.delete(self.chunks, filter=f"doc_key not in {_quoted(keys)}")
        kept = [*keys, "state:{}".format(state["version"]), "head"]
        self.client.delete(self.blobs, filter=f"doc_key not in {_quoted(kept)}")


def doc_key(doc_id: str, entry: dict, model_id: str, signature: dict) -> str:
    """A document's rows are named by what made them: a changed file, correction, code or model is a new key."""
    return f"{doc_id}@{_digest({'entry': entry, 'model': model_id, 'settings': signature})}"


def _layout(state: dict) -> tuple:
    """What the stored rows are made of: a change means nothing stored can be kept."""
    return tuple(state.get(k) for k in ("milvus_format", "model_id", "dim", "keyword"))


def publish(settings: Settings, index: Index, prefix: str = PREFIX, keyword: str = "bm25s") -> int:
    """Make the Milvus collections hold what the embedded ``index`` holds; returns the published version.

    Only documents whose key changed are written (their vectors are the embedded build's); the steps and the
    commit point are in the module docstring.  Idempotent: publishing the same index again writes nothing.
    """
    if keyword not in KEYWORD_MODES:
        raise ValueError(f"unknown keyword search {keyword!r}: use one of {KEYWORD_MODES}")
    client = connect(settings)
    with _reported(settings.milvus_uri, "damaged"):
        return _publish(client, settings, index, prefix, keyword)


def _publish(client: Any, settings: Settings, index: Index, prefix: str, keyword: str) -> int:
    col = _Collections(client, prefix)
    model_id, dim, signature = index.manifest["model_id"], int(index.manifest["dim"]), settings.index_signature()
    col.load()
    state = col.state()
    if state and _layout(state) != (MILVUS_FORMAT, model_id, dim, keyword):
        for name in (col.chunks, col.blobs):  # vectors of another model, or other terms: nothing can be kept
            client.drop_collection(name)
        state = None
    # Chosen when the collection is made, for the size published then; a new size class needs a new collection.
    vector_index = state["vector_index"] if state else choose_index_type(len(index.chunks), settings.faiss_index)
    if state is None:
        chunk_schema, chunk_index, blob_schema, blob_index = _schemas(client, dim, keyword, vector_index)
        for name, schema, params in ((col.chunks, chunk_schema, chunk_index), (col.blobs, blob_schema, blob_index)):
            if not client.has_collection(name):
                client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
    entries = index.manifest["docs"]
    wanted = {doc_id: doc_key(doc_id, entries[doc_id], model_id, signature) for doc_id in index.docs}
    published = dict(state["docs"]) if state else {}
    if state:
        col.collect_garbage(state)  # what a publish killed before or after its commit point left
    if state and published == {k: d for d, k in wanted.items()} and state["settings"] == signature:
        return int(state["version"])
    next_id = int(state["next_id"]) if state else 0
    rows_by_doc: dict[str, list[int]] = {}
    for row, chunk in enumerate(index.chunks):
        rows_by_doc.setdefault(chunk.doc_id, []).append(row)
    chunk_rows: list[dict] = []
    blob_rows: list[dict] = []
    for doc_id, key in wanted.items():
        if key in published:
            continue
        statements = [s.to_dict() for s in index.statements if s.doc_id == doc_id]
        document = {"meta": index.docs[doc_id].to_dict(), "text": index.texts[doc_id], "statements": statements}
        blob_rows += _blob_rows(key, f"doc:{key}", document)
        for row in rows_by_doc.get(doc_id, []):
            chunk = index.chunks[row]
            record = {
                "id": next_id,
                "doc_key": key,
                "chunk": json.dumps(chunk.to_dict(), ensure_ascii=False),
                "vector": index.vectors[row].tolist(),
            }
            if keyword != "bm25s":
                record["terms"] = keyword_terms(chunk.search_text, keyword)
            chunk_rows.append(record)
            next_id += 1
    col.insert(col.chunks, chunk_rows)
    col.insert(col.blobs, blob_rows)
    # Sealed now, not when the memtable fills: Milvus Lite scores BM25 over unsealed rows with statistics of only
    # the rows a filter lets through (measured: filtered keyword rankings differed from bm25s's until sealed).
    client.flush(col.chunks)
    pause_point("milvus-rows-written")
    version = int(state["version"]) + 1 if state else 1
    new_state = {
        "version": version,
        "milvus_format": MILVUS_FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": model_id,
        "dim": dim,
        "keyword": keyword,
        "vector_index": vector_index,
        "settings": signature,
        "docs": [[key, doc_id] for doc_id, key in wanted.items()],
        "entries": {doc_id: entries[doc_id] for doc_id in wanted},
        "next_id": next_id,
        "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    col.insert(col.blobs, _blob_rows(f"state:{version}", f"state:{version}", new_state))
    client.upsert(
        col.blobs,
        [{"key": "head", "doc_key": "head", "payload": json.dumps({"version": version}), "unused": [0.0, 0.0]}],
    )
    pause_point("milvus-head-written")
    col.collect_garbage(new_state)
    return version


@dataclass(frozen=True)
class _Published:
    """The published rows of one version, swapped whole on a refresh so a search never mixes two versions."""

    version: int
    keyword: str  # KEYWORD_MODES
    search_params: dict  # the vector index's search effort
    key_of_doc: dict[str, str]  # doc_id -> doc_key
    rows: np.ndarray  # row numbers of the published passages, in published order
    doc_codes: np.ndarray  # per published position, the document's position in key_of_doc
    bm25: KeywordIndex | None  # keyword "bm25s": over ``rows``' search texts


class MilvusIndex:
    """What :class:`index.store.Index` offers retrieval and the app, served from Milvus.

    ``chunks``, ``docs``, ``texts`` and ``statements`` are held in memory as the embedded index holds them
    (the answer pipeline reads them directly); the vectors and both search structures stay in Milvus.
    Row numbers index ``chunks`` and stay valid for the object's life: a refresh appends the rows of new
    documents and stops searching removed ones, so a row a caller holds never names another passage.
    """

    def __init__(self, settings: Settings, client: Any, prefix: str = PREFIX):
        self.settings = settings
        self.uri = settings.milvus_uri
        self._col = _Collections(client, prefix)
        self._lock = threading.Lock()
        self.chunks: list[Chunk] = []
        self._ids: list[int] = []
        self._row_of_id: dict[int, int] = {}
        self._rows_of_key: dict[str, list[int]] = {}
        self._documents: dict[str, dict] = {}  # doc_key -> {"meta", "text", "statements"}
        self.docs: dict[str, DocMeta] = {}
        self.texts: dict[str, str] = {}
        self.statements: list[Statement] = []
        self.manifest: dict = {}
        self._published = _Published(0, "bm25s", {}, {}, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), None)
        self._checked = 0.0
        self._col.load()
        state = self._col.state()
        if state is None:
            raise IndexUnavailable(
                f"no index in Milvus at {self.uri}; publish it with: XQA_STORE=milvus python -m index build", "missing"
            )
        if state.get("milvus_format") != MILVUS_FORMAT:
            raise IndexUnavailable(
                f"the index in Milvus at {self.uri} has another layout; republish it with: python -m index build",
                "stale",
            )
        self._apply(state)

    def __len__(self) -> int:
        return len(self._published.rows)

    @property
    def version(self) -> int:
        """The published version this replica serves."""
        return self._published.version

    def refresh(self, force: bool = False) -> bool:
        """Read the published version (at most once per :data:`REFRESH_SECONDS`); True when it changed."""
        now = time.monotonic()
        if not force and now - self._checked < REFRESH_SECONDS:
            return False
        with self._lock:
            self._checked = now
            head = self._col.head()
            if head is None or int(head["version"]) == self.version:
                return False
            state = self._col.state()
            if state is None:
                return False
            self._apply(state)
            return True

    def _apply(self, state: dict) -> None:
        keys = [key for key, _ in state["docs"]]
        missing = [k for k in keys if k not in self._rows_of_key]
        blobs: dict[str, list[dict]] = {}
        for row in _rows_of_keys(self._col.client, self._col.blobs, missing, ["key", "doc_key", "payload"]):
            blobs.setdefault(row["doc_key"], []).append(row)
        rows = _rows_of_keys(self._col.client, self._col.chunks, missing, ["id", "doc_key", "chunk"])
        for key in missing:
            if key not in blobs:
                raise IndexUnavailable(f"Milvus at {self.uri} lacks document {key} of version {state['version']}")
            self._documents[key] = _read_blob(blobs[key])
            self._rows_of_key[key] = []
        for r in sorted(rows, key=lambda r: r["id"]):  # ids are assigned in chunk order
            self._row_of_id[int(r["id"])] = len(self.chunks)
            self._rows_of_key[r["doc_key"]].append(len(self.chunks))
            self._ids.append(int(r["id"]))
            self.chunks.append(Chunk.from_dict(json.loads(r["chunk"])))
        documents = [self._documents[k] for k in keys]
        self.docs = {d["meta"]["doc_id"]: DocMeta.from_dict(d["meta"]) for d in documents}
        self.texts = {d["meta"]["doc_id"]: d["text"] for d in documents}
        self.statements = [Statement.from_dict(s) for d in documents for s in d["statements"]]
        rows = np.asarray([r for key in keys for r in self._rows_of_key[key]], dtype=np.int64)
        codes = np.asarray([i for i, key in enumerate(keys) for _ in self._rows_of_key[key]], dtype=np.int64)
        bm25 = KeywordIndex.build(self.chunks[r].search_text for r in rows) if state["keyword"] == "bm25s" else None
        key_of_doc = {doc_id: key for key, doc_id in state["docs"]}
        search_params = _VECTOR_INDEX[state["vector_index"]][2]
        self._published = _Published(
            int(state["version"]), state["keyword"], search_params, key_of_doc, rows, codes, bm25
        )
        self.manifest = {
            "format_version": state["format_version"],
            "model_id": state["model_id"],
            "dim": state["dim"],
            "settings": state["settings"],
            "docs": state["entries"],
            "chunks": len(rows),
            "store": "milvus",
            "version": state["version"],
        }

    def _docs(self, published: _Published, allowed: np.ndarray | None) -> list[str]:
        """The published documents to search: every one, or those of the allowed rows.

        ``allowed`` holds row numbers a caller took earlier, perhaps before a refresh: read through the
        documents they belong to, they still select each document's current rows.
        """
        if allowed is None:
            return list(published.key_of_doc)
        wanted = {self.chunks[int(r)].doc_id for r in allowed}
        return [d for d in published.key_of_doc if d in wanted]

    def _search(
        self, data: list, field: str, params: dict, k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]]:
        self.refresh()
        published = self._published
        docs = self._docs(published, allowed)
        if not docs or k <= 0:
            return []
        expr = f"doc_key in {_quoted(published.key_of_doc[d] for d in docs)}"
        hits = self._col.client.search(
            self._col.chunks, data=data, anns_field=field, limit=k, filter=expr, output_fields=["id"],
            search_params=params,
        )  # fmt: skip
        # Milvus Lite reports BM25 as a negated distance, a server as a positive score: the magnitude is the score.
        return [(self._row_of_id[int(h["id"])], abs(float(h["distance"]))) for h in hits[0]]

    def dense_search(self, query_vec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k rows by cosine, inside the allowed rows' documents (a filter inside Milvus's search)."""
        vector = np.asarray(query_vec, dtype=np.float32).ravel().tolist()
        params = {"metric_type": "IP", "params": self._published.search_params}
        return self._search([vector], "vector", params, k, allowed)

    def keyword_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k rows by BM25, inside the allowed rows' documents; only rows that match.

        ``bm25s``: scored here exactly as the embedded store scores (same tokens, same statistics); otherwise
        by Milvus's BM25 function.
        """
        self.refresh()
        published = self._published
        if published.bm25 is not None:
            positions = None
            if allowed is not None:
                codes = {d: i for i, d in enumerate(published.key_of_doc)}
                positions = np.flatnonzero(
                    np.isin(published.doc_codes, [codes[d] for d in self._docs(published, allowed)])
                )
            hits = top_scores(published.bm25.scores(query), k, positions)
            return [(int(published.rows[at]), score) for at, score in hits]
        terms = keyword_terms(query, published.keyword)
        if not terms.strip():
            return []
        return [
            (row, score)
            for row, score in self._search([terms], "sparse", {"metric_type": "BM25"}, k, allowed)
            if score > 0
        ]


def published(settings: Settings, prefix: str = PREFIX) -> dict:
    """What Milvus serves (for ``python -m index status``): version, documents and passages, or why it cannot."""
    try:
        col = _Collections(connect(settings), prefix)
        with _reported(settings.milvus_uri, "damaged"):
            col.load()
            state = col.state()
    except IndexUnavailable as exc:
        return {"uri": settings.milvus_uri, "problem": str(exc)}
    if state is None or state.get("milvus_format") != MILVUS_FORMAT:
        return {"uri": settings.milvus_uri, "problem": "nothing published in this layout: python -m index build"}
    return {
        "uri": settings.milvus_uri,
        "version": state["version"],
        "published_at": state["published_at"],
        "documents": [doc_id for _, doc_id in state["docs"]],
        "passages": sum(int(entry.get("chunks", 0)) for entry in state["entries"].values()),
        "keyword": state["keyword"],
        "vector_index": state["vector_index"],
    }


def load(settings: Settings, prefix: str = PREFIX) -> MilvusIndex:
    """The published index, checked against these settings like the embedded one."""
    client = connect(settings)
    with _reported(settings.milvus_uri, "damaged"):
        index = MilvusIndex(settings, client, prefix)
    problem = compatibility_problem(index.manifest, settings)
    if problem:
        raise IndexUnavailable(
            f"the index in Milvus at {index.uri} {problem}; rebuild with: python -m index build", "stale"
        )
    return index
