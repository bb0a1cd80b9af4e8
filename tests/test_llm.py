"""The model reader (qa.reader) on the real Assistant, index and model, against a scripted chat-completions server.

Each test scripts one reply of the model and proves one path: a faithful answer kept and highlighted
exactly, an invented figure dropped, a citation to a passage that was not shown, a wrong year, no
markers, "未找到", a computed figure, a slow reply past the timeout, a 500, a 429, a malformed stream,
an unreachable endpoint.  Every failure ends in the extractive answer with a one-line note.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import Script, ScriptedServer

from index import Settings
from qa import Answer, Assistant
from qa.reader import EXTRACT_READER, MODEL_READER, ModelReader, figures, streamed

pytestmark = pytest.mark.slow

QUESTION = "2019年社会消费品零售总额是多少？"
FIGURE_SENTENCE = "社会消费品零售总额预计实现1089亿元、增长4.5%"  # in the 2020 report's review of 2019
TIMEOUT = 1.0  # seconds: short, so the slow reply's test is quick; the scripted replies take milliseconds
SLACK_S = 0.5  # the deadline's overshoot allowed on a busy 2-core machine (thread wake-up, not a wait)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as s:
        yield s


@pytest.fixture(scope="module")
def bot(assistant: Assistant, server: ScriptedServer) -> Assistant:
    """The session's assistant with the scripted model as its reader (the session's own stays extractive)."""
    bot = copy.copy(assistant)
    bot.model = ModelReader(server.url, "scripted", timeout=TIMEOUT)
    return bot


@pytest.fixture(scope="module")
def extractive(assistant: Assistant) -> Answer:
    return assistant.ask(QUESTION)


@pytest.fixture(scope="module")
def n(extractive: Answer) -> int:
    """The number the prompt gives the passage holding the asked figure."""
    return next(i for i, p in enumerate(extractive.passages, 1) if FIGURE_SENTENCE in p.chunk.text)


def ask(bot: Assistant, server: ScriptedServer, script: Script, stream: bool = True) -> tuple[Answer, list[str]]:
    server.script = script
    shown: list[str] = []
    answer = bot.ask_model(QUESTION, on_text=shown.append if stream else None)
    return answer, shown


def assert_extractive(answer: Answer, extractive: Answer, note: str) -> None:
    assert answer.reader == EXTRACT_READER
    assert answer.answer == extractive.answer and answer.citations == extractive.citations
    assert note in answer.reader_note and answer.reader_note.endswith("以下为摘录答案")
    assert answer.checks["kept"] == 0


def assert_fallback(answer: Answer, extractive: Answer, note: str) -> None:
    assert_extractive(answer, extractive, note)
    assert answer.checks["fallback"] == 1 and answer.checks["not_found"] == 0


def test_no_model_configured_changes_nothing(assistant: Assistant, extractive: Answer):
    assert Settings().llm_url == "" and assistant.model is None
    answer = assistant.ask_model(QUESTION)
    assert answer.answer == extractive.answer and answer.reader == EXTRACT_READER
    assert "reader" not in answer.to_json()


def test_faithful_answer_is_kept_and_highlighted_exactly(bot, server, extractive, n):
    answer, shown = ask(bot, server, Script(f"2019年，西城区社会消费品零售总额预计实现1089亿元，增长4.5%[{n}]。"))
    assert answer.reader == MODEL_READER and answer.checks == {"kept": 1, "dropped": 0, "fallback": 0, "not_found": 0}
    assert answer.answer == "2019年，西城区社会消费品零售总额预计实现1089亿元，增长4.5%[1]。"
    assert answer.citations[0].quote == FIGURE_SENTENCE
    assert answer.citations[0].text == extractive.passages[n - 1].chunk.text
    assert all(f in answer.citations[0].text for f in figures(answer.answer))  # the year is checked apart
    assert not answer.abstained and answer.reader_note == ""
    assert shown == [answer.answer]  # the checked text reached the chat
    reader = {"name": MODEL_READER, "note": "", "kept": 1, "dropped": 0, "fallback": 0, "not_found": 0}
    assert answer.to_json()["reader"] == reader
    prompt = server.requests[-1]["messages"][1]["content"]
    assert f"[{n}]《" in prompt and "问题：" + QUESTION in prompt and "摘录答案：" in prompt


def test_prompt_numbers_passages_with_report_year_section(bot, server, extractive, n):
    ask(bot, server, Script(f"1089亿元[{n}]。"), stream=False)
    body = server.requests[-1]
    assert body["stream"] is False and body["model"] == "scripted"
    system, user = (m["content"] for m in body["messages"])
    assert "[n]" in system and "未找到" in system and "计算" in system
    p = extractive.passages[n - 1]
    assert f"[{n}]《{p.doc.title}》（{p.doc.years_label}年）{' > '.join(p.chunk.section)}" in user
    assert f"摘录答案：{FIGURE_SENTENCE}[{n}]" in user  # the draft's [1] renumbered to its passage
    assert f"[{n}] 指标：社会消费品零售总额 2019年 预计 1089亿元，增长4.5%" in user  # a typed fact


def test_invented_figure_is_dropped_never_shown(bot, server, n):
    answer, shown = ask(
        bot, server, Script(f"2019年社会消费品零售总额预计实现1089亿元[{n}]。其中网上零售额达到356亿元[{n}]。")
    )
    assert answer.reader == MODEL_READER and answer.checks == {"kept": 1, "dropped": 1, "fallback": 0, "not_found": 0}
    assert "356" not in answer.answer and all("356" not in s for s in shown)
    assert answer.reader_note == "已删去1处未能与原文核对的内容"


def test_citation_to_an_unshown_passage_falls_back(bot, server, extractive):
    answer, _ = ask(bot, server, Script(f"2019年社会消费品零售总额为1089亿元[{len(extractive.passages) + 4}]。"))
    assert_fallback(answer, extractive, "未能与原文核对（1处）")
    assert answer.checks["dropped"] == 1


def test_wrong_year_is_dropped(bot, server, extractive, n):
    answer, _ = ask(bot, server, Script(f"2018年社会消费品零售总额预计实现1089亿元[{n}]。"))
    assert_fallback(answer, extractive, "未能与原文核对（1处）")


def test_claim_without_markers_is_dropped(bot, server, extractive):
    answer, shown = ask(bot, server, Script("2019年社会消费品零售总额为1089亿元。"))
    assert_fallback(answer, extractive, "未能与原文核对（1处）")
    assert shown == []


def test_not_found_shows_the_extractive_answer(bot, server, extractive):
    answer, _ = ask(bot, server, Script("未找到"))
    assert_extractive(answer, extractive, "模型在检索到的段落中未找到答案")
    assert answer.checks == {"kept": 0, "dropped": 0, "fallback": 0, "not_found": 1}


def test_computed_figure_kept_only_when_it_is_computed_from_cited_figures(bot, server, extractive, n):
    right = f"2019年地区生产总值预计达到4500亿元，是区级一般公共预算收入431.1亿元的10.44倍（由[{n}]计算）[{n}]。"
    answer, _ = ask(bot, server, Script(right))
    assert answer.reader == MODEL_READER and answer.checks["kept"] == 1
    assert "10.44倍（由[1]计算）" in answer.answer
    assert (
        answer.citations[0].quote.startswith("地区生产总值预计达到4500亿元")
        and "431.1亿元" in answer.citations[0].quote
    )
    wrong, _ = ask(bot, server, Script(right.replace("10.44倍", "12倍")))
    assert_fallback(wrong, extractive, "未能与原文核对（1处）")
    unmarked, _ = ask(bot, server, Script(right.replace(f"（由[{n}]计算）", "")))
    assert_fallback(unmarked, extractive, "未能与原文核对（1处）")


def test_list_items_each_cited_with_their_own_evidence(bot, server, n):
    reply = (
        f"主要数据如下：\n1. 社会消费品零售总额预计实现1089亿元[{n}]\n2. 地区生产总值预计达到4500亿元、增长6%[{n}]\n"
    )
    answer, shown = ask(bot, server, Script(reply))
    assert answer.checks == {"kept": 2, "dropped": 0, "fallback": 0, "not_found": 0}
    assert answer.answer.startswith("主要数据如下：\n1. ") and answer.answer.count("\n") == 3
    assert [c.quote for c in answer.citations] == [FIGURE_SENTENCE, "地区生产总值预计达到4500亿元、增长6%"]
    assert len(shown) == 2 and shown[0].endswith("[1]\n")  # the first item streamed before the second was checked


def test_sentences_marked_once_at_their_end_are_one_claim(bot, server, n):
    reply = f"2019年西城区消费市场平稳。社会消费品零售总额预计实现1089亿元、增长4.5%[{n}]。"
    answer, _ = ask(bot, server, Script(reply))
    assert answer.checks["kept"] == 1 and answer.answer == reply.replace(f"[{n}]", "[1]")
    invented, _ = ask(bot, server, Script("2019年网上零售额达到356亿元。" + reply))
    assert invented.checks["dropped"] == 1 and invented.reader == EXTRACT_READER  # the run fails as one claim


def test_slow_reply_past_the_timeout_is_abandoned_at_the_deadline(bot, server, extractive, n):
    start = time.perf_counter()
    answer, shown = ask(bot, server, Script(f"1089亿元[{n}]。", delay=TIMEOUT * 5))
    assert time.perf_counter() - start < extractive.timings_ms["total"] / 1000 + TIMEOUT + SLACK_S
    assert TIMEOUT * 1000 <= answer.timings_ms["model"] < (TIMEOUT + SLACK_S) * 1000
    assert_fallback(answer, extractive, "模型超过1秒未答完")
    assert shown == []


@pytest.mark.parametrize(("status", "note"), [(500, "模型服务出错（500）"), (429, "模型服务繁忙（429）")])
def test_server_error_falls_back_with_one_line(bot, server, extractive, status, note):
    answer, _ = ask(bot, server, Script(status=status))
    assert_fallback(answer, extractive, note)
    assert "\n" not in answer.reader_note


def test_malformed_stream_falls_back(bot, server, extractive, n):
    answer, shown = ask(bot, server, Script(f"2019年社会消费品零售总额预计实现1089亿元[{n}]。", malformed=True))
    assert_fallback(answer, extractive, "模型的回复无法读取")
    assert shown == []


def test_unreachable_endpoint_falls_back_within_the_timeout(assistant, extractive):
    bot = copy.copy(assistant)
    bot.model = ModelReader("http://127.0.0.1:9/v1", "absent", timeout=TIMEOUT)  # port 9 (discard): nothing listens
    answer = bot.ask_model(QUESTION)
    assert_fallback(answer, extractive, "无法连接模型服务")
    assert answer.timings_ms["model"] < (TIMEOUT + SLACK_S) * 1000


def test_streamed_yields_checked_text_then_the_answer(bot, server, n):
    server.script = Script(f"社会消费品零售总额预计实现1089亿元[{n}]。地区生产总值预计达到4500亿元[{n}]。")
    items = list(streamed(lambda on_text: bot.ask_model(QUESTION, on_text=on_text)))
    *texts, answer = items
    assert isinstance(answer, Answer) and texts and texts[-1] == answer.answer
    assert all(isinstance(t, str) and answer.answer.startswith(t) for t in texts)


def test_dev_set_through_a_real_endpoint(assistant: Assistant):
    """Where XQA_LLM_TEST_URL names a real OpenAI-compatible endpoint, the dev set runs through its model."""
    url = os.environ.get("XQA_LLM_TEST_URL")
    if not url:
        pytest.skip("XQA_LLM_TEST_URL is not set: no real model endpoint to run the dev set through")
    from evaluation.runner import evaluate, load_testset

    bot = copy.copy(assistant)
    bot.model = ModelReader(url, os.environ.get("XQA_LLM_TEST_MODEL", ""), os.environ.get("XQA_LLM_TEST_KEY", ""))
    items = load_testset(ROOT / "testsets" / "dev_qa.jsonl")
    report = evaluate(items, lambda q, **kw: bot.ask_model(q, **kw).to_json(), progress=False)
    totals = report["totals"]
    assert totals["n_errors"] == 0 and totals["model_answers"] == len(items)
    print(
        f"accuracy {totals['accuracy']:.3f}, kept {totals['claims_kept']}, dropped {totals['claims_dropped']}, "
        f"fallbacks {totals['fallbacks']}"
    )


def chat_messages(handlers, question: str) -> list[list[dict]]:
    """The chat handler's updates of the conversation, as the page receives them."""
    return [update[1] for update in handlers.chat(question, [], [], "", "") if isinstance(update[1], list)]


