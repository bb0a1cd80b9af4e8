"""Bad questions get a clear message or a safe answer, never a stack trace (real index and model)."""

from __future__ import annotations

import pytest

from qa import BadQuestion
from qa.guard import check_question


@pytest.mark.parametrize("text", ["", "   \n\t", "？？！！……", "😀🎉👍", None, 42])
def test_nothing_to_answer_is_refused_politely(text) -> None:
    with pytest.raises(BadQuestion) as exc:
        check_question(text, 500)
    assert "问题" in str(exc.value)


def test_over_long_question_is_cut_with_a_notice() -> None:
    text, notice = check_question("社会消费品零售总额" * 3000, 500)
    assert len(text) == 500 and "500" in notice


def test_control_characters_markup_and_broken_unicode_are_removed() -> None:
    text, _ = check_question("2019年\x00GDP\ud800是多少<script>alert(1)</script><b>？</b>", 500)
    assert text == "2019年GDP是多少？"  # the space left by the markup goes with it (qa.normalize)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("2019年GDP是多少\x00\x07", "4500亿元"),
        ("<script>alert(1)</script>2019年社会消费品零售总额是多少？", "1089亿元"),
        ("How many public toilets were renovated in 2019?", "169座"),
        ("What were retail sales in 2019?", "1089亿元"),
        ("2019年社会消费品零售总额是多少？" + "啊" * 20000, "1089亿元"),
    ],
)
def test_odd_but_answerable_questions_are_answered(assistant, question: str, expected: str) -> None:
    a = assistant.ask(question)
    assert expected in a.answer and a.citations


@pytest.mark.slow
def test_ask_refuses_empty_questions(assistant) -> None:
    with pytest.raises(BadQuestion):
        assistant.ask("   ")
