"""Hybrid retrieval: keyword (BM25 over bigrams) and dense (FAISS) fused by RRF.

Years and documents restrict the search *inside* both indexes, so a question
about 2019 is answered from the report on 2019 and a filter never empties the
candidate list the way post-filtering a global top-k can.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index import Chunk, DocMeta, Embedder, Index

from .fusion import keep_heads, rrf
from .weights import DEFAULT, Weights

MODES = ("hybrid", "keyword", "dense")


@dataclass(frozen=True)
class Passage:
    row: int
    chunk: Chunk
    doc: DocMeta
    score: float
    rank: int

    @property
    def heading(self) -> str:
        """The passage's innermost heading: glossary entries and sections are named there."""
        return self.chunk.section[-1] if self.chunk.section else ""


def docs_for_years(index: Index, years: tuple[int, ...]) -> list[str]:
    """Documents that report on or plan for any of the years, and those whose years are unknown.

    An unknown year never hides a document: it only loses the year check's help.
    """
    wanted = set(years)
    spans = {d.doc_id: set(d.years) | set(d.plan_years) for d in index.docs.values()}
    return [doc_id for doc_id, span in spans.items() if wanted & span or not span]


class Retriever:
    def __init__(
        self, index: Index, embedder: Embedder, rrf_k: int = 60, candidates: int = 40, weights: Weights = DEFAULT
    ):
        self.index = index
        self.weights = weights
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.candidates = candidates
        self._mapped = -1  # how many rows the maps below were built from
        self._rows_of: dict[str, list[int]] = {}
        self._rows_by_doc: dict[str, np.ndarray] = {}

    @property
    def rows_of(self) -> dict[str, list[int]]:
        """Each document's rows, in document order."""
        self._refresh()
        return self._rows_of

    def _refresh(self) -> None:
        """Rebuild the per-document rows when the index has grown: a replica of a shared (Milvus)
        store appends the rows of a document another process added."""
        if self._mapped == len(self.index.chunks):
            return
        rows: dict[str, list[int]] = {}
        for i, c in enumerate(self.index.chunks):
            rows.setdefault(c.doc_id, []).append(i)
        self._rows_of = rows
        self._rows_by_doc = {d: np.asarray(r, dtype=np.int64) for d, r in rows.items()}
        self._mapped = len(self.index.chunks)

    def allowed_rows(self, doc_ids: list[str] | None) -> np.ndarray | None:
        if doc_ids is None:
            return None
        self._refresh()
        parts = [self._rows_by_doc[d] for d in doc_ids if d in self._rows_by_doc]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def search(self, text: str, k: int = 10, doc_ids: list[str] | None = None, mode: str = "hybrid") -> list[Passage]:
        """Top-k passages for ``text``, only from ``doc_ids`` when given."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}: use one of {MODES}")
        allowed = self.allowed_rows(doc_ids)
        if allowed is not None and len(allowed) == 0:
            return []
        rankings: list[list[int]] = []
        weights: list[float] = []
        if mode in ("hybrid", "keyword"):
            rankings.append([i for i, _ in self.index.keyword_search(text, self.candidates, allowed)])
            weights.append(self.weights.keyword_weight)
        if mode in ("hybrid", "dense"):
            vec = self.embedder.embed_query(text)
            rankings.append([i for i, _ in self.index.dense_search(vec, self.candidates, allowed)])
            weights.append(self.weights.dense_weight)
        fused = keep_heads(rrf(rankings, self.rrf_k, weights), rankings, self.weights.kept_per_retriever, k)
        return [
            Passage(row, self.index.chunks[row], self.index.docs[self.index.chunks[row].doc_id], score, rank)
            for rank, (row, score) in enumerate(fused, start=1)
        ]
