"""bench on tiny sizes: every section yields its fields with sane values.

No timing is asserted (the machine may be busy); what is checked is that the
benchmark measures what it says, on the index package's public API only.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import corpus as bench
from index import Chunk, Settings, build_index, choose_index_type

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "2019年全年实现社会消费品零售总额1,089亿元，同比增长4.2%。",
    "细颗粒物（PM2.5）年均浓度44微克/立方米、下降17%。",
    "区政府外办以规范外语标识工作促进街区品质提升。",
    "",
    "金融街论坛年会成功举办。",
]


def _positive_number(value: object) -> bool:
    return isinstance(value, int | float) and value > 0


def test_summarize_median_and_p95() -> None:
    stats = bench.summarize([float(x) for x in range(1, 101)])
    assert stats["median_ms"] == pytest.approx(50.5)
    assert stats["p95_ms"] == pytest.approx(95.05)
    assert stats["n"] == 100


def test_recall_at_k_counts_shared_ids() -> None:
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 3, 2, 1], [5, 6, 0, 9]])
    assert bench.recall_at_k(found, truth) == pytest.approx(0.75)


def test_bench_uses_only_the_index_package_api() -> None:
    source = (ROOT / "bench" / "corpus.py").read_text(encoding="utf-8")
    assert "from index." not in source.replace("from index.config import ROOT", "") and "._bm25" not in source


def test_synthetic_corpus_recombines_real_sentences() -> None:
    base = [Chunk(f"d{i}#0", f"d{i}", 0, len(t), t, ("节",), {}, f"报告{i}") for i, t in enumerate(TEXTS) if t]
    sources = np.array([0, 1, 2, 3, 0, 1])
    chunks = bench.synthetic_chunks(base, sources)
    assert [c.doc_id for c in chunks] == [base[s].doc_id for s in sources]
    assert all(
        c.text and c.end == len(c.text) and c.header == base[s].header for c, s in zip(chunks, sources, strict=True)
    )
    vectors = np.random.default_rng(0).standard_normal((len(base), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    synthetic = bench.synthetic_vectors(vectors, sources)
    queries = bench.query_vectors(vectors[:2], vectors, n=7)
    assert synthetic.shape == (6, 8) and queries.shape == (7, 8)
    assert np.allclose(np.linalg.norm(synthetic, axis=1), 1) and np.allclose(np.linalg.norm(queries, axis=1), 1)
    assert np.allclose(queries[:2], vectors[:2])


def test_targets_compare_values_with_limits() -> None:
    corpus = {
        "build": {"median_s": 30.0},
        "queries": {
            "embed_query": {"median_ms": 12.0},
            "modes": {"hybrid": {"answer_total": {"median_ms": 35.0, "p95_ms": 300.0}}},
        },
    }
    checks = bench.check_targets(corpus, [])
    assert [c["met"] for c in checks] == [True, False, True, False]
    assert "full build" in checks[0]["target"]
    reused = {**corpus, "build": {"builds": 0}}
    assert [c["met"] for c in bench.check_targets(reused, [])] == [False, True, False]


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """The first pages of one real report: a full build of it takes seconds, not minutes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (ROOT / "corpus" / "2006-work-report.txt").read_text(encoding="utf-8")
    (corpus / "2006-work-report.txt").write_text(text[:6000], encoding="utf-8")
    shutil.copy(ROOT / "corpus" / "catalog.json", corpus / "catalog.json")
    return corpus


