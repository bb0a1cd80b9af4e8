"""Benchmarks: speed, memory and scale of indexing, retrieval and answering.

    python -m bench [--reps N] [--builds N] [--scale 10000,100000,1000000] [--out DIR] [--quick]

Prints one JSON object on stdout (progress goes to stderr) and writes
``bench.json`` and ``bench.md`` to ``--out`` (default ``.cache/bench``).

1. Current corpus: full build (``force``) into a temporary index directory,
   load time, latency of retrieval alone and of the full answer over the dev
   questions for each retrieval mode, peak memory.
2. Scale: a synthetic corpus made from the real chunks (sentences recombined
   across chunks, clauses shuffled, digits changed) at each size.  Embedding
   a million texts is impossible here, so its vectors are synthetic too: two
   real chunk vectors mixed, plus noise drawn from the real vectors'
   covariance, renormalised.  Recall figures on such vectors are indicative,
   not a promise for a real corpus of that size.
3. Profile: pyinstrument over the full-answer path, top hot spots.

Latencies are pooled over repetitions x questions (median, p95); build and
load times are medians over repetitions.  Targets are printed and compared,
never asserted: the machine may be busy with other work.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib.util
import json
import math
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from evaluation import evaluate, load_testset
from evaluation.metrics import percentile
from evaluation.report import markdown_table
from index import (
    Chunk,
    Index,
    KeywordIndex,
    Settings,
    build_faiss,
    build_index,
    choose_index_type,
    load_embedder,
    load_index,
)
from index.config import ROOT
from qa import Assistant
from qa.retrieve import MODES

from .embed import throughput

DEV_SET = ROOT / "testsets" / "dev_qa.jsonl"
DEFAULT_OUT = ROOT / ".cache" / "bench"
DEFAULT_SCALES = (10_000, 100_000)
FAISS_KINDS = ("flat", "hnsw", "ivfpq")
RECALL_K = 10
N_QUERY_VECTORS = 200
NOISE = 0.5  # synthetic perturbation, in units of the real vectors' own spread
TESTSETS = ROOT / "testsets"
EXTRAPOLATE_TO = 100_000  # chunks: the build time a user with many districts' reports would wait
EMBED_SAMPLE = 96  # chunks embedded again to time the engine alone (~10-40 s here)
TARGETS = {  # issue 13 (this 2-core machine), then the scale issue's 1M targets
    "build_s": 45.0,
    "embed_query_median_ms": 10.0,
    "answer_median_ms": 40.0,
    "answer_p95_ms": 100.0,
    "scale_search_median_ms": 50.0,
    "scale_recall": 0.95,
    "scale_memory_gb": 8.0,
}
TARGET_SCALE = 1_000_000
GB = 1024**3


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- measuring


def summarize(samples_ms: Sequence[float]) -> dict[str, float]:
    """Median and p95 of latency samples: the median for the typical user, p95 for the slow tail."""
    return {
        "median_ms": round(percentile(samples_ms, 50), 3),
        "p95_ms": round(percentile(samples_ms, 95), 3),
        "n": len(samples_ms),
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Result of ``fn`` and its wall time in milliseconds."""
    t0 = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - t0) * 1000


def rss_bytes() -> int:
    """Current resident set size (Linux): unlike ru_maxrss it also goes down when memory is freed."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """Peak resident set size of the whole process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakRss:
    """Highest RSS seen while a block runs, by sampling in a thread.

    ru_maxrss only grows over the whole process, so it cannot attribute a
    transient peak (a build's temporary token lists) to one phase.
    """

    def __init__(self, interval_s: float = 0.01):
        self.interval_s = interval_s
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        self.start = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak = max(self.peak, rss_bytes())

    @property
    def delta(self) -> int:
        return self.peak - self.start


def _gb(n_bytes: float) -> float:
    return round(n_bytes / GB, 3)


def _ratio(value: float, reference: float) -> float | None:
    return round(value / reference, 3) if reference > 0 else None


# ---------------------------------------------------------------- 1. current corpus


