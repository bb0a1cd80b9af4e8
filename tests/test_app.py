"""The web app served for real (in-process, on a free port) and driven with gradio_client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

import app
from index import Settings
from qa import Assistant

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
NEW_REPORT = "2099年测试区政府工作报告\n\n一、2099年工作回顾\n\n2099年测试区新建了77座图书馆，全年接待读者12万人次。\n"
NEW_QUESTION = "2099年测试区新建了多少座图书馆？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(settings: Settings) -> Iterator[str]:
    """Build and launch the app on ``settings`` (its index must exist); yield its URL, then stop it."""
    settings = settings.replace(host="127.0.0.1", port=free_port())
    demo = app.build_app(settings, Assistant.load(settings))
    _, url, _ = app.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def shared(built_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str]]:
    """The app on the session index, with no admin token configured (as by default)."""
    settings = built_index.replace(var_dir=tmp_path_factory.mktemp("var"), admin_token="")
    for url in serve(settings):
        yield settings, url


@pytest.fixture
def client(shared: tuple[Settings, str]) -> Client:
    """A fresh session (its own conversation state) on the shared app."""
    return Client(shared[1], verbose=False)


def text_of(message: dict) -> str:
    """The text of a chat message as gradio_client returns it (content is a list of parts)."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def newest(panel: str) -> str:
    """The newest answer's group of the sources panel (the panel keeps every answer's sources)."""
    return panel.split('<div class="xqa-turn xqa-sources"')[-1]


def chat(client: Client, question: str, year: str = "", doc: str = "") -> tuple[list[dict], str]:
    """Ask through the chat endpoint (history comes from the session); the messages and the newest sources."""
    _, messages, panel, _follow_ups, _export, kept = client.predict(question, [], year, doc, api_name="/chat")
    assert f'id="xqa-turn-{kept["turns"][-1]["id"]}"' in panel  # the browser keeps what the page shows
    return messages, newest(panel)


def like(client: Client, message_index: int, liked: bool) -> None:
    """Click 👍/👎 as the browser does: a queued ``like`` event with its event data, in the client's session.

    gradio_client cannot send event data, so the queue protocol is spoken directly.
    """
    config = client.config
    dep = next(d for d in config["dependencies"] if d.get("api_name") == "vote")
    base = client.src.rstrip("/") + "/gradio_api"
    body = {
        "data": [None],
        "event_data": {"index": message_index, "value": "", "liked": liked},
        "fn_index": dep["id"],
        "trigger_id": dep["targets"][0][0],
        "session_hash": client.session_hash,
    }
    event_id = httpx.post(f"{base}/queue/join", json=body, timeout=30).raise_for_status().json()["event_id"]
    with httpx.stream("GET", f"{base}/queue/data", params={"session_hash": client.session_hash}, timeout=60) as s:
        for line in s.iter_lines():
            msg = json.loads(line[5:]) if line.startswith("data:") else {}
            if msg.get("event_id") == event_id and msg.get("msg") == "process_completed":
                assert msg["success"], msg
                return
    raise AssertionError("the like event never completed")


# ---------------------------------------------------------------- chat


def test_chat_streams_an_answer_with_a_cited_highlighted_source(client: Client):
    job = client.submit("2019年社会消费品零售总额是多少？", [], "", "", api_name="/chat")
    _, messages, sources, *_ = job.result(timeout=60)
    answer = text_of(messages[-1])
    assert messages[-1]["role"] == "assistant" and "1089" in answer
    assert 'class="xqa-ref' in answer and "[1]" in answer
    assert '<span class="xqa-badge">[1]</span>' in sources and "2020年西城区政府工作报告" in sources
    assert "<mark>" in sources and "1089亿元" in sources.split("<mark>", 1)[1].split("</mark>", 1)[0]
    streamed = [text_of(out[1][-1]) for out in job.outputs() if out[1] and out[1][-1]["role"] == "assistant"]
    assert len(streamed) >= 4, "the answer arrives in pieces"
    assert streamed[0] == "正在检索报告原文…"