@pytest.fixture
def tiny_testset(tmp_path: Path) -> Path:
    path = tmp_path / "qa.jsonl"
    lines = (ROOT / "testsets" / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_runs_every_section(
    tiny_corpus: Path,
    tiny_testset: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XQA_CORPUS_DIR", str(tiny_corpus))
    out = tmp_path / "bench"
    args = ["--quick", "--reps", "1", "--scale", "2000", "--out", str(out), "--testset", str(tiny_testset)]
    assert bench.main([*args, "--sets", str(tiny_testset)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert json.loads((out / "bench.json").read_text(encoding="utf-8")) == result
    markdown = (out / "bench.md").read_text(encoding="utf-8")
    assert "## Current corpus" in markdown and "## Scale" in markdown and "## Hot spots" in markdown
    assert "## Retrieval per mode" in markdown

    corpus = result["corpus"]
    assert corpus["chunks"] > 0 and corpus["build"]["builds"] == 1
    assert _positive_number(corpus["build"]["median_s"]) and _positive_number(corpus["build"]["chunks_per_s"])
    assert _positive_number(corpus["build"]["embed_passages_per_s"]) and corpus["build"]["engine"]["model_id"]
    assert corpus["build"]["extrapolated_100000_s"] > corpus["build"]["median_s"]
    retrieval = result["retrieval"]
    assert set(retrieval) == {"hybrid", "keyword", "dense"}
    for sets in retrieval.values():
        assert 0 <= sets["qa"]["hit_at_5"] <= 1 and sets["qa"]["n"] == 3 and sets["qa"]["latency_ms_median"] > 0
    assert _positive_number(corpus["load"]["median_ms"])
    assert _positive_number(corpus["memory"]["peak_rss_gb"]) and _positive_number(
        corpus["memory"]["python_heap_peak_mb"]
    )
    modes = corpus["queries"]["modes"]
    assert set(modes) == {"hybrid", "keyword", "dense"}
    for stats in modes.values():
        for part in ("search", "answer_retrieve", "answer_total"):
            assert stats[part]["n"] == 3 and stats[part]["p95_ms"] >= stats[part]["median_ms"] > 0
        assert all(_positive_number(r) for r in stats["ratio_vs_hybrid"].values())
    assert modes["hybrid"]["ratio_vs_hybrid"] == {"search": 1.0, "answer_total": 1.0}

    assert result["profile"]["questions"] == 3 and result["profile"]["self"] and result["profile"]["project_inclusive"]

    (size,) = result["scale"]
    assert size["chunks"] == 2000 and size["auto"] == choose_index_type(2000, "auto")
    for kind in ("flat", "hnsw", "ivfpq"):
        stats = size["faiss"][kind]
        assert 0 <= stats["recall_at_10"] <= 1 and stats["bytes"] > 0 and stats["query"]["median_ms"] > 0
    assert size["faiss"]["flat"]["recall_at_10"] == pytest.approx(1.0)
    keyword = size["keyword"]
    assert _positive_number(keyword["build_s"])
    assert keyword["bytes"] > 0 and size["serving"]["keyword_search"]["median_ms"] > 0
    assert all(size["serving"]["search"][m]["median_ms"] > 0 for m in ("hybrid", "keyword", "dense"))
    assert size["memory"]["vectors_bytes"] == 2000 * 384 * 4
    assert set(size["auto_meets_targets"]) == {"search_median", "dense_median", "recall", "memory"}
    assert "profile" in size
    assert [t["target"] for t in result["targets"]][:4] == [
        "full build (s), current corpus",
        "query embedding median (ms)",
        "full answer median (ms), current corpus",
        "full answer p95 (ms), current corpus",
    ]


@pytest.mark.slow
def test_builds_zero_reuses_the_current_index(
    tiny_corpus: Path,
    tiny_testset: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--builds 0`` times the index that is there, and profiling is skipped, not fatal, without pyinstrument."""
    monkeypatch.setenv("XQA_CORPUS_DIR", str(tiny_corpus))
    monkeypatch.setenv("XQA_INDEX_DIR", str(tmp_path / "index"))
    build_index(Settings.from_env())
    version = (tmp_path / "index" / "current").resolve()
    monkeypatch.setitem(sys.modules, "pyinstrument", None)  # as if the dev requirements were not installed
    args = ["--builds", "0", "--reps", "1", "--scale", "", "--sets", "", "--testset", str(tiny_testset)]
    assert bench.main([*args, "--out", str(tmp_path / "bench")]) == 0
    result = json.loads(capsys.readouterr().out)
    build = result["corpus"]["build"]
    assert build["builds"] == 0 and Path(build["reused"]) == version and "median_s" not in build
    assert (tmp_path / "index" / "current").resolve() == version  # nothing was rebuilt
    assert result["profile"] == {"skipped": bench.profile_answers(None, [])["skipped"]}
    assert "full build (s), current corpus" not in [t["target"] for t in result["targets"]]
