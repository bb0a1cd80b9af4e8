"""qa.tasks: task rows as typed records, and questions over the whole table.

A hand-made table (sentences written for the tests) checks the selection rules; the real
2020 table checks that every row a unit leads is listed, each cited at its own task.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from answering import TABLE_DOC, chunk

from index.status import status_verdict
from qa.tasks import answer_table, matching, table_query, task_records
from qa.understand import analyse

ROWS = [
    ("民生保障", "1", "新建社区食堂二十家。", "区民政局(区委社会工委)", "已建成社区食堂22家,超额完成全年任务。"),
    ("民生保障", "2", "新增养老床位500张。", "区民政局(区委社会工委)", "受疫情影响,项目延期至次年实施。"),
    ("城市管理", "3", "完成背街小巷整治100条。", "区城市管理委", "已完成整治100条。"),
    ("城市管理", "4", "新建停车位3000个。", "区城市管理委、区交通支队", "已建成1800个,其余正在施工。"),
    (
        "经济发展",
        "5",
        "区级财政收入增长3%。",
        "区财政",
        "由年初预算400亿元调整为380亿元,全年完成381亿元,完成调整后目标。",
    ),
]


@pytest.fixture(scope="module")
def index() -> SimpleNamespace:
    """What the records read of an index: its chunks and documents."""
    chunks = []
    for category, number, task, units, status in ROWS:
        text = f"{category}{number}{task}{units}{status}"
        fields = {"category": category, "number": number, "task": task, "lead_units": units, "status": status}
        fields["verdict"] = status_verdict(status)  # as index.ingest stores it
        chunks.append(chunk(text, section=("2030年重点工作",), fields=fields, doc=TABLE_DOC))
    return SimpleNamespace(chunks=chunks, docs={TABLE_DOC.doc_id: TABLE_DOC})


def test_rows_are_typed_records_with_a_verdict(index: SimpleNamespace) -> None:
    records = task_records(index)
    assert [r.number for r in records] == ["1", "2", "3", "4", "5"]
    assert records[0].lead_units == ("区民政局(区委社会工委)",) and records[0].verdict == "超额完成"
    assert records[3].lead_units == ("区城市管理委", "区交通支队")
    assert records[1].verdict == "延期"


def test_a_revised_target_is_part_of_the_verdict() -> None:
    verdict = status_verdict("由年初预算400亿元调整为380亿元,全年完成381亿元,完成调整后目标。")
    assert verdict.startswith("已完成") and "调整为380亿元" in verdict
    assert status_verdict("增速由年初设定的5%左右调整为正增长。全年增长1.2%。") == "目标年内调整为正增长"
    assert status_verdict("作业模式调整为每日两洗。") == ""  # a change of method is no revised target


@pytest.mark.parametrize(
    ("question", "numbers"),
    [
        ("哪些任务由区民政局牵头？", ["1", "2"]),
        ("民政局牵头了几项任务？", ["1", "2"]),
        ("社会工委负责的工作有哪些？", ["1", "2"]),  # the name in brackets names the unit too
        ("城市管理委一共牵头了多少项任务？", ["3", "4"]),
        ("2030年有哪些重点任务延期了？", ["2"]),
        ("有哪些任务没有完成？", ["2", "4"]),
        ("区财政局牵头了几项任务？", ["5"]),  # the table prints the unit cut short ("区财政")
        ("哪些任务还在推进中？", ["4"]),  # part built, the rest under way
    ],
)
def test_questions_over_the_table_select_every_matching_row(
    index: SimpleNamespace, question: str, numbers: list[str]
) -> None:
    records = task_records(index)
    query = table_query(analyse(question), records)
    assert query is not None, question
    assert [r.number for r in matching(query, records, None)] == numbers


@pytest.mark.parametrize(
    "question", ["新建社区食堂二十家是哪个单位牵头的？", "背街小巷整治完成了吗？", "区民政局的养老床位任务完成了吗？"]
)
def test_a_question_about_one_row_is_not_a_table_question(index: SimpleNamespace, question: str) -> None:
    assert table_query(analyse(question), task_records(index)) is None


def test_the_answer_counts_then_cites_each_row_at_its_task(index: SimpleNamespace) -> None:
    records = task_records(index)
    query = table_query(analyse("哪些任务由区城市管理委牵头？"), records)
    draft = answer_table(query, matching(query, records, None), index)
    assert draft.lead == "共2项："
    for claim, record in zip(draft.claims, matching(query, records, None), strict=True):
        assert claim.passage.chunk.text[claim.start : claim.end] == record.task
        assert record.verdict in claim.text
    assert answer_table(query, [], index).reason == "table"


@pytest.mark.slow
def test_the_real_table_lists_every_row_a_unit_leads(assistant) -> None:
    answer = assistant.ask("2020年区城市管理委牵头了哪些重点任务？")
    rows = [r for r in assistant.tasks if any(u.startswith("区城市管理委") for u in r.lead_units)]
    assert answer.answer.startswith(f"共{len(rows)}项：") and len(rows) > 5
    assert len(answer.citations) == len(rows)
    assert all(c.quote in {r.task for r in rows} for c in answer.citations)


def test_a_changed_count_is_no_revised_target() -> None:
    assert status_verdict("全区由195个社区调整为152个，已全部完成换届。") == "已完成"


@pytest.mark.slow
def test_the_verdict_is_stored_with_each_row_at_index_time(assistant) -> None:
    rows = [c for c in assistant.index.chunks if c.fields.get("task")]
    assert len(rows) > 100 and all(c.fields["verdict"] == status_verdict(c.fields["status"]) for c in rows)
    assert {r.verdict for r in assistant.tasks} >= {"已完成", "延期"}