def bench_build(settings: Settings, builds: int) -> dict:
    """Full builds (``force``) into ``settings.index_dir``, or none (``builds == 0``: the current index serves).

    The model is loaded first so it is not counted.  The engine alone is timed
    on a length-sorted sample of the chunks, and the build time of
    ``EXTRAPOLATE_TO`` chunks extrapolated from it: embedding at the measured
    rate plus the rest of the build (reading, chunking, FAISS, BM25) scaled linearly.
    """
    embedder, model_ms = timed(lambda: load_embedder(settings))
    seconds = []
    for i in range(builds):
        report = build_index(settings, force=True)
        seconds.append(report.seconds)
        _log(f"build {i + 1}/{builds}: {report.chunks} chunks in {report.seconds:.1f} s")
    index = load_index(settings)
    texts = [c.search_text for c in index.chunks]
    sample = texts[:: max(1, len(texts) // EMBED_SAMPLE)]
    _, per_s = throughput(embedder, sample, settings.embed_batch_size)
    result: dict[str, Any] = {
        "builds": builds,
        "chunks": len(texts),
        "engine": {"backend": settings.embed_backend, "model_id": embedder.model_id},
        "embed_passages_per_s": round(per_s, 2),
        "embed_sample": len(sample),
        "model_load_ms": round(model_ms, 1),  # zero-ish when an earlier call in this process loaded it
    }
    if not builds:
        result["reused"] = str(index.path)
        return result
    median_s = statistics.median(seconds)
    rest_s = max(median_s - len(texts) / per_s, 0.0)
    result |= {
        "seconds": [round(s, 2) for s in seconds],
        "median_s": round(median_s, 2),
        "chunks_per_s": round(len(texts) / median_s, 2),
        f"extrapolated_{EXTRAPOLATE_TO}_s": round(EXTRAPOLATE_TO / per_s + rest_s * EXTRAPOLATE_TO / len(texts), 0),
    }
    _log(f"{EXTRAPOLATE_TO:,} chunks would build in ~{result[f'extrapolated_{EXTRAPOLATE_TO}_s'] / 60:.0f} min")
    return result


def bench_load(settings: Settings, reps: int) -> dict:
    """``load_index`` reads and checksums every file: the cost of every start of the app."""
    times = [timed(lambda: load_index(settings))[1] for _ in range(reps)]
    return {"reps": reps, "median_ms": round(statistics.median(times), 2), "all_ms": [round(t, 2) for t in times]}


def bench_queries(assistant: Assistant, questions: Sequence[str], reps: int) -> dict:
    """Latency per mode of retrieval alone and of the full answer, after one warm-up pass.

    Modes are interleaved per question so that background load hits them alike.
    """
    k = assistant.settings.top_k
    for q in questions:
        for mode in MODES:
            assistant.ask(q, mode=mode)
    search: dict[str, list[float]] = {m: [] for m in MODES}
    answer: dict[str, list[dict[str, float]]] = {m: [] for m in MODES}
    for _ in range(reps):
        for q in questions:
            for mode in MODES:
                search[mode].append(timed(lambda q=q, mode=mode: assistant.retriever.search(q, k=k, mode=mode))[1])
                answer[mode].append(assistant.ask(q, mode=mode).timings_ms)
    modes = {m: _mode_stats(search[m], answer[m]) for m in MODES}
    _add_ratios(modes)
    return {"reps": reps, "questions": len(questions), "modes": modes}


def _mode_stats(search_ms: list[float], timings: list[dict[str, float]]) -> dict:
    return {
        "search": summarize(search_ms),
        "answer_retrieve": summarize([t["retrieve"] for t in timings]),
        "answer_total": summarize([t["total"] for t in timings]),
    }


def _add_ratios(modes: dict[str, dict]) -> None:
    """Each mode's medians relative to hybrid, the default mode."""
    hybrid = modes["hybrid"]
    for stats in modes.values():
        stats["ratio_vs_hybrid"] = {
            part: _ratio(stats[part]["median_ms"], hybrid[part]["median_ms"]) for part in ("search", "answer_total")
        }


def bench_embed_query(assistant: Assistant, questions: Sequence[str], reps: int) -> dict:
    """The query embedding alone: every dense or hybrid search pays it before FAISS is even asked."""
    embed = assistant.retriever.embedder.embed_query
    return summarize([timed(lambda q=q: embed(q))[1] for _ in range(reps) for q in questions])


def python_heap_peak(settings: Settings, questions: Sequence[str]) -> int:
    """Peak Python heap (tracemalloc) of loading the assistant and answering every question once.

    Separate from the timed runs because tracemalloc slows allocation-heavy code.
    """
    tracemalloc.start()
    try:
        assistant = Assistant.load(settings)
        for q in questions:
            assistant.ask(q)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_corpus(settings: Settings, questions: Sequence[str], reps: int, builds: int) -> tuple[dict, Assistant]:
    """Section 1; also returns the loaded assistant, whose index seeds the synthetic corpora."""
    _log(f"building the current corpus {builds}x into {settings.index_dir}" if builds else "reusing the current index")
    build = bench_build(settings, builds)
    _log(f"engine {build['engine']['model_id']}: {build['embed_passages_per_s']} passages/s")
    load = bench_load(settings, reps)
    assistant = Assistant.load(settings)
    _log(f"timing {len(questions)} questions x {len(MODES)} modes x {reps} reps")
    queries = bench_queries(assistant, questions, reps)
    queries["embed_query"] = bench_embed_query(assistant, questions, reps)
    heap = python_heap_peak(settings, questions)
    memory = {"peak_rss_gb": _gb(peak_rss_bytes()), "python_heap_peak_mb": round(heap / 2**20, 1)}
    return {"chunks": build["chunks"], "build": build, "load": load, "queries": queries, "memory": memory}, assistant


# ---------------------------------------------------------------- 2. synthetic corpora

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_CLAUSE = re.compile(r"[^，、]+[，、]?")
_DIGIT = re.compile(r"\d")


@dataclass
class SentencePool:
    """The real chunks' sentences, per chunk and all together, to recombine."""

    by_chunk: list[list[str]]
    all: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, texts: Sequence[str]) -> SentencePool:
        by_chunk = [[s for s in _SENTENCE.findall(t) if s.strip()] or [t] for t in texts]
        return cls(by_chunk, [s for sents in by_chunk for s in sents])


def perturb_sentence(sentence: str, rnd: random.Random) -> str:
    """Shuffle the clauses of a sentence and change some of its digits, keeping its vocabulary."""
    clauses = _CLAUSE.findall(sentence)
    if len(clauses) > 1 and rnd.random() < 0.5:
        rnd.shuffle(clauses)
        sentence = "".join(clauses)
    return _DIGIT.sub(lambda m: str(rnd.randrange(10)) if rnd.random() < 0.5 else m.group(), sentence)


def synthetic_text(source: int, pool: SentencePool, rnd: random.Random) -> str:
    """A chunk like ``source``: half of its sentences swapped for sentences of other chunks, then perturbed."""
    sentences = [s if rnd.random() < 0.5 else rnd.choice(pool.all) for s in pool.by_chunk[source]]
    return "".join(perturb_sentence(s, rnd) for s in sentences)


def synthetic_chunks(base: Sequence[Chunk], sources: np.ndarray, seed: int = 0) -> list[Chunk]:
    """One chunk per entry of ``sources`` (a row of ``base``), keeping that row's document, section and header.

    Keeping the document means year filters select the same share of the corpus as they do now.
    """
    pool = SentencePool.of([c.text for c in base])
    rnd = random.Random(seed)
    out = []
    for i, src in enumerate(sources.tolist()):
        c = base[src]
        text = synthetic_text(src, pool, rnd)
        out.append(Chunk(f"synthetic#{i}", c.doc_id, 0, len(text), text, c.section, c.fields, c.header))
    return out


def correlated_noise(vectors: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with the real vectors' covariance: it varies along directions real text varies in.

    Isotropic noise in 384 dimensions would make every point equidistant, a
    far harder (and less realistic) case for approximate search.
    """
    centred = vectors - vectors.mean(axis=0)
    coeffs = rng.standard_normal((n, len(vectors)), dtype=np.float32)
    return (coeffs @ centred) / np.float32(math.sqrt(len(vectors)))


def _normalised(v: np.ndarray) -> np.ndarray:
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return v


def synthetic_vectors(
    vectors: np.ndarray, sources: np.ndarray, seed: int = 0, noise: float = NOISE, batch: int = 65_536
) -> np.ndarray:
    """Source vector + a random share of another real vector + correlated noise, renormalised."""
    rng = np.random.default_rng(seed)
    out = np.empty((len(sources), vectors.shape[1]), dtype=np.float32)
    for lo in range(0, len(sources), batch):
        src = sources[lo : lo + batch]
        partner = rng.integers(0, len(vectors), len(src))
        share = rng.uniform(0.0, 0.5, (len(src), 1)).astype(np.float32)
        mixed = vectors[src] + share * vectors[partner] + noise * correlated_noise(vectors, len(src), rng)
        out[lo : lo + len(src)] = _normalised(mixed)
    return out


def query_vectors(
    real_queries: np.ndarray, vectors: np.ndarray, n: int = N_QUERY_VECTORS, seed: int = 1, noise: float = NOISE
) -> np.ndarray:
    """The real question vectors, then perturbed copies of them up to ``n`` queries."""
    rng = np.random.default_rng(seed)
    extra = max(n - len(real_queries), 0)
    picked = real_queries[rng.integers(0, len(real_queries), extra)]
    perturbed = _normalised(picked + noise * correlated_noise(vectors, extra, rng))
    return np.vstack([real_queries, perturbed]).astype(np.float32)[:n]


# ---------------------------------------------------------------- 2a. keyword index


def _build_keyword(build: Callable[[Sequence[str]], KeywordIndex], texts: Sequence[str]) -> tuple[KeywordIndex, dict]:
    with PeakRss() as mem:
        keyword, ms = timed(lambda: build(texts))
    return keyword, {"build_s": round(ms / 1000, 2), "peak_rss_delta_gb": _gb(mem.delta)}


def bench_keyword_build(chunks: Sequence[Chunk]) -> tuple[KeywordIndex, dict]:
    """Build time and memory of the product's own (streamed) keyword index."""
    keyword, stats = _build_keyword(KeywordIndex.build, [c.search_text for c in chunks])
    stats["bytes"] = keyword.nbytes
    return keyword, stats


# ---------------------------------------------------------------- 2b. FAISS


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int = RECALL_K) -> np.ndarray:
    """Ground truth for recall: exact inner-product top-k in one batched search."""
    _, ids = build_faiss(vectors, "flat").search(queries, k)
    return ids


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k that a search also returned."""
    k = truth.shape[1]
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / k for f, t in zip(found, truth, strict=True)]))


def bench_faiss(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, kind: str) -> tuple[faiss.Index, dict]:
    """Build time, memory, one-query-at-a-time latency (as the app searches) and recall@k of one index type."""
    with PeakRss() as mem:
        index, build_ms = timed(lambda: build_faiss(vectors, kind))
    k = truth.shape[1]
    found = np.empty_like(truth)
    times = []
    for i, q in enumerate(queries):
        (_, ids), ms = timed(lambda q=q: index.search(q.reshape(1, -1), k))
        found[i] = ids[0]
        times.append(ms)
    return index, {
        "build_s": round(build_ms / 1000, 2),
        "bytes": int(faiss.serialize_index(index).nbytes),
        "peak_rss_delta_gb": _gb(mem.delta),
        "query": summarize(times),
        "recall_at_10": round(recall_at_k(found, truth), 4),
        "params": search_knobs(index),
    }


def search_knobs(index: faiss.Index) -> str:
    """The query-time setting that trades recall for speed, so a recall figure says what it was measured with."""
    if isinstance(index, faiss.IndexHNSW):
        return f"M={index.hnsw.nb_neighbors(1)} efSearch={index.hnsw.efSearch}"
    if isinstance(index, faiss.IndexIVF):
        return f"nlist={index.nlist} nprobe={index.nprobe}"
    return "exact"


def bench_faiss_kinds(vectors: np.ndarray, queries: np.ndarray, auto: str) -> tuple[faiss.Index, dict[str, dict]]:
    """Every index type on the same vectors and queries; keeps only the one ``auto`` picks, to serve."""
    truth = exact_neighbours(vectors, queries)
    kinds: dict[str, dict] = {}
    serving = None
    for kind in FAISS_KINDS:
        _log(f"  faiss {kind}")
        index, kinds[kind] = bench_faiss(vectors, queries, truth, kind)
        serving = index if kind == auto else serving
        del index
        gc.collect()
    return serving, kinds


# ---------------------------------------------------------------- 2c. one size, end to end


def bench_serving(assistant: Assistant, questions: Sequence[str], reps: int) -> dict:
    """Retrieval per mode and the full hybrid answer on a (synthetic) index, after a warm-up pass."""
    k = assistant.settings.top_k
    for q in questions:
        assistant.ask(q)
    search: dict[str, list[float]] = {m: [] for m in MODES}
    answer: list[dict[str, float]] = []
    for _ in range(reps):
        for q in questions:
            for mode in MODES:
                search[mode].append(timed(lambda q=q, mode=mode: assistant.retriever.search(q, k=k, mode=mode))[1])
            answer.append(assistant.ask(q).timings_ms)
    return {
        "search": {m: summarize(search[m]) for m in MODES},
        "keyword_search": summarize(
            [timed(lambda q=q: assistant.index.keyword_search(q, assistant.settings.candidates))[1] for q in questions]
        ),
        "answer_retrieve": summarize([t["retrieve"] for t in answer]),
        "answer_total": summarize([t["total"] for t in answer]),
    }


def bench_size(
    base: Index,
    settings: Settings,
    questions: Sequence[str],
    real_queries: np.ndarray,
    n: int,
    reps: int,
    profile: bool,
) -> dict:
    """Section 2 at one size: keyword index, each FAISS type, then the app's own path on the auto-chosen type.

    ``profile`` adds hot spots of the answer path at this size, to see what grows with the corpus.
    """
    baseline = rss_bytes()
    sources = np.random.default_rng(n).integers(0, len(base.chunks), n)
    chunks, gen_ms = timed(lambda: synthetic_chunks(base.chunks, sources))
    vectors = synthetic_vectors(base.vectors, sources)
    _log(f"scale {n}: corpus made in {gen_ms / 1000:.1f} s; keyword index")
    keyword, kw = bench_keyword_build(chunks)
    auto = choose_index_type(n, "auto")
    serving_faiss, kinds = bench_faiss_kinds(vectors, query_vectors(real_queries, base.vectors), auto)
    index = Index(base.path, base.manifest, base.docs, base.texts, chunks, vectors, serving_faiss, keyword)
    assistant, init_ms = timed(lambda: Assistant(index, settings))
    _log(f"scale {n}: serving on {auto}")
    serving = bench_serving(assistant, questions, reps)
    memory = {
        "serving_rss_gb": _gb(rss_bytes() - baseline),
        "vectors_bytes": int(vectors.nbytes),
        "faiss_bytes": kinds[auto]["bytes"],
        "keyword_bytes": kw["bytes"],
        "peak_rss_gb": _gb(peak_rss_bytes()),
    }
    result = {
        "chunks": n,
        "generate_s": round(gen_ms / 1000, 2),
        "keyword": kw,
        "faiss": kinds,
        "auto": auto,
        "auto_meets_targets": _meets_scale_targets(kinds[auto], serving, memory),
        "assistant_init_s": round(init_ms / 1000, 2),
        "serving": serving,
        "memory": memory,
    }
    if profile:
        result["profile"] = profile_answers(assistant, questions)
    return result


def _meets_scale_targets(kind: dict, serving: dict, memory: dict) -> dict[str, bool]:
    """The 1M targets applied at this size to the type ``choose_index_type`` picked."""
    return {
        "search_median": serving["search"]["hybrid"]["median_ms"] <= TARGETS["scale_search_median_ms"],
        "dense_median": kind["query"]["median_ms"] <= TARGETS["scale_search_median_ms"],
        "recall": kind["recall_at_10"] >= TARGETS["scale_recall"],
        "memory": memory["serving_rss_gb"] <= TARGETS["scale_memory_gb"],
    }


def bench_scale(
    base: Index, settings: Settings, questions: Sequence[str], sizes: Sequence[int], reps: int, profile: bool = False
) -> list[dict]:
    """Section 2 at every size, smallest first; everything of one size is freed before the next.

    ``profile`` adds hot spots at the largest size.
    """
    embedder = load_embedder(settings)
    real_queries = np.vstack([embedder.embed_query(q) for q in questions]).astype(np.float32)
    results = []
    for n in sorted(sizes):
        results.append(
            bench_size(base, settings, questions, real_queries, n, reps, profile=profile and n == max(sizes))
        )
        gc.collect()
    return results


# ---------------------------------------------------------------- 3. profile


def profile_answers(assistant: Assistant, questions: Sequence[str], top: int = 12) -> dict:
    """Where the full-answer path spends its time: pyinstrument over one pass of the questions.

    Self time finds the leaves that burn CPU (library or ours); inclusive time
    of our own functions (qa/, index/) tells which step of the pipeline to attack.
    """
    if importlib.util.find_spec("pyinstrument") is None:
        return {"skipped": "pyinstrument is not installed (pip install -r requirements-dev.txt)"}
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for q in questions:
        assistant.ask(q)
    root = profiler.stop().root_frame()
    self_time: dict[str, float] = {}
    inclusive: dict[str, float] = {}
    _accumulate(root, self_time, inclusive, frozenset())
    total = root.time if root else 0.0
    project = {k: v for k, v in inclusive.items() if _is_project(k)}
    return {
        "seconds": round(total, 3),
        "questions": len(questions),
        "self": _top(self_time, total, top),
        "project_inclusive": _top(project, total, top),
    }


def _accumulate(frame: Any, self_time: dict[str, float], inclusive: dict[str, float], above: frozenset[str]) -> None:
    """Sum self and inclusive time per function; recursion counts a function's inclusive time once."""
    if frame is None:
        return
    key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
    if not frame.is_synthetic:
        self_time[key] = self_time.get(key, 0.0) + frame.total_self_time
        if key not in above:
            inclusive[key] = inclusive.get(key, 0.0) + frame.time
    for child in frame.children:
        _accumulate(child, self_time, inclusive, above | {key})


def _is_project(key: str) -> bool:
    return bool(re.search(r"\((?:\S*/)?(?:qa|index)/\w+\.py:", key)) and "site-packages" not in key


def _top(times: dict[str, float], total: float, n: int) -> list[dict]:
    ranked = sorted(times.items(), key=lambda kv: -kv[1])[:n]
    return [{"function": k, "seconds": round(v, 4), "share": round(v / total, 3) if total else 0.0} for k, v in ranked]


# ---------------------------------------------------------------- targets and report


def check_targets(corpus: dict | None, scale: Sequence[dict]) -> list[dict]:
    """Every target with its measured value; the 1M targets only when 1M (or more) was measured."""
    checks = []
    if corpus and "median_s" in corpus["build"]:
        checks.append(_check("full build (s), current corpus", corpus["build"]["median_s"], TARGETS["build_s"]))
    if corpus:
        embed = corpus["queries"]["embed_query"]["median_ms"]
        checks.append(_check("query embedding median (ms)", embed, TARGETS["embed_query_median_ms"]))
        hybrid = corpus["queries"]["modes"]["hybrid"]["answer_total"]
        checks.append(
            _check("full answer median (ms), current corpus", hybrid["median_ms"], TARGETS["answer_median_ms"])
        )
        checks.append(_check("full answer p95 (ms), current corpus", hybrid["p95_ms"], TARGETS["answer_p95_ms"]))
    for size in scale:
        if size["chunks"] >= TARGET_SCALE:
            auto = size["faiss"][size["auto"]]
            n = f"{size['chunks']:,}"
            checks.append(
                _check(
                    f"hybrid search median (ms) at {n}",
                    size["serving"]["search"]["hybrid"]["median_ms"],
                    TARGETS["scale_search_median_ms"],
                )
            )
            checks.append(
                _check(f"{size['auto']} recall@10 at {n}", auto["recall_at_10"], TARGETS["scale_recall"], higher=True)
            )
            checks.append(
                _check(f"serving memory (GB) at {n}", size["memory"]["serving_rss_gb"], TARGETS["scale_memory_gb"])
            )
    return checks


def _check(name: str, value: float, target: float, higher: bool = False) -> dict:
    met = value >= target if higher else value <= target
    return {"target": name, "value": value, "limit": f"{'≥' if higher else '≤'} {target:g}", "met": met}


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return markdown_table(headers, [[str(c) for c in row] for row in rows]).split("\n")


def _corpus_markdown(corpus: dict) -> list[str]:
    build, load, q, mem = corpus["build"], corpus["load"], corpus["queries"], corpus["memory"]
    if build["builds"]:
        built = (
            f"full build (force) median {build['median_s']} s over {build['builds']} build(s) = "
            f"{build['chunks_per_s']} chunks/s; {EXTRAPOLATE_TO:,} chunks extrapolated: "
            f"{build[f'extrapolated_{EXTRAPOLATE_TO}_s'] / 60:.0f} min"
        )
    else:
        built = f"no build (--builds 0): reused {build['reused']}"
    lines = [
        "## Current corpus",
        "",
        f"- {corpus['chunks']} chunks; {built}; model load {build['model_load_ms']} ms",
        f"- embedding engine `{build['engine']['model_id']}` (embed_backend={build['engine']['backend']}): "
        f"{build['embed_passages_per_s']} passages/s on a sample of {build['embed_sample']}",
        f"- `load_index` median {load['median_ms']} ms over {load['reps']} reps",
        f"- peak RSS {mem['peak_rss_gb']} GB; Python heap peak (load + one pass) {mem['python_heap_peak_mb']} MB",
        f"- latency pooled over {q['reps']} reps x {q['questions']} questions, after a warm-up pass; "
        f"query embedding alone {_ms(q['embed_query'])} ms (median / p95)",
        "",
    ]
    rows = []
    for mode, s in q["modes"].items():
        r = s["ratio_vs_hybrid"]
        rows.append(
            [mode, _ms(s["search"]), r["search"], _ms(s["answer_retrieve"]), _ms(s["answer_total"]), r["answer_total"]]
        )
    headers = ["mode", "search median / p95 ms", "x hybrid", "answer: retrieve ms", "answer: total ms", "x hybrid"]
    return [*lines, *_table(headers, rows), ""]


def _ms(stats: dict) -> str:
    return f"{stats['median_ms']:.1f} / {stats['p95_ms']:.1f}"


def _scale_markdown(scale: Sequence[dict]) -> list[str]:
    lines = ["## Scale (synthetic corpus and vectors)", ""]
    faiss_rows = []
    serving_rows = []
    keyword_rows = []
    for size in scale:
        n = f"{size['chunks']:,}"
        for kind, s in size["faiss"].items():
            mark = " (auto)" if kind == size["auto"] else ""
            faiss_rows.append(
                [
                    n,
                    kind + mark,
                    s["params"],
                    s["build_s"],
                    _ms(s["query"]),
                    s["recall_at_10"],
                    f"{s['bytes'] / 2**20:.0f}",
                    s["peak_rss_delta_gb"],
                ]
            )
        kw = size["keyword"]
        keyword_rows.append(
            [
                n,
                kw["build_s"],
                kw["peak_rss_delta_gb"],
                f"{kw['bytes'] / 2**20:.0f}",
                _ms(size["serving"]["keyword_search"]),
            ]
        )
        s = size["serving"]
        meets = ", ".join(k for k, ok in size["auto_meets_targets"].items() if not ok) or "all"
        serving_rows.append(
            [
                n,
                size["auto"],
                *(_ms(s["search"][m]) for m in MODES),
                _ms(s["answer_total"]),
                size["memory"]["serving_rss_gb"],
                size["assistant_init_s"],
                "met: " + meets if meets == "all" else "missed: " + meets,
            ]
        )
    lines += [
        f"Texts: real sentences recombined and perturbed. Vectors: two real chunk vectors mixed plus noise from the "
        f"real vectors' covariance (x{NOISE}), renormalised, because embedding 1M texts is impossible here; "
        "recall on them is indicative. Queries: the dev questions' real vectors plus perturbed copies (200).",
        "",
        "### FAISS (one query at a time, k=10; recall vs exact search)",
        "",
    ]
    lines += _table(
        [
            "chunks",
            "type",
            "search setting",
            "build s",
            "query median / p95 ms",
            "recall@10",
            "size MiB",
            "build peak RSS GB",
        ],
        faiss_rows,
    )
    lines += ["", "### Keyword index (bm25s over bigrams)", ""]
    lines += _table(
        ["chunks", "KeywordIndex.build s", "its peak RSS GB", "size MiB", "keyword_search median / p95 ms"],
        keyword_rows,
    )
    lines += ["", "### The app's path on the auto-chosen index", ""]
    headers = [
        "chunks",
        "auto type",
        *(f"{m} search ms" for m in MODES),
        "full answer ms",
        "serving RSS GB",
        "assistant init s",
        "1M targets",
    ]
    return [*lines, *_table(headers, serving_rows), ""]


def _profile_markdown(title: str, profile: dict) -> list[str]:
    if "skipped" in profile:
        return [f"## Hot spots: {title}", "", profile["skipped"], ""]
    lines = [
        f"## Hot spots: {title}",
        "",
        f"{profile['questions']} questions answered in {profile['seconds']} s (pyinstrument).",
        "",
    ]
    lines += _table(
        ["self time", "s", "share"],
        [[f"`{h['function']}`", h["seconds"], f"{h['share']:.0%}"] for h in profile["self"]],
    )
    lines += [
        "",
        *_table(
            ["our function, inclusive", "s", "share"],
            [[f"`{h['function']}`", h["seconds"], f"{h['share']:.0%}"] for h in profile["project_inclusive"]],
        ),
        "",
    ]
    return lines


def _retrieval_markdown(retrieval: dict[str, dict[str, dict]]) -> list[str]:
    rows = [
        [mode, name, r["n"], r["hit_at_5"], r["accuracy"], r["latency_ms_median"], r.get("latency_ms_p95")]
        for mode, sets in retrieval.items()
        for name, r in sets.items()
    ]
    headers = ["mode", "test set", "n", "recall@5 (hit@5)", "accuracy", "answer median ms", "answer p95 ms"]
    return ["## Retrieval per mode (every test set)", "", *_table(headers, rows), ""]


def render_markdown(result: dict) -> str:
    """The human-readable report: targets first, then each section."""
    lines = ["# Benchmark", "", f"{result['machine']}; {result['started']}", "", "## Targets", ""]
    lines += _table(
        ["target", "value", "limit", "met"],
        [[c["target"], c["value"], c["limit"], "yes" if c["met"] else "NO"] for c in result["targets"]],
    )
    lines.append("")
    if result.get("corpus"):
        lines += _corpus_markdown(result["corpus"])
    if result.get("retrieval"):
        lines += _retrieval_markdown(result["retrieval"])
    if result.get("scale"):
        lines += _scale_markdown(result["scale"])
    if result.get("profile"):
        lines += _profile_markdown("full answer, current corpus", result["profile"])
    for size in result.get("scale", []):
        if "profile" in size:
            lines += _profile_markdown(f"full answer at {size['chunks']:,} chunks", size["profile"])
    return "\n".join(lines)


def write_outputs(result: dict, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "bench.json", "markdown": out_dir / "bench.md"}
    paths["json"].write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["markdown"].write_text(render_markdown(result), encoding="utf-8")
    return paths


# ---------------------------------------------------------------- CLI


def bench_retrieval(assistant: Assistant, sets: Sequence[Path]) -> dict[str, dict[str, dict]]:
    """recall@5 (hit@5: evidence among the first five passages) and answer latency, per mode and test set."""
    keys = ("n", "hit_at_5", "accuracy", "latency_ms_median", "latency_ms_p95")
    out: dict[str, dict[str, dict]] = {}
    for mode in MODES:
        out[mode] = {}
        for path in sets:
            report = evaluate(load_testset(path), functools.partial(assistant.ask_json, mode=mode), progress=False)
            out[mode][path.stem] = {k: report["totals"].get(k) for k in keys}
            _log(f"  {mode} {path.stem}: hit@5 {out[mode][path.stem]['hit_at_5']}")
    return out


def run(
    settings: Settings,
    questions: Sequence[str],
    reps: int,
    builds: int,
    sizes: Sequence[int],
    out_dir: Path,
    sets: Sequence[Path] = (),
) -> dict:
    """Every section, on a temporary index built from ``settings.corpus_dir`` (or the current one: ``builds == 0``).

    The report is rewritten after each section, so an interrupted run keeps what it measured.
    """
    result: dict[str, Any] = {"machine": _machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "targets": []}
    with tempfile.TemporaryDirectory(prefix="xqa-bench-") as tmp:
        isolated = settings.replace(index_dir=Path(tmp) / "index", var_dir=Path(tmp) / "var") if builds else settings
        result["corpus"], assistant = bench_corpus(isolated, questions, reps, builds)
        _save(result, out_dir)
        if sets:
            _log(f"recall@5 and latency per mode on {', '.join(p.stem for p in sets)}")
            result["retrieval"] = bench_retrieval(assistant, sets)
            _save(result, out_dir)
        _log("profiling the answer path")
        result["profile"] = profile_answers(assistant, questions)
        result["scale"] = []
        for n in sorted(sizes):
            result["scale"] += bench_scale(assistant.index, isolated, questions, [n], reps, profile=n == max(sizes))
            _save(result, out_dir)
    _save(result, out_dir)
    return result


def _save(result: dict, out_dir: Path) -> None:
    result["targets"] = check_targets(result.get("corpus"), result.get("scale", []))
    write_outputs(result, out_dir)


def _machine() -> str:
    return f"{os.cpu_count()} CPUs, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / GB:.0f} GiB, faiss {faiss.__version__}"


def _sizes(text: str) -> list[int]:
    return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of load and query timings (default 5)")
    parser.add_argument(
        "--builds", type=int, default=2, help="full index builds to time (default 2; --quick: 1; 0: reuse the index)"
    )
    parser.add_argument(
        "--sets",
        default=None,
        help="test sets (names or .jsonl paths) for recall per mode (default: all; --quick: dev_qa; '' skips)",
    )
    parser.add_argument(
        "--scale", type=_sizes, default=None, help="synthetic sizes, comma-separated (default 10000,100000); '' skips"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for bench.json and bench.md")
    parser.add_argument("--quick", action="store_true", help="1 build, 2 reps, 10k scale only (unless --scale)")
    parser.add_argument("--testset", type=Path, default=DEV_SET, help="questions to time (field 'question')")
    return parser


def _sets(text: str | None, quick: bool) -> list[Path]:
    """Test sets by name (under testsets/) or path; default every set (``--quick``: the dev set)."""
    if text is None:
        return [DEV_SET] if quick else sorted(TESTSETS.glob("*.jsonl"))
    return [Path(s) if s.endswith(".jsonl") else TESTSETS / f"{s}.jsonl" for s in text.split(",") if s]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    builds, reps = (min(args.builds, 1), min(args.reps, 2)) if args.quick else (args.builds, args.reps)
    sizes = args.scale if args.scale is not None else ([10_000] if args.quick else list(DEFAULT_SCALES))
    questions = [item["question"] for item in load_testset(args.testset)]
    sets = _sets(args.sets, args.quick)
    result = run(Settings.from_env(), questions, max(reps, 1), max(builds, 0), sizes, args.out, sets)
    _log(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.md'}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
