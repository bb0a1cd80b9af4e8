"""The Milvus store on real Milvus Lite: same answers as the embedded store, changes seen by running replicas,
filters, and an unusable URI refused in one line with the embedded index untouched.

The session index (tests/conftest.py) is published once into a Milvus Lite file; tests that change documents
work on a copy of corpus and index with their own Milvus file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.milvus import free_port, start_server
from evaluation import load_testset
from index import Settings, build_index
from index.admin import add_document, remove_document, set_metadata
from index.milvus_store import MilvusIndex, MilvusUnavailable, connect, publish
from index.store import current_path, load_embedded, load_index
from qa import Assistant
from qa.retrieve import MODES, Retriever, docs_for_years

ROOT = Path(__file__).resolve().parent.parent
NEW_DOC = "2099-test-report"
NEW_TEXT = "一、2099年工作回顾\n建成月球科普馆一座，全年接待参观者12万人次。\n"
# Asked without a filter across processes; the filtered search on a grown replica is tested in-process below.
NEW_QUESTION = "月球科普馆接待参观者多少人次？"
# A replica reads the head once a second (milvus_store.REFRESH_SECONDS); model loading in a fresh process
# takes a few seconds more on a busy 2-core machine.  Past this, the change did not reach it.
REPLICA_DEADLINE_S = 120.0


@pytest.fixture(scope="module")
def published(built_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The session index published into its own Milvus Lite file."""
    settings = built_index.replace(store="milvus", milvus_uri=str(tmp_path_factory.mktemp("milvus") / "xqa.db"))
    assert publish(settings, load_embedded(settings)) == 1
    return settings


def _milvus_copy(corpus_copy: Settings, tmp_path: Path) -> Settings:
    return corpus_copy.replace(store="milvus", milvus_uri=str(tmp_path / "replicas.db"))


@pytest.mark.slow
def test_the_dev_set_is_answered_as_by_the_embedded_store(assistant: Assistant, published: Settings) -> None:
    milvus = Assistant.load(published)
    assert isinstance(milvus.index, MilvusIndex) and len(milvus.index) == len(assistant.index)
    items = load_testset(ROOT / "testsets" / "dev_qa.jsonl")
    differences = []
    for item in items:
        ours, theirs = (a.ask_json(item["question"], history=item.get("history")) for a in (assistant, milvus))
        if (ours["answer"], ours["citations"]) != (theirs["answer"], theirs["citations"]):
            differences.append(f"{item['id']}: embedded {ours['answer']!r} / milvus {theirs['answer']!r}")
    # The two stores share passages and vectors; only BM25 ties and float rounding may order a tail differently.
    assert len(differences) <= 0.05 * len(items), "\n".join(differences)


@pytest.mark.parametrize("mode", MODES)
def test_searches_filtered_by_document_and_year_return_the_embedded_passages(
    assistant: Assistant, published: Settings, mode: str
) -> None:
    ours = assistant.retriever
    theirs = Retriever(load_index(published), ours.embedder, ours.rrf_k, ours.candidates, ours.weights)
    year_docs = docs_for_years(ours.index, (2019,))
    assert year_docs and len(year_docs) < len(ours.index.docs)  # the year filter really narrows the search
    for question in ("地区生产总值增长多少", "完成公厕升级改造", "背街小巷环境整治提升"):
        for doc_ids in (None, ["2020-work-report"], year_docs):
            expected = [p.chunk.chunk_id for p in ours.search(question, 5, doc_ids, mode)]
            got = theirs.search(question, 5, doc_ids, mode)
            assert [p.chunk.chunk_id for p in got] == expected, (question, doc_ids)
            assert doc_ids is None or all(p.doc.doc_id in doc_ids for p in got)