def test_follow_up_is_resolved_with_the_conversation(client: Client):
    messages, _ = chat(client, "2019年地区生产总值是多少？")
    assert "4500亿元" in text_of(messages[-1])
    messages, sources = chat(client, "那2013年呢？")
    answer = text_of(messages[-1])
    assert "理解为：2013年地区生产总值是多少" in answer and "2800亿元" in answer
    assert "2014年西城区政府工作报告" in sources and "2013年" in sources


def test_chat_carries_only_the_missing_slot_and_says_so(client: Client):
    chat(client, "2014年的政府工作报告是谁作的？")
    messages, _ = chat(client, "2016年和2013年的三级税收相比有什么变化？")
    answer = text_of(messages[-1])  # self-contained: answered as if asked alone
    assert "4725亿元" in answer and "3771.9亿元" in answer and "理解为" not in answer
    messages, _ = chat(client, "那2019年呢？")
    assert "（沿用上一问的" in text_of(messages[-1])  # the rewrite line says what was carried


def test_a_new_session_has_no_earlier_context(client: Client):
    messages, _ = chat(client, "那2013年呢？")
    assert "理解为" not in text_of(messages[-1])


def test_filters_restrict_the_sources(client: Client):
    _, sources = chat(client, "地区生产总值是多少？", year="2013")
    assert "2014年西城区政府工作报告" in sources and "2020年西城区政府工作报告" not in sources
    _, sources = chat(client, "地区生产总值是多少？", doc="2020-work-report")
    assert "2020年西城区政府工作报告" in sources and "2014年西城区政府工作报告" not in sources


def test_votes_are_appended_to_the_feedback_log(client: Client, shared: tuple[Settings, str]):
    log = shared[0].var_dir / "feedback.jsonl"
    before = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    chat(client, "2019年社会消费品零售总额是多少？")
    like(client, 1, True)
    like(client, 1, False)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()[len(before) :]]
    assert [r["vote"] for r in records] == ["up", "down"]
    assert records[0]["answer_id"] == records[1]["answer_id"]
    record = records[0]
    assert record["question"].startswith("2019年社会消费品零售总额是多少") and "1089" in record["answer"]
    assert record["citations"][0]["source"] == "2020-work-report.txt" and "1089" in record["citations"][0]["quote"]
    assert record["time"]


# ---------------------------------------------------------------- program API


def test_ask_endpoint_returns_the_cli_json_contract(client: Client, assistant: Assistant):
    result = client.predict("2019年社会消费品零售总额是多少？", api_name="/ask")
    assert set(result) == {
        *("question", "rewritten", "carried", "answer", "abstained"),
        *("citations", "passages", "timings_ms", "series"),
    }
    assert "1089" in result["answer"] and not result["abstained"]
    citation = result["citations"][0]
    assert set(citation) == {"n", "source", "title", "year", "section", "text", "start", "end"}
    assert "1089" in citation["text"][citation["start"] : citation["end"]]
    expected = assistant.ask_json("2019年社会消费品零售总额是多少？")
    assert {k: v for k, v in result.items() if k != "timings_ms"} == {
        k: v for k, v in expected.items() if k != "timings_ms"
    }
    with pytest.raises(AppError, match="问题是空的"):
        client.predict("  ", api_name="/ask")


def test_ask_takes_earlier_answers_as_history(client: Client):
    task = client.predict("2020年第七次全国人口普查工作由哪个单位牵头？", api_name="/ask")
    follow = client.predict("那它完成了吗？", [task], api_name="/ask")  # 它: the task row that was answered
    assert "人口普查" in follow["rewritten"] and "沿用上一问" in follow["carried"] and not follow["abstained"]
    assert follow["citations"][0]["text"] == task["citations"][0]["text"]  # the same row, not another task
    alone = client.predict("那它完成了吗？", api_name="/ask")
    assert alone["carried"] == "" and "人口普查" not in alone["rewritten"]


