"""qa.rerank: cited passages first, then by term coverage."""

from __future__ import annotations

from answering import idf, passage

from qa.rerank import rerank
from qa.understand import analyse


def test_cited_first_then_coverage_then_renumbered() -> None:
    off = passage("城镇登记失业率控制在1.2%以内。", rank=1)
    on = passage("新建口袋公园12处。", rank=2)
    cited = passage("口袋公园建设获评优秀案例。", rank=3)
    passages = [off, on, cited]
    passages = [
        p.__class__(row=i, chunk=p.chunk, doc=p.doc, score=p.score, rank=p.rank) for i, p in enumerate(passages)
    ]
    out = rerank(analyse("口袋公园新建了多少？"), passages, cited_rows=[2], idf=idf(), k=3)
    assert [p.chunk.text for p in out] == [cited.chunk.text, on.chunk.text, off.chunk.text]
    assert [p.rank for p in out] == [1, 2, 3]
    assert len(rerank(analyse("口袋公园"), passages, [], idf(), k=2)) == 2
