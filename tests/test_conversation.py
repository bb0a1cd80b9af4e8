"""The conversation rule: a question that stands on its own takes nothing from history;
one that lacks a slot takes exactly that slot from the nearest earlier turn that has it.

Sentences written for these tests; the real assistant answers the follow-ups about task rows.
"""

from __future__ import annotations

import pytest

from qa.conversation import Turn, resolve
from qa.understand import analyse, missing_slots


@pytest.mark.parametrize(
    "question",
    [
        "2016年和2013年的三级税收相比有什么变化？",
        "2014年的政府工作报告是谁作的？",
        "老旧小区综合整治由哪个单位牵头？",
        "2019年全区新增了多少个停车位？",
        "近三年新增了多少学位？",
        # a deictic word after what it stands for points inside the question, not back
        "“智慧停车”建设这项任务由谁牵头？",
        "亚运会那年全区新增了多少绿地？",
        "2029年新建30个社区菜店，这事归谁管？",
    ],
)
def test_a_question_naming_its_subject_lacks_nothing(question: str) -> None:
    assert missing_slots(question) == frozenset()


@pytest.mark.parametrize(
    ("question", "slots"),
    [
        ("那2015年呢？", {"subject"}),
        ("增长率呢？", {"subject"}),  # an aspect of a subject is not a subject
        ("它现在弄得怎么样了？", {"subject"}),
        ("该项目的牵头单位是谁？", {"subject"}),
        ("那公共绿地面积呢？", {"ask"}),
        ("同期的常住人口是多少？", {"year"}),
        ("这份报告是哪天作的？", {"report", "subject"}),
    ],
)
def test_what_a_follow_up_lacks(question: str, slots: set[str]) -> None:
    assert missing_slots(question) == slots


def _turns(*questions: str) -> list[Turn]:
    turns: list[Turn] = []
    for q in questions:
        turns.append(Turn(resolve(q, turns).question))
    return turns


def test_a_self_contained_question_is_understood_as_if_alone() -> None:
    question = "2016年和2013年的三级税收相比有什么变化？"
    alone = resolve(question, [])
    after = resolve(question, _turns("2014年的政府工作报告是谁作的？", "金融街建设有哪些举措？"))
    assert after == alone and after.carried == ""


def test_a_missing_year_comes_from_the_nearest_turn_that_has_one() -> None:
    turns = _turns("2012年的常住人口是多少？", "垃圾分类由哪个部门牵头？")
    found = resolve("同期的地区生产总值是多少？", turns)
    assert found.question.years == (2012,)
    assert "地区生产总值" in found.question.text and "常住人口" not in found.question.text
    assert found.carried == "沿用前2问的2012年"


def test_a_missing_subject_keeps_the_new_year_and_says_what_was_carried() -> None:
    found = resolve("那2015年呢？", _turns("2011年的三级税收是多少？"))
    assert found.question.years == (2015,)
    assert found.question.text == "2015年的三级税收是多少？"
    assert found.carried == "沿用上一问的“三级税收”"


def test_an_aspect_follow_up_measures_the_same_subject() -> None:
    found = resolve("增长率呢？", _turns("2011年的三级税收是多少？"))
    assert "三级税收增长率" in found.question.text and found.question.years == (2011,)


def test_a_pronoun_is_replaced_by_the_earlier_subject() -> None:
    found = resolve("它的增速是多少？", _turns("2011年的三级税收是多少？"))
    assert found.question.text == "2011年三级税收的增速是多少？"


def test_a_task_row_answered_is_what_a_pronoun_refers_to() -> None:
    turn = Turn(analyse("社区食堂建设由哪个单位牵头？"), row=7, task="新建社区食堂二十家")
    for follow_up in ("那它完成了吗？", "这项任务搞定没有？", "最后建成了几家？"):
        q = resolve(follow_up, [turn]).question
        assert q.row == 7 and q.kind == "status", follow_up
        assert "新建社区食堂二十家" in q.text
    assert resolve("它的牵头单位是谁？", [turn]).question.kind == "unit"
    assert resolve("2019年全区新增了多少个停车位？", [turn]).question.row is None


def test_a_report_asked_about_is_the_subject_of_a_bare_follow_up() -> None:
    found = resolve("哪天作的？", _turns("2014年的政府工作报告是谁作的？"))
    assert found.question.doc_years == (2014,) and found.question.text.startswith("2014年报告")


# ---------------------------------------------------------------- the real assistant


@pytest.mark.slow
def test_history_does_not_change_a_self_contained_answer(assistant) -> None:
    question = "2016年和2013年的三级税收相比有什么变化？"
    alone = assistant.ask(question)
    history = [assistant.ask("2014年的政府工作报告是谁作的？"), assistant.ask("金融街建设有哪些举措？")]
    after = assistant.ask(question, history=history)
    assert after.answer == alone.answer and after.carried == ""
    assert not alone.abstained


@pytest.mark.slow
def test_follow_ups_about_a_task_row_are_answered_from_that_row(assistant) -> None:
    first = assistant.ask("2020年老楼加装电梯是哪个单位牵头的？")
    row = first.citations[0]
    status = assistant.ask("那它完成了吗？", history=[first])
    unit = assistant.ask("这项任务的牵头单位是谁？", history=[first, status])
    for follow in (status, unit):
        assert not follow.abstained and follow.citations[0].text == row.text, follow.answer
        assert follow.carried.startswith("沿用")
    assert status.answer.startswith(("已完成", "超额完成", "部分完成", "未按计划完成", "延期", "进行中"))
    assert "牵头单位" in unit.answer and unit.answer.split("[")[0] in first.answer


@pytest.mark.slow
def test_history_given_as_json_works_like_answers(assistant) -> None:
    first = assistant.ask("2020年老楼加装电梯是哪个单位牵头的？")
    from_json = assistant.ask("那它完成了吗？", history=[first.to_json()])
    from_answer = assistant.ask("那它完成了吗？", history=[first])
    assert from_json.answer == from_answer.answer
    assert from_json.to_json()["carried"] == from_answer.carried != ""
