"""qa.about: questions about a report itself, on the real index (cover lines cited, silence refused)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_session_is_cited_from_the_cover_line(assistant) -> None:
    a = assistant.ask("2020年那份政府工作报告是在哪次会议上作的？")
    assert not a.abstained and "第十六届人民代表大会第七次会议" in a.answer
    c = a.citations[0]
    assert c.doc_id == "2020-work-report" and c.section == "封面"
    assert "人民代表大会第七次会议" in "".join(c.quote.split())


def test_the_speaker_is_cited_and_a_silent_report_is_refused(assistant) -> None:
    a = assistant.ask("2014年的政府工作报告是谁作的？")
    assert "王少峰" in a.answer and a.citations[0].doc_id == "2014-work-report"
    silent = assistant.ask("2006年的政府工作报告是谁作的？")  # its text names no speaker
    assert silent.abstained and "没有写明" in silent.answer


def test_content_questions_are_not_taken_for_questions_about_the_report(assistant) -> None:
    a = assistant.ask("2014年的报告里，2013年三级税收是多少？")
    assert "3771.9亿元" in a.answer