def test_parallel_questions_get_the_same_answers_as_one_by_one(client: Client):
    questions = [json.loads(line)["question"] for line in (ROOT / "testsets" / "dev_qa.jsonl").open()][:12]

    def answer(q: str) -> dict:
        return {k: v for k, v in client.predict(q, api_name="/ask").items() if k != "timings_ms"}

    one_by_one = [answer(q) for q in questions]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(answer, questions)) == one_by_one


# ---------------------------------------------------------------- documents


def test_uploads_are_refused_when_no_admin_token_is_configured(
    client: Client, shared: tuple[Settings, str], tmp_path: Path
):
    report = tmp_path / "2099-test-report.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    status, *_ = client.predict("whatever", handle_file(str(report)), api_name="/add_document")
    assert "未配置管理员口令" in status
    status, *_ = client.predict("whatever", "2020-work-report", api_name="/remove_document")
    assert "未配置管理员口令" in status
    assert not (shared[0].corpus_dir / report.name).exists()
    audit = [json.loads(line) for line in (shared[0].var_dir / "admin.log").read_text(encoding="utf-8").splitlines()]
    assert [(a["action"], a["outcome"]) for a in audit[-2:]] == [("add", "refused"), ("remove", "refused")]


def test_admin_upload_makes_a_new_report_answerable(corpus_copy: Settings, tmp_path: Path):
    report = tmp_path / "2099-test-report.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    settings = corpus_copy.replace(admin_token="s3cret-token")
    for url in serve(settings):
        client = Client(url, verbose=False)
        assert "77" not in client.predict(NEW_QUESTION, api_name="/ask")["answer"]

        for token, refusal in (("", "请输入管理员口令"), ("wrong-guess", "口令错误")):
            status, *_ = client.predict(token, handle_file(str(report)), api_name="/add_document")
            assert refusal in status
        assert not (settings.corpus_dir / report.name).exists()

        status, upload, _header, _years, _docs, table, *_ = client.predict(
            "s3cret-token", handle_file(str(report)), api_name="/add_document"
        )
        assert status.startswith("**完成**：已添加 2099-test-report.txt") and upload["value"] is None  # the box emptied
        assert "2099-test-report.txt" in [row[3] for row in table["data"]]
        result = client.predict(NEW_QUESTION, api_name="/ask")
        assert "77" in result["answer"] and result["citations"][0]["source"] == "2099-test-report.txt"
        messages, sources = chat(client, NEW_QUESTION)
        assert "77座图书馆" in text_of(messages[-1]) and "2099年测试区政府工作报告" in sources

        status, *_ = client.predict("s3cret-token", handle_file(str(report)), api_name="/add_document")
        assert status.startswith("**未完成**") and "内容相同" in status  # a second upload is refused, not re-added

        status, *_ = client.predict("s3cret-token", "2099-test-report", api_name="/remove_document")
        assert status.startswith("**完成**：已删除")
        assert "77" not in client.predict(NEW_QUESTION, api_name="/ask")["answer"]

    log = (settings.var_dir / "admin.log").read_text(encoding="utf-8")
    assert "s3cret-token" not in log and "wrong-guess" not in log
    outcomes = [(r["action"], r["outcome"]) for r in map(json.loads, log.splitlines())]
    assert outcomes == [("add", "refused"), ("add", "refused"), ("add", "done"), ("add", "failed"), ("remove", "done")]


# ---------------------------------------------------------------- evaluation


