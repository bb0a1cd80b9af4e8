"""The keyword index's streamed, id-based build scores exactly like bm25s fed token strings."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from index.keyword import KeywordIndex, tokenize

TEXTS = [
    "全年完成地区生产总值增长百分之六，财政收入稳步增加。",
    "新建社区养老服务驿站十二家，老年餐桌覆盖各街道。",
    "",
    "PM2.5年均浓度下降到每立方米三十微克。",
    "完成老旧小区综合整治，改造供热管网。",
]
QUERIES = ("养老服务驿站", "PM2.5浓度", "老旧小区整治", "火星基地")


def _reference(texts: list[str]) -> bm25s.BM25:
    """bm25s's own path: one list of token strings per text."""
    retriever = bm25s.BM25()
    retriever.index([tokenize(t) or [""] for t in texts], show_progress=False)
    return retriever


def test_streamed_build_scores_like_token_string_build() -> None:
    built, reference = KeywordIndex.build(iter(TEXTS)), _reference(TEXTS)
    assert len(built) == len(TEXTS)
    for query in QUERIES:
        tokens = [t for t in tokenize(query) if t in reference.vocab_dict]
        expected = reference.get_scores(tokens) if tokens else np.zeros(len(TEXTS))
        assert np.allclose(built.scores(query), expected)
    assert int(np.argmax(built.scores("养老服务驿站"))) == 1
    assert not built.scores("火星基地").any()


def test_save_load_round_trip_and_size(tmp_path: Path) -> None:
    built = KeywordIndex.build(TEXTS)
    built.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert built.nbytes > 0 and loaded.nbytes == built.nbytes
    assert np.allclose(loaded.scores("老旧小区"), built.scores("老旧小区"))


def test_empty_corpus_is_one_empty_document() -> None:
    built = KeywordIndex.build([])
    assert len(built) == 1 and not built.scores("养老").any()