def test_app_starts_and_answers_with_the_endpoint_unreachable(settings: Settings, assistant, extractive):
    import app

    offline = settings.replace(llm_url="http://127.0.0.1:9/v1", llm_model="absent", llm_timeout=TIMEOUT)
    bot = copy.copy(assistant)
    bot.model = ModelReader.from_settings(offline)
    app.build_app(offline, bot)  # the page is built without reaching the endpoint
    last = chat_messages(app.Handlers(offline, bot), QUESTION)[-1][-1]["content"]
    assert extractive.answer.split("[")[0] in last and "无法连接模型服务，以下为摘录答案" in last


def test_chat_streams_the_checked_claims_and_names_the_reader(settings: Settings, bot, server, n):
    import app

    server.script = Script(f"社会消费品零售总额预计实现1089亿元[{n}]。其中网上零售额达到356亿元[{n}]。")
    updates = chat_messages(app.Handlers(settings, bot), QUESTION)
    assert all("356" not in m[-1]["content"] for m in updates)  # a dropped claim is never shown, not even streamed
    assert any(m[-1]["content"].startswith("社会消费品零售总额预计实现1089亿元") for m in updates[:-1])
    assert "模型撰写·已核对：已删去1处未能与原文核对的内容" in updates[-1][-1]["content"]
