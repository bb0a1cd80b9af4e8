"""Hand-made documents, chunks and passages for the answering modules' own tests.

Every sentence here is written for the tests (in the style of a district work
report, about an invented district year), so the answering stages are tested on
text they were never tuned on.
"""

from __future__ import annotations

from index import Chunk, DocMeta
from qa.match import Idf
from qa.retrieve import Passage

REVIEW_DOC = DocMeta(doc_id="r", file="r.txt", title="某年政府工作报告", year=2031, years=(2030,), plan_years=(2031,))
TABLE_DOC = DocMeta(doc_id="t", file="t.txt", title="重点工作完成情况", kind="task_table", year=2031, years=(2030,))


def chunk(
    text: str,
    section: tuple[str, ...] = ("一、2030年工作回顾",),
    fields: dict[str, str] | None = None,
    doc: DocMeta = REVIEW_DOC,
) -> Chunk:
    return Chunk(
        chunk_id=f"{doc.doc_id}-{abs(hash(text)) % 10**8}",
        doc_id=doc.doc_id,
        start=0,
        end=len(text),
        text=text,
        section=section,
        fields=fields or {},
    )


def passage(text: str, rank: int = 1, doc: DocMeta = REVIEW_DOC, **kwargs: object) -> Passage:
    return Passage(row=rank, chunk=chunk(text, doc=doc, **kwargs), doc=doc, score=1.0 / rank, rank=rank)  # type: ignore[arg-type]


# A little "corpus" whose bigram statistics make report terms rare and function words common.
BACKGROUND = [
    "全年实现地区生产总值5120亿元，同比增长6.1%。",
    "区级一般公共预算收入完成388亿元，增长5.2%。",
    "新建口袋公园12处，改造老旧小区38个。",
    "全区完成背街小巷环境整治210条，新增停车位3400个。",
    "城镇登记失业率控制在1.2%以内。",
    "推进社区卫生服务中心建设，新增家庭医生团队45个。",
    "我们坚持稳中求进工作总基调，统筹发展和安全。",
    "加强生态环境保护，细颗粒物年均浓度降至28微克/立方米。",
]


def idf(*extra: str) -> Idf:
    return Idf([*BACKGROUND, *extra])
