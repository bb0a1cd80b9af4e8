"""The persisted index: incremental builds, atomic swaps, damage detection, CLI.

Runs on a small real corpus (two real reports) with the real bundled model,
so each build costs seconds, not minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index import IndexUnavailable, Settings, build_index, load_embedder, load_index, status
from index.store import current_path

ROOT = Path(__file__).resolve().parent.parent


class CountingEmbedder:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim, self.embedded = inner, inner.model_id, inner.dim, 0

    def embed_passages(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def _small_corpus(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-report.txt").write_text(
        "一、2013年工作回顾\n地区生产总值预计实现2800亿元。\n新增学位3000余个。\n", encoding="utf-8"
    )
    (corpus / "b-report.md").write_text("一、2019年工作回顾\n完成169座公厕升级改造。\n", encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", var_dir=tmp_path / "var")


@pytest.fixture(scope="module")
def embedder():
    return load_embedder(Settings())


def test_build_then_load(tmp_path: Path, embedder) -> None:
    settings = _small_corpus(tmp_path)
    report = build_index(settings, embedder=embedder)
    assert sorted(report.embedded_docs) == ["a-report", "b-report"] and report.chunks >= 2
    index = load_index(settings)
    assert len(index) == report.chunks == index.vectors.shape[0] == index.faiss.ntotal
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-4)
    manifest = index.manifest
    assert manifest["model_id"] == embedder.model_id and manifest["dim"] == embedder.dim
    assert manifest["settings"]["chunk_size"] == settings.chunk_size
    assert set(manifest["docs"]) == {"a-report", "b-report"} and all(d["sha256"] for d in manifest["docs"].values())
    for c in index.chunks:
        assert index.texts[c.doc_id][c.start : c.end] == c.text


def test_changing_one_file_reembeds_only_that_document(tmp_path: Path, embedder) -> None:
    settings = _small_corpus(tmp_path)
    build_index(settings, embedder=embedder)
    counting = CountingEmbedder(embedder)
    report = build_index(settings, embedder=counting)
    assert report.embedded_docs == [] and counting.embedded == 0  # nothing changed, nothing embedded
    (settings.corpus_dir / "b-report.md").write_text("一、2019年工作回顾\n完成170座公厕升级改造。\n", encoding="utf-8")
    (settings.corpus_dir / "c-report.txt").write_text("2020年新增城市绿地8200平方米。\n", encoding="utf-8")
    (settings.corpus_dir / "a-report.txt").unlink()
    report = build_index(settings, embedder=counting)
    assert report.reused_docs == [] and sorted(report.embedded_docs) == ["b-report", "c-report"]
    assert report.removed_docs == ["a-report"]
    assert counting.embedded == 2  # one changed chunk, one new chunk
    index = load_index(settings)
    assert "170座" in " ".join(c.text for c in index.chunks) and "a-report" not in index.docs


def test_status_reports_pending_changes(tmp_path: Path, embedder) -> None:
    settings = _small_corpus(tmp_path)
    assert status(settings)["problem"] == "does not exist"
    build_index(settings, embedder=embedder)
    (settings.corpus_dir / "a-report.txt").write_text("改过的内容。", encoding="utf-8")
    (settings.corpus_dir / "new.txt").write_text("新文件。", encoding="utf-8")
    st = status(settings)
    assert st["problem"] is None and st["changed"] == ["a-report.txt"] and st["added"] == ["new.txt"]


def test_settings_mismatch_is_explained(tmp_path: Path, embedder) -> None:
    settings = _small_corpus(tmp_path)
    build_index(settings, embedder=embedder)
    with pytest.raises(IndexUnavailable, match="chunk_size") as exc:
        load_index(settings.replace(chunk_size=99))
    assert exc.value.reason == "stale"


def test_damaged_index_file_is_detected_with_a_remedy(tmp_path: Path, embedder) -> None:
    settings = _small_corpus(tmp_path)
    build_index(settings, embedder=embedder)
    vectors = current_path(settings) / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-40])  # truncated
    with pytest.raises(IndexUnavailable, match="python -m index build --force") as exc:
        load_index(settings)
    assert exc.value.reason == "damaged"
    build_index(settings, embedder=embedder, force=True)
    assert len(load_index(settings)) > 0


def test_unreadable_file_is_skipped_with_its_name(tmp_path: Path, embedder) -> None:
    settings = _small_corpus(tmp_path)
    (settings.corpus_dir / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    report = build_index(settings, embedder=embedder)
    assert "broken.pdf" in report.failed and "broken.pdf" in report.failed["broken.pdf"]
    assert sorted(load_index(settings).docs) == ["a-report", "b-report"]


@pytest.mark.slow
def test_killed_build_leaves_previous_index_loadable(tmp_path: Path, embedder) -> None:
    """kill -9 in the middle of embedding a large new document: the old index still loads, whole."""
    settings = _small_corpus(tmp_path)
    build_index(settings, embedder=embedder)
    before = load_index(settings)
    shutil.copy(ROOT / "corpus" / "2014-work-report.txt", settings.corpus_dir / "big.txt")
    env = {**os.environ, "XQA_CORPUS_DIR": str(settings.corpus_dir), "XQA_INDEX_DIR": str(settings.index_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "index", "build"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    seen = ""
    deadline = time.monotonic() + 120
    while "embedding" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.read(1) if proc.stderr else ""
    assert "embedding" in seen, "build never started embedding"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = load_index(settings)
    assert sorted(after.docs) == sorted(before.docs) and len(after) == len(before)
    assert after.path == before.path


def test_cli_status_build_add_remove(tmp_path: Path) -> None:
    settings = _small_corpus(tmp_path)
    env = {**os.environ, "XQA_CORPUS_DIR": str(settings.corpus_dir), "XQA_INDEX_DIR": str(settings.index_dir)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "index", *args], cwd=ROOT, env=env, capture_output=True, text=True)

    assert cli("build").returncode == 0
    st = json.loads(cli("status").stdout)
    assert st["documents"] == ["a-report.txt", "b-report.md"] and st["problem"] is None
    extra = tmp_path / "extra.txt"
    extra.write_text("2021年测试区新建图书馆7座。", encoding="utf-8")
    added = cli("add", str(extra))
    assert added.returncode == 0, added.stderr
    assert "extra" in load_index(settings).docs
    again = cli("add", str(extra))
    assert again.returncode == 2 and "内容相同" in again.stderr  # duplicate refused, clearly
    removed = cli("remove", "extra")
    assert removed.returncode == 0 and "extra" not in load_index(settings).docs
    assert cli("remove", "nothing-here").returncode == 2