def test_evaluation_tab_runs_a_test_set(client: Client, tmp_path: Path):
    items = [json.loads(line) for line in (ROOT / "testsets" / "dev_qa.jsonl").open()][:3]
    items.append(
        {
            "id": "wrong-gold",
            "question": "2019年社会消费品零售总额是多少？",
            "answer": "12345亿元",
            "type": "number",
            "evidence": [],
        }
    )
    testset = tmp_path / "mini.jsonl"
    testset.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    status, summary, chart, failures, report_md = client.predict(handle_file(str(testset)), api_name="/evaluate")
    assert status == "已评测 4 题。"
    rows = {row[0]: row[1:] for row in summary["data"]}
    assert rows["题目数"][0] == "4" and rows["回答正确率"][0].endswith("%")
    assert float(rows["回答正确率"][0].rstrip("%")) <= 75
    assert all(explain for _, explain in rows.values())  # every metric explained in one line
    assert Path(chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # breakdown.png itself, as the command line writes it
    assert "wrong-gold" in failures and "12345亿元" in failures and "1089" in failures
    assert "# QA evaluation report" in Path(report_md).read_text(encoding="utf-8")

    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    status, *_ = client.predict(handle_file(str(broken)), api_name="/evaluate")
    assert (
        status.startswith("**评测未运行**：测试集无法使用：broken.jsonl:1: invalid JSON")
        and "上次的结果保留不变" in status
    )
    assert str(tmp_path) not in status  # no server paths


def test_an_empty_setting_is_unset_and_a_bad_one_is_named_in_one_line(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XQA_", "GRADIO_SERVER_PORT"))}
    assert Settings.from_env({"XQA_INDEX_DIR": "", "XQA_VAR_DIR": "  ", "XQA_PORT": ""}) == Settings()
    for name, value in (("XQA_PORT", "78600x"), ("XQA_TOP_K", "eight"), ("XQA_MIN_SUPPORT", "half")):
        done = subprocess.run(
            [sys.executable, str(ROOT / "app.py")],
            cwd=tmp_path,  # an empty XQA_INDEX_DIR once wrote the index into the working directory
            env={**env, "XQA_INDEX_DIR": "", name: value},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"无法启动：环境变量 {name}={value!r} 无效："), lines
    assert list(tmp_path.iterdir()) == []  # nothing written where it was started


# ---------------------------------------------------------------- start-up


@pytest.mark.parametrize("how", ["--port", "XQA_PORT", "GRADIO_SERVER_PORT"])
def test_a_taken_port_is_said_in_one_line_with_how_to_choose_another(how: str, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in ("XQA_PORT", "GRADIO_SERVER_PORT")}
        env |= {"XQA_INDEX_DIR": str(tmp_path / "no-index"), "XQA_HOST": "127.0.0.1"}  # nothing may be built
        args = [sys.executable, "app.py"]
        if how == "--port":
            args += ["--port", str(port)]
        else:
            env[how] = str(port)
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [lines[-1]] and f"端口 {port} 已被占用" in lines[0], done.stderr
    assert "--port" in lines[0] and "XQA_PORT" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "no-index").exists()  # said before any index build


def test_make_installs_into_the_project_venv_only():
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", "run", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )  # --no-print-directory: under `make test` this make is nested and would print "Entering directory"
    lines = plan.stdout.splitlines()
    assert lines[0] == "python3 -m venv .venv"
    installs = [line for line in lines if "pip install" in line]
    assert installs[0] == ".venv/bin/python -m pip install torch==2.13.0"  # torch first, then the requirements
    assert all(line.startswith(".venv/bin/python -m pip install") for line in installs)
    assert ".venv/bin/python app.py " in lines and ".venv/bin/python -m pytest" in lines


# ---------------------------------------------------------------- first start


def test_first_start_builds_the_index_with_progress_then_serves(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "2099-test-report.txt").write_text(NEW_REPORT, encoding="utf-8")
    env = {
        **os.environ,
        "XQA_CORPUS_DIR": str(corpus),
        "XQA_INDEX_DIR": str(tmp_path / "index"),
        "XQA_VAR_DIR": str(tmp_path / "var"),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with (tmp_path / "stderr.txt").open("w") as err:
        server = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    if httpx.get(url, timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            assert server.poll() is None, (tmp_path / "stderr.txt").read_text()
            assert "77" in Client(url, verbose=False).predict(NEW_QUESTION, api_name="/ask")["answer"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert (tmp_path / "index" / "current").is_dir()
    console = (tmp_path / "stderr.txt").read_text()
    assert "首次启动：正在为 1 份报告建立索引，约需 1 分钟" in console  # one line saying what happens and how long
