"""``python -m qa ask`` run as a user runs it: a subprocess on the session index."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index import Settings
from qa import Assistant

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
CONTRACT = {"question", "rewritten", "carried", "answer", "abstained", "citations", "passages", "timings_ms", "series"}


def run_qa(
    settings: Settings,
    tmp_path: Path,
    *args: str,
    stdin: str | None = None,
    command: str = "ask",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "XQA_INDEX_DIR": str(settings.index_dir),
        "XQA_CORPUS_DIR": str(settings.corpus_dir),
        "XQA_VAR_DIR": str(tmp_path / "var"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "qa", command, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def without_timings(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


def test_ask_prints_the_answer_and_numbered_sources(built_index: Settings, tmp_path: Path):
    done = run_qa(built_index, tmp_path, "2019年社会消费品零售总额是多少？")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("问：2019年社会消费品零售总额是多少")
    assert "1089亿元" in out and "[1]" in out
    assert "来源：\n[1] 2020年西城区政府工作报告 · 2019年 · 一、2019年工作回顾（2020-work-report.txt）" in out
    assert "“社会消费品零售总额预计实现1089亿元" in out


def test_ask_json_is_the_public_contract(built_index: Settings, tmp_path: Path, assistant: Assistant):
    done = run_qa(built_index, tmp_path, "--json", "2019年社会消费品零售总额是多少？")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and "社会消费品" in lines[0]  # one object, Chinese unescaped
    answer = json.loads(lines[0])
    assert set(answer) == CONTRACT
    assert without_timings(answer) == without_timings(assistant.ask_json("2019年社会消费品零售总额是多少？"))


def test_batch_answers_every_line_in_order(built_index: Settings, tmp_path: Path, assistant: Assistant):
    questions = ["2019年社会消费品零售总额是多少？", "2019年地区生产总值是多少？", "2013年“拆违”一共拆了多少处？"]
    batch = tmp_path / "questions.txt"
    batch.write_text(
        f"{questions[0]}\n\n{json.dumps({'question': questions[1], 'id': 'x'}, ensure_ascii=False)}\n"
        f"{questions[2]}\n???\n",
        encoding="utf-8",
    )
    done = run_qa(built_index, tmp_path, "--json", "--batch", str(batch))
    assert done.returncode == 1, done.stderr  # one line was not a question
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [without_timings(a) for a in answers[:3]] == [without_timings(assistant.ask_json(q)) for q in questions]
    assert answers[3]["question"] == "???" and answers[3]["error"]


def test_year_and_document_filters(built_index: Settings, tmp_path: Path):
    done = run_qa(built_index, tmp_path, "--json", "--batch", "-", "--year", "2013", stdin="地区生产总值是多少？\n")
    assert done.returncode == 0, done.stderr
    assert {c["source"] for c in json.loads(done.stdout)["citations"]} == {"2014-work-report.txt"}
    done = run_qa(built_index, tmp_path, "--json", "--doc", "2020-work-report", "地区生产总值是多少？")
    assert {p["source"] for p in json.loads(done.stdout)["passages"]} == {"2020-work-report.txt"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--doc", "no-such-report", "地区生产总值是多少？"], "没有这些文档：no-such-report"),
        (["--year", "2O19", "地区生产总值是多少？"], "--year 需要四位年份"),
    ],
)
def test_bad_options_are_explained(built_index: Settings, tmp_path: Path, args: list[str], message: str):
    done = run_qa(built_index, tmp_path, *args)
    assert done.returncode == 2 and message in done.stderr and done.stdout == ""


def test_series_prints_a_cited_row_per_year_and_names_the_gaps(built_index: Settings, tmp_path: Path):
    done = run_qa(built_index, tmp_path, "三级税收", command="series")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "三级税收（亿元），报告所载各年数值"
    assert any(line.startswith("  2013年：3771.9亿元") and "[2] 2014年西城区政府工作报告" in line for line in lines)
    assert "      “三级税收实现3771.9亿元，同比增长23.6%”" in lines
    assert any(line.endswith("：报告中未载") and "2007–2012年" in line for line in lines)


def test_series_json_is_the_contracts_series_field(built_index: Settings, tmp_path: Path, assistant: Assistant):
    done = run_qa(built_index, tmp_path, "--json", "--year", "2010-2020", "GDP", command="series")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == CONTRACT
    expected = assistant.series("GDP", tuple(range(2010, 2021))).to_json()
    assert without_timings(answer) == without_timings(expected)
    assert answer["series"][0]["years"] == list(range(2010, 2021))
    assert all(2010 <= p["year"] <= 2020 for p in answer["series"][0]["points"])


def test_series_of_an_unstated_indicator_says_what_is_stated(built_index: Settings, tmp_path: Path):
    done = run_qa(built_index, tmp_path, "火星殖民地人口", command="series")
    assert done.returncode == 1
    assert "报告中没有“火星殖民地人口”的数值" in done.stdout and "地区生产总值" in done.stdout


def test_series_refuses_a_bad_year_span_before_loading(built_index: Settings, tmp_path: Path):
    done = run_qa(built_index, tmp_path, "--year", "2010-20", "GDP", command="series")
    assert done.returncode == 2 and "--year 需要四位年份或年份区间" in done.stderr


def test_a_bad_setting_is_one_line_naming_the_variable(built_index: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "XQA_TOP_K": "many", "XQA_INDEX_DIR": str(built_index.index_dir)}
    for module, args in (("qa", ["ask", "2019年GDP是多少？"]), ("index", ["status"])):
        done = subprocess.run(
            [sys.executable, "-m", module, *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=300
        )
        assert done.returncode == 2 and "XQA_TOP_K" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_model_reader_answers_on_the_command_line_with_its_claims_checked(built_index: Settings, tmp_path: Path):
    """``--reader model`` against a scripted chat-completions server: a faithful claim is kept, an invented one
    falls back to the extractive answer with a note; without XQA_LLM_URL the option is refused in one line."""
    from llm_server import Script, ScriptedServer

    def faithful(body: dict) -> str:
        prompt = body["messages"][1]["content"]
        n = next(i for i in range(1, 20) if re.search(rf"\[{i}\][^\[]*1089亿元", prompt))
        return f"2019年社会消费品零售总额预计实现1089亿元[{n}]。"

    question = "2019年社会消费品零售总额是多少？"
    with ScriptedServer() as server:
        env = {"XQA_LLM_URL": server.url, "XQA_LLM_MODEL": "scripted"}
        server.script = Script(faithful)
        done = run_qa(built_index, tmp_path, question, "--reader", "model", env=env)
        assert done.returncode == 0, done.stderr
        assert "答（模型撰写·已核对）：2019年社会消费品零售总额预计实现1089亿元[1]。" in done.stdout
        server.script = Script("2019年社会消费品零售总额为9999亿元[1]。")  # a figure no passage prints
        invented = run_qa(built_index, tmp_path, question, "--reader", "model", env=env)
        assert "9999" not in invented.stdout and "1089亿元" in invented.stdout and "以下为摘录答案" in invented.stdout
    refused = run_qa(built_index, tmp_path, question, "--reader", "model", env={"XQA_LLM_URL": ""})
    assert refused.returncode == 2 and "XQA_LLM_URL" in refused.stderr