@pytest.mark.slow
def test_a_filtered_search_reaches_a_document_added_after_the_replica_started(
    assistant: Assistant, corpus_copy: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _milvus_copy(corpus_copy, tmp_path)
    build_index(settings)
    replica = load_index(settings)
    ours = assistant.retriever
    retriever = Retriever(replica, ours.embedder, ours.rrf_k, ours.candidates, ours.weights)
    assert retriever.search("月球科普馆", 5, [NEW_DOC]) == []
    monkeypatch.setattr("index.milvus_store.REFRESH_SECONDS", 0.0)
    source = tmp_path / f"{NEW_DOC}.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    add_document(settings, source)
    assert replica.refresh(force=True)
    by_doc = retriever.search("月球科普馆", 5, [NEW_DOC], "keyword")
    assert by_doc and all(p.doc.doc_id == NEW_DOC for p in by_doc)
    by_year = retriever.search("月球科普馆", 5, docs_for_years(replica, (2099,)), "keyword")
    assert by_year and by_year[0].doc.doc_id == NEW_DOC


def _keyword_docs(index: MilvusIndex, text: str) -> list[str]:
    return [index.chunks[row].doc_id for row, _ in index.keyword_search(text, 5)]


def test_add_correct_and_remove_reach_a_running_replica_without_restart(
    corpus_copy: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _milvus_copy(corpus_copy, tmp_path)
    build_index(settings)  # nothing to embed: publishes the copied index
    replica = load_index(settings)
    assert isinstance(replica, MilvusIndex) and NEW_DOC not in replica.docs
    first_row_text = replica.chunks[0].text
    monkeypatch.setattr("index.milvus_store.REFRESH_SECONDS", 0.0)  # every search reads the head
    source = tmp_path / f"{NEW_DOC}.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    add_document(settings, source)
    assert _keyword_docs(replica, "月球科普馆")[0] == NEW_DOC  # seen by the next search, not by a reload
    assert NEW_DOC in replica.docs and replica.version == 2
    set_metadata(settings, NEW_DOC, {"speaker": "测试区长 某某"})
    assert replica.refresh(force=True) and replica.docs[NEW_DOC].speaker == "测试区长 某某"
    assert _keyword_docs(replica, "月球科普馆")[0] == NEW_DOC  # the corrected document's new rows are searched
    remove_document(settings, NEW_DOC)
    assert NEW_DOC not in _keyword_docs(replica, "月球科普馆") and NEW_DOC not in replica.docs
    assert replica.chunks[0].text == first_row_text  # row numbers handed out earlier still name their passage
    fresh = load_index(settings)  # a replica started now holds exactly the published documents
    assert set(fresh.docs) == set(load_embedded(settings).docs) and len(fresh) == len(load_embedded(settings))


def test_an_unreachable_milvus_is_one_line_and_changes_nothing(corpus_copy: Settings) -> None:
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    catalog = (corpus_copy.corpus_dir / "catalog.json").read_bytes()
    before = current_path(corpus_copy).resolve()
    env = {
        **os.environ,
        "XQA_STORE": "milvus",
        "XQA_MILVUS_URI": uri,
        "XQA_CORPUS_DIR": str(corpus_copy.corpus_dir),
        "XQA_INDEX_DIR": str(corpus_copy.index_dir),
    }
    for command in (["remove", "2006-work-report"], ["set-meta", "2006-work-report", "speaker=某"], ["build"]):
        run = subprocess.run(
            [sys.executable, "-m", "index", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 2, run.stderr
        assert run.stderr.startswith(f"error: Milvus at {uri} cannot be used") and run.stderr.count("\n") == 1
    assert any(p.stem == "2006-work-report" for p in corpus_copy.corpus_dir.iterdir())
    assert (corpus_copy.corpus_dir / "catalog.json").read_bytes() == catalog
    assert current_path(corpus_copy).resolve() == before and not (corpus_copy.index_dir / "pending.json").exists()
    assert "2006-work-report" in load_embedded(corpus_copy).docs


def test_a_damaged_milvus_file_is_reported_in_one_line(published: Settings, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.db"
    shutil.copytree(published.milvus_uri, damaged, ignore=shutil.ignore_patterns("LOCK"))
    for manifest in damaged.glob("collections/*/manifest.json*"):
        manifest.write_text("not json", encoding="utf-8")
    with pytest.raises(MilvusUnavailable) as caught:
        load_index(published.replace(milvus_uri=str(damaged)))
    assert str(caught.value).startswith(f"Milvus at {damaged} cannot be used") and "\n" not in str(caught.value)


def _until(deadline: float, check: Callable[[], bool]) -> bool:
    """Poll ``check`` until it holds or the deadline passes (no fixed sleep: each poll is a real request)."""
    while time.monotonic() < deadline:
        if check():
            return True
    return False


@pytest.fixture
def server(corpus_copy: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A ``milvus-lite server`` (its own process, as replicas share it) and the corpus copy's settings for it."""
    process, settings = start_server(tmp_path / "server", corpus_copy)
    try:
        yield settings
    finally:
        process.kill()
        process.wait()


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "XQA_STORE": "milvus",
        "XQA_MILVUS_URI": settings.milvus_uri,
        "XQA_CORPUS_DIR": str(settings.corpus_dir),
        "XQA_INDEX_DIR": str(settings.index_dir),
        **extra,
    }


@pytest.mark.slow
def test_two_replica_processes_on_one_milvus_lite_server_see_a_document_added_once(
    server: Settings, tmp_path: Path
) -> None:
    env = _env(server)
    replicas: list[subprocess.Popen] = []
    try:
        build_index(server)  # the admin side publishes the copied index once
        for _ in range(2):
            replicas.append(
                subprocess.Popen(
                    [sys.executable, "-m", "qa", "ask", "--json", "--batch", "-"],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )

        def sources(replica: subprocess.Popen) -> set[str]:
            assert replica.stdin and replica.stdout
            replica.stdin.write(NEW_QUESTION + "\n")
            replica.stdin.flush()
            answer = json.loads(replica.stdout.readline())
            return {c["source"] for c in answer["citations"]}

        assert all(f"{NEW_DOC}.txt" not in sources(r) for r in replicas)
        source = tmp_path / f"{NEW_DOC}.txt"
        source.write_text(NEW_TEXT, encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "index", "add", str(source)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        deadline = time.monotonic() + REPLICA_DEADLINE_S
        for replica in replicas:
            assert _until(deadline, lambda r=replica: f"{NEW_DOC}.txt" in sources(r)), (
                "a replica never saw the new document"
            )
    finally:
        for process in replicas:
            process.kill()
            process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("point", ["milvus-rows-written", "milvus-head-written"])
def test_a_removal_killed_while_publishing_serves_one_whole_version_and_the_next_start_completes_it(
    server: Settings, point: str
) -> None:
    build_index(server)
    doc = "2006-work-report"
    process = subprocess.Popen(
        [sys.executable, "-m", "index", "remove", doc],
        cwd=ROOT,
        env=_env(server, XQA_PAUSE_AT=point),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr
    for line in process.stderr:
        if f"paused at {point}" in line:
            break
    process.kill()
    process.wait()
    served = load_index(server)
    # Before the head moved replicas serve version 1 whole (the document and all its rows); after, version 2 whole.
    assert (doc in served.docs) == (point == "milvus-rows-written")
    assert {served.chunks[r].doc_id for r, _ in served.keyword_search("地区生产总值", 40)} <= set(served.docs)
    assert (server.index_dir / "pending.json").exists()  # the journal still names the removal
    build_index(server)  # the next start
    fresh = load_index(server)
    assert doc not in fresh.docs and not (server.index_dir / "pending.json").exists()
    rows = connect(server).query("xqa_chunks", filter="id >= 0", output_fields=["count(*)"])
    assert rows[0]["count(*)"] == len(fresh) == len(load_embedded(server))  # no row left behind
