"""The Milvus store beside the embedded one: same answers, and what it costs at scale.

    python -m bench.milvus [--sets dev_qa,...] [--keyword bm25s,milvus-bigram,milvus-jieba]
                           [--scale 10000,100000] [--reps N] [--out DIR]

1. Retrieval: the current embedded index (``XQA_INDEX_DIR``, built if missing) and the same index published
   to a temporary Milvus Lite file once per keyword mode (``index.milvus_store.KEYWORD_MODES``), every test
   set answered per retrieval mode through the chat's code path: hit@5 and accuracy per set, mode and store.
   The dense path is the same whatever the keyword mode, so dense is run once per store.
2. Scale: synthetic passages (``bench.corpus``: real sentences recombined, vectors mixed from the real ones)
   at each size, into FAISS (the embedded store) and, through :func:`publish`, into a ``milvus-lite server``
   process as replicas would share it: insert throughput, query p50/p95 (the app's own ``dense_search`` /
   ``keyword_search``, one query at a time), memory: the embedded store's growth of this process, the
   server's resident and peak memory, and a replica's own growth, loaded in a process of its own.

Writes ``milvus.json`` and ``milvus.md`` to ``--out`` (default ``.cache/bench``); progress on stderr.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evaluation import evaluate, load_testset
from evaluation.suite import DEFAULT_SETS, testset_path
from index import Index, Settings, build_faiss, build_index, choose_index_type, load_embedder
from index.config import ROOT
from index.milvus_store import KEYWORD_MODES, MilvusIndex, MilvusUnavailable, connect, load, publish
from index.store import load_embedded
from qa import Assistant
from qa.retrieve import MODES

from .corpus import (
    DEFAULT_OUT,
    DEV_SET,
    GB,
    PeakRss,
    _log,
    bench_keyword_build,
    query_vectors,
    rss_bytes,
    summarize,
    synthetic_chunks,
    synthetic_vectors,
    timed,
)

CANDIDATES = 40  # what the app asks each retriever for (Settings.candidates)
SERVER_START_S = 60.0  # a milvus-lite server answers within seconds; past this it is not coming up
QUERIES = 100  # one-at-a-time queries timed per store and size: p95 over 100 samples is the 5th-slowest


# ---------------------------------------------------------------- 1. retrieval


def _scores(assistant: Assistant, sets: Sequence[str], modes: Sequence[str]) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for mode in modes:
        out[mode] = {}
        for name in sets:
            report = evaluate(load_testset(testset_path(name)), functools.partial(assistant.ask_json, mode=mode), False)
            out[mode][name] = {k: report["totals"].get(k) for k in ("n", "hit_at_5", "accuracy")}
            _log(f"  {mode} {name}: hit@5 {out[mode][name]['hit_at_5']}")
    return out


def bench_retrieval(settings: Settings, sets: Sequence[str], keywords: Sequence[str], tmp: Path) -> dict[str, Any]:
    """hit@5 and accuracy per store, set and mode, all from the one embedded index."""
    build_index(settings.replace(store="embedded"))
    embedded = load_embedded(settings)
    results: dict[str, Any] = {"embedded": _scores(Assistant(embedded, settings), sets, MODES)}
    for keyword in keywords:
        _log(f"retrieval: milvus ({keyword})")
        published = settings.replace(store="milvus", milvus_uri=str(tmp / f"{keyword}.db"))
        publish(published, embedded, keyword=keyword)
        modes = MODES if keyword == keywords[0] else tuple(m for m in MODES if m != "dense")
        results[f"milvus/{keyword}"] = _scores(Assistant(load(published), published), sets, modes)
    return results


# ---------------------------------------------------------------- 2. scale


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, settings: Settings) -> tuple[subprocess.Popen, Settings]:
    """A ``milvus-lite server`` process on a free port, and ``settings`` pointed at it once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = settings.replace(store="milvus", milvus_uri=f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + SERVER_START_S
    while True:
        try:
            connect(served).close()
            return process, served
        except MilvusUnavailable:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise


def _process_memory_gb(pid: int) -> dict[str, float]:
    """Resident and peak resident memory of another process (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {
        name: round(int(fields[key].split()[0]) * 1024 / GB, 3) for name, key in (("rss", "VmRSS"), ("peak", "VmHWM"))
    }


# A replica in a fresh process: its memory growth from loading the published index (after the imports).
_REPLICA = (
    "import json; from bench.corpus import rss_bytes, timed; from index import Settings; "
    "from index.milvus_store import load; before = rss_bytes(); index, ms = timed(lambda: load(Settings.from_env())); "
    "print(json.dumps({'passages': len(index), 'load_s': ms / 1000, 'rss_bytes': rss_bytes() - before}))"
)


def _replica(settings: Settings) -> dict[str, float]:
    env = {"XQA_STORE": "milvus", "XQA_MILVUS_URI": settings.milvus_uri}
    run = subprocess.run(
        [sys.executable, "-c", _REPLICA], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )
    if run.returncode:
        raise RuntimeError(run.stderr.strip().splitlines()[-1])
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    return {"load_s": round(probe["load_s"], 1), "rss_gb": round(probe["rss_bytes"] / GB, 3)}


def _latency(search: Any, inputs: Sequence[Any]) -> dict[str, float]:
    return summarize([timed(lambda x=x: search(x, CANDIDATES))[1] for x in inputs])


def bench_scale_point(base: Index, settings: Settings, questions: Sequence[str], n: int, tmp: Path) -> dict:
    """One size: the same synthetic passages and vectors into FAISS and into Milvus Lite."""
    sources = np.random.default_rng(n).integers(0, len(base.chunks), n)
    chunks = synthetic_chunks(base.chunks, sources)
    vectors = synthetic_vectors(base.vectors, sources)
    embedder = load_embedder(settings)
    real = np.vstack([embedder.embed_query(q) for q in questions]).astype(np.float32)
    queries = list(query_vectors(real, base.vectors, QUERIES))
    texts = [questions[i % len(questions)] for i in range(QUERIES)]
    kind = choose_index_type(n, settings.faiss_index)
    _log(f"scale {n}: FAISS ({kind}) and bm25s")
    before = rss_bytes()
    with PeakRss() as faiss_mem:
        faiss_index, faiss_ms = timed(lambda: build_faiss(vectors, kind))
        keyword, keyword_stats = bench_keyword_build(chunks)
    synthetic = Index(base.path, base.manifest, base.docs, base.texts, chunks, vectors, faiss_index, keyword)
    embedded = {
        "index": kind,
        "insert_per_s": round(n / ((faiss_ms / 1000) + keyword_stats["build_s"]), 1),
        "dense": _latency(synthetic.dense_search, queries),
        "keyword": _latency(synthetic.keyword_search, texts),
        "rss_gb": round((rss_bytes() - before) / GB, 3),
        "peak_rss_delta_gb": round(faiss_mem.delta / GB, 3),
    }
    del faiss_index, keyword
    gc.collect()
    _log(f"scale {n}: milvus-lite server")
    server, published = start_server(tmp / f"scale-{n}", settings)
    try:
        idle = _process_memory_gb(server.pid)["rss"]
        _, publish_ms = timed(lambda: publish(published, synthetic))
        _log(f"scale {n}: published in {publish_ms / 1000:.0f} s; a replica loads")
        replica_process = _replica(published)
        replica = load(published)
        assert isinstance(replica, MilvusIndex)
        milvus = {
            "index": kind,
            "insert_per_s": round(n / (publish_ms / 1000), 1),
            "dense": _latency(replica.dense_search, queries),
            "keyword": _latency(replica.keyword_search, texts),
            "server_gb": {"idle": idle, **_process_memory_gb(server.pid)},
            "replica_load_s": replica_process["load_s"],
            "replica_rss_gb": replica_process["rss_gb"],
        }
    finally:
        server.kill()
        server.wait()
    return {"passages": n, "embedded": embedded, "milvus": milvus}


# ---------------------------------------------------------------- report


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(str(c) for c in r) + " |" for r in rows),
    ]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render(result: dict) -> str:
    lines = [f"# Milvus store beside the embedded one ({result['started']})", ""]
    retrieval = result.get("retrieval")
    if retrieval:
        stores = list(retrieval)
        lines += ["## hit@5 (accuracy) per set and mode", ""]
        rows = []
        for mode in MODES:
            for name in result["sets"]:
                cells = []
                for store in stores:
                    r = retrieval[store].get(mode, {}).get(name)
                    cells.append(f"{_fmt(r['hit_at_5'])} ({_fmt(r['accuracy'])})" if r else "same as first milvus")
                rows.append([name, mode, *cells])
        lines += [*_table(["set", "mode", *stores], rows), ""]
    if result.get("scale"):
        lines += ["## Scale (synthetic passages, one query at a time)", ""]
        rows = []
        for point in result["scale"]:
            for store in ("embedded", "milvus"):
                s = point[store]
                memory = (
                    s["rss_gb"] if store == "embedded" else "{rss} (peak {peak}, idle {idle})".format(**s["server_gb"])
                )
                rows.append(
                    [
                        point["passages"], store, s["index"], s["insert_per_s"],
                        f"{s['dense']['median_ms']} / {s['dense']['p95_ms']}",
                        f"{s['keyword']['median_ms']} / {s['keyword']['p95_ms']}",
                        memory, s.get("replica_rss_gb", "—"),
                    ]
                )  # fmt: skip
        headers = ["passages", "store", "index", "insert/s", "dense p50/p95 ms", "keyword p50/p95 ms"]
        lines += [*_table([*headers, "index RSS GB (server)", "replica RSS GB"], rows), ""]
    return "\n".join(lines)


def _save(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "milvus.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "milvus.md").write_text(render(result), encoding="utf-8")


def _list(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=_list, default=list(DEFAULT_SETS), help="test sets ('' skips section 1)")
    parser.add_argument("--keyword", type=_list, default=list(KEYWORD_MODES), help="Milvus keyword modes to score")
    parser.add_argument(
        "--scale", type=lambda t: [int(x) for x in _list(t.replace("_", ""))], default=[10_000, 100_000]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    questions = [item["question"] for item in load_testset(DEV_SET)]
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sets": args.sets, "scale": []}
    with tempfile.TemporaryDirectory(prefix="xqa-milvus-") as tmp:
        if args.sets:
            result["retrieval"] = bench_retrieval(settings, args.sets, args.keyword, Path(tmp))
            _save(result, args.out)
        base = load_embedded(settings) if args.scale else None
        for n in sorted(args.scale):
            assert base is not None
            result["scale"].append(bench_scale_point(base, settings, questions, n, Path(tmp)))
            _save(result, args.out)
            gc.collect()
    _log(f"wrote {args.out / 'milvus.md'}")
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
