"""The web app: chat with clickable citations, document management and evaluation.

    python app.py [--host H] [--port P]        (defaults: XQA_HOST / XQA_PORT, then 127.0.0.1:7860)

A missing index is built *before* the server starts, with tqdm progress on the
console: nobody can ask anything until it exists, and a half-started UI would
only show a spinner.  A damaged index is not papered over: the app prints how
to rebuild it and exits with status 1, so an operator (or supervisor) sees why.
Uploads, removals and rebuilds in the documents tab re-index with progress in
the browser; each needs the admin token and is written to ``admin.log``.  All
rendering lives in :mod:`web.render`; this file lays out the page and wires events.

Concurrency: ``Assistant.ask`` only reads (numpy, FAISS, bm25s, the embedding
engine allocates per call) and was checked to give identical results from
parallel threads, so chat and ``/ask`` run up to ``settings.concurrency_limit``
at a time with at most ``settings.max_queue`` waiting.  Document changes and
evaluation runs are heavy and go one at a time; a new index is loaded beside
the old one and swapped in, so questions in flight finish on the old one.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import gradio as gr

from evaluation import evaluate, load_testset, write_reports
from index import (
    SUPPORTED_SUFFIXES,
    AdminError,
    BuildReport,
    IndexUnavailable,
    Settings,
    add_document,
    build_index,
    remove_document,
)
from index.progress import ConsoleProgress
from qa import Assistant, BadQuestion, load_assistant
from qa.guard import check_question
from web import render as web
from web.feedback import AppendOnlyLog, feedback_record, vote_name

STREAM_DELAY_S = 0.03  # between streamed pieces of an answer
EXAMPLES = [
    "2019年社会消费品零售总额是多少？",
    "2019年地区生产总值是多少？",
    "全区三级税收2006年和2016年分别是多少？",
    "西单文化广场城市森林二期建好了吗？",
    "“城市大脑”建设2020年由谁牵头？",
    "17年环境整治的“八大战役”都有哪些？",
]
THEME = gr.themes.Soft(
    primary_hue="red",
    neutral_hue="slate",
    font=["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"],
    font_mono=["Noto Sans Mono CJK SC", "ui-monospace", "monospace"],
)
DONE = {"add": "已添加 {target}", "remove": "已删除 {target}", "rebuild": "已重建全部索引"}  # admin status lines
# A [n] in an answer opens its card in the sources panel (when that panel shows this answer).
OPEN_CITATION_JS = """() => document.addEventListener("click", (event) => {
  const ref = event.target.closest && event.target.closest(".xqa-ref");
  const target = ref && [...ref.classList].find((c) => c.startsWith("xqa-to-"));
  const card = target && document.getElementById(target.slice("xqa-to-".length));
  if (card) { card.open = true; card.scrollIntoView({behavior: "smooth", block: "nearest"}); }
})"""


class Live:
    """The assistant currently answering; replaced whole after a document change."""

    def __init__(self, assistant: Assistant):
        self._assistant = assistant
        self._lock = threading.Lock()

    @property
    def assistant(self) -> Assistant:
        with self._lock:
            return self._assistant

    def swap(self, assistant: Assistant) -> None:
        with self._lock:
            self._assistant = assistant


class Handlers:
    """The event handlers; each returns exactly what its outputs show."""

    def __init__(self, settings: Settings, assistant: Assistant):
        self.settings = settings
        self.live = Live(assistant)
        self.feedback = AppendOnlyLog(settings.var_dir / "feedback.jsonl")
        self.audit = AppendOnlyLog(settings.var_dir / "admin.log")

    # ------------------------------------------------------------ chat

    def check(self, question: str, *context: object) -> list[dict]:
        """The chat's validator, run before the question is queued: a bad one gets its message above the box.

        Nothing else changes (the conversation stays, the box keeps the text to fix; an error raised by
        the chat itself would blank the chat with an error badge), and API clients get the same message
        as a validation error.
        """
        try:
            check_question(question, self.settings.max_question_chars)
        except BadQuestion as exc:
            return [gr.validate(False, str(exc)), *[gr.validate(True, "")] * len(context)]
        return [gr.validate(True, "")] * (1 + len(context))

    def chat(
        self, question: str, messages: list[dict], turns: list[dict], year: str, doc: str
    ) -> Iterator[tuple[str, list[dict], list[dict], str]]:
        """Answer with earlier questions as context, streaming the text, then show its sources.

        Only the first update empties the input box, so a next question typed meanwhile is kept.
        """
        shown = web.question_markdown(question, self.settings.max_question_chars)
        messages = [*messages, {"role": "user", "content": shown}]
        yield "", [*messages, {"role": "assistant", "content": "正在检索报告原文…"}], turns, web.SEARCHING
        answer = self.live.assistant.ask(
            question,
            history=[t["question"] for t in turns],
            years=(int(year),) if year else None,
            doc_ids=[doc] if doc else None,
        )
        key = uuid.uuid4().hex[:12]
        for shown in web.stream_prefixes(answer.answer):
            partial = {"role": "assistant", "content": web.answer_markdown(answer, shown, key)}
            yield gr.skip(), [*messages, partial], turns, gr.skip()
            time.sleep(STREAM_DELAY_S)
        messages.append({"role": "assistant", "content": web.answer_markdown(answer, key=key)})
        yield gr.skip(), messages, [*turns, web.turn_record(answer, key)], web.sources_html(answer, key)

    def vote(self, turns: list[dict], data: gr.LikeData) -> None:
        """Log a 👍/👎 on an answer; message 2k+1 is the answer to turn k."""
        if isinstance(data.index, int) and data.index % 2 == 1 and data.index // 2 < len(turns):
            self.feedback.append(feedback_record(turns[data.index // 2], vote_name(data.liked)))

    def ask(self, question: str) -> dict:
        """Answer one question; returns the JSON of `python -m qa ask --json`."""
        try:
            return self.live.assistant.ask_json(question)
        except BadQuestion as exc:  # the message is the answer; a traceback in the server log would be noise
            raise gr.Error(str(exc), print_exception=False) from None

    # ------------------------------------------------------------ documents

    def refresh(self) -> tuple:
        """Header, filters and document list from the index now serving."""
        index = self.live.assistant.index
        return (
            web.header_html(index),
            gr.update(choices=web.year_choices(index)),
            gr.update(choices=web.doc_choices(index)),
            web.document_rows(index),
            gr.update(choices=web.doc_choices(index)[1:], value=None),
        )

    def _refused(self, action: str, token: str | None, request: gr.Request) -> str | None:
        refusal = web.admin_refusal(self.settings.admin_token, token)
        if refusal:
            self._audit(action, "refused", request, reason=refusal)
        return refusal

    def _audit(self, action: str, outcome: str, request: gr.Request, **detail: str) -> None:
        """Who changed or tried to change the corpus, and when (never the token itself)."""
        client = request.client.host if request.client else ""
        self.audit.append({"time": datetime.now().isoformat(timespec="seconds"), "action": action,
                           "outcome": outcome, "client": client, **detail})

    def _changed(self, action: str, target: str, request: gr.Request, run: Callable[[], BuildReport]) -> str:
        """Run an index change, log it and swap in the new index; an AdminError becomes the message, logged too."""
        try:
            report = run()
        except AdminError as exc:
            self._audit(action, "failed", request, target=target, reason=str(exc))
            return f"❌ {exc}"
        self.live.swap(Assistant.load(self.settings))
        self._audit(action, "done", request, target=target)
        skipped = "".join(f"\n\n⚠️ 跳过 {name}：{why}" for name, why in report.failed.items())
        return f"✅ {DONE[action].format(target=target)}，索引共 {report.chunks} 个段落。{skipped}"

    def add(self, token: str, file: str | None, request: gr.Request, progress=gr.Progress()) -> tuple:  # noqa: B008
        """Add an uploaded report to the corpus and index it (admin token required)."""
        status = self._refused("add", token, request)
        if status is None:
            if not file:
                status = "请先选择要上传的文件。"
            else:
                path = Path(file)
                status = self._changed("add", path.name, request, lambda: add_document(
                    self.settings, path, name=path.name, progress=_ui_progress(progress)))
        return (status, *self.refresh())

    def remove(self, token: str, doc: str | None, request: gr.Request, progress=gr.Progress()) -> tuple:  # noqa: B008
        """Remove a report from the corpus and the index (admin token required)."""
        status = self._refused("remove", token, request)
        if status is None:
            if not doc:
                status = "请先选择要删除的报告。"
            else:
                status = self._changed("remove", doc, request, lambda: remove_document(
                    self.settings, doc, progress=_ui_progress(progress)))
        return (status, *self.refresh())

    def rebuild(self, token: str, request: gr.Request, progress=gr.Progress()) -> tuple:  # noqa: B008
        """Re-embed every report from scratch (admin token required).

        The way back from a change cut short by a crash, or from index files damaged on disk while the app
        runs, without a shell on the server.
        """
        status = self._refused("rebuild", token, request)
        if status is None:
            status = self._changed("rebuild", "all", request, lambda: build_index(
                self.settings, force=True, progress=_ui_progress(progress)))
        return (status, *self.refresh())

    # ------------------------------------------------------------ evaluation

    def evaluate(self, file: str | None, progress=gr.Progress(track_tqdm=True)) -> tuple:  # noqa: B008
        """Run an uploaded test set through the chat's own code path and show the report."""
        if not file:
            raise gr.Error("请先上传测试集（JSON lines，每行一道题）。")
        try:
            items = load_testset(file)
        except (OSError, ValueError) as exc:
            raise gr.Error(f"测试集无法使用：{str(exc).replace(file, Path(file).name)}") from exc  # no server paths
        report = evaluate(items, self.live.assistant.ask_json, progress=True)
        out = self.settings.var_dir / "eval" / datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        paths = write_reports(report, out)
        return web.summary_rows(report["totals"]), str(paths["chart"]), web.failures_html(report), str(paths["markdown"])


def _ui_progress(progress: gr.Progress):
    """The index build's (stage, done, total) callback shown as a Gradio progress bar."""
    return lambda stage, done, total: progress((done, max(total, 1)), desc=f"建立索引：{stage}")


def build_app(settings: Settings, assistant: Assistant) -> gr.Blocks:
    """The page: chat, documents and evaluation tabs, with the queue limits from ``settings``."""
    h = Handlers(settings, assistant)
    index = assistant.index
    admin_on = bool(settings.admin_token)
    with gr.Blocks(title="西城区政府工作报告问答") as demo:
        header = gr.HTML(web.header_html(index))
        with gr.Tabs():
            with gr.Tab("智能问答"):
                turns = gr.State([])
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            show_label=False, height=520, layout="bubble", latex_delimiters=[], buttons=["copy"],
                            placeholder="您好！请提问有关西城区政府工作报告的问题，每个回答都附有原文出处。",
                        )
                        with gr.Row():
                            box = gr.Textbox(placeholder="输入问题，按回车发送；可接着追问，如“那2013年呢？”",
                                             label="问题", show_label=False, scale=5, max_lines=4, autofocus=True)
                            send = gr.Button("发送", variant="primary", scale=1, min_width=80)
                        with gr.Row():
                            year = gr.Dropdown(web.year_choices(index), value="", label="限定年份")
                            doc = gr.Dropdown(web.doc_choices(index), value="", label="限定报告")
                            clear = gr.Button("新对话", scale=0, min_width=100)
                        gr.Examples([[q] for q in EXAMPLES], inputs=[box], label="试试这些问题")
                    with gr.Column(scale=2):
                        sources = gr.HTML(web.EMPTY_SOURCES, label="引用来源", elem_id="xqa-sources-panel")
                        gr.Markdown("回答逐字摘自报告原文并注明出处，系统不作推断；引用数据请以原文为准。",
                                    elem_classes="xqa-note")
            with gr.Tab("文档管理"):
                gr.Markdown("上传或删除报告需要管理员口令。" if admin_on else
                            f"⚠️ {web.admin_refusal('', None)}设置该变量后重启即可上传、删除报告。")
                docs = gr.Dataframe(web.document_rows(index), headers=["标题", "类型", "涉及年份", "文件", "段落数"],
                                    interactive=False, wrap=True, label="已收录的报告")
                token = gr.Textbox(label="管理员口令", type="password", interactive=admin_on)
                with gr.Row():
                    with gr.Column():
                        upload = gr.File(label=f"上传报告（{' '.join(sorted(SUPPORTED_SUFFIXES))}）", type="filepath",
                                         file_types=sorted(SUPPORTED_SUFFIXES), interactive=admin_on)
                        add = gr.Button("添加并建立索引", variant="primary", interactive=admin_on)
                    with gr.Column():
                        victim = gr.Dropdown(web.doc_choices(index)[1:], value=None, label="要删除的报告",
                                             interactive=admin_on)
                        remove = gr.Button("删除该报告", variant="stop", interactive=admin_on)
                with gr.Row():
                    rebuild = gr.Button("重建索引（全部重新向量化，需几分钟）", interactive=admin_on)
                admin_status = gr.Markdown()
            with gr.Tab("效果评测"):
                gr.Markdown("上传测试集（JSON lines，每行含 id、question、answer、type，可选 evidence），"
                            "逐题调用与问答页相同的流程并打分。")
                with gr.Row():
                    testset = gr.File(label="测试集", type="filepath", file_types=[".jsonl", ".json"], scale=3)
                    run = gr.Button("运行评测", variant="primary", scale=1)
                with gr.Row():
                    summary = gr.Dataframe(headers=["指标", "数值"], interactive=False, label="总体结果", scale=2)
                    chart = gr.Image(type="filepath", label="分题型结果", interactive=False, scale=3)
                failures = gr.HTML(label="答错的题目")
                report_md = gr.File(label="完整报告（Markdown）", interactive=False)

        chat_io = dict(inputs=[box, chatbot, turns, year, doc], outputs=[box, chatbot, turns, sources])
        gr.on([box.submit, send.click], h.chat, **chat_io, api_name="chat", show_progress="hidden", validator=h.check)
        clear.click(lambda: ("", [], [], web.EMPTY_SOURCES), outputs=[box, chatbot, turns, sources],
                    api_visibility="private")
        chatbot.clear(lambda: ([], web.EMPTY_SOURCES), outputs=[turns, sources], api_visibility="private")
        chatbot.like(h.vote, inputs=[turns], outputs=None, api_visibility="undocumented", api_name="vote")
        gr.api(h.ask, api_name="ask")
        refreshed = [header, year, doc, docs, victim]
        demo.load(h.refresh, outputs=refreshed, api_visibility="private")
        admin = dict(outputs=[admin_status, *refreshed], concurrency_limit=1, concurrency_id="admin")
        add.click(h.add, inputs=[token, upload], **admin, api_name="add_document")
        remove.click(h.remove, inputs=[token, victim], **admin, api_name="remove_document")
        rebuild.click(h.rebuild, inputs=[token], **admin, api_name="rebuild_index")
        run.click(h.evaluate, inputs=[testset], outputs=[summary, chart, failures, report_md],
                  concurrency_limit=1, concurrency_id="eval", api_name="evaluate")
    return demo.queue(max_size=settings.max_queue, default_concurrency_limit=settings.concurrency_limit)


def launch(demo: gr.Blocks, settings: Settings, **kwargs) -> tuple:
    """Serve ``demo`` with the product's look; ``kwargs`` go to ``Blocks.launch`` (tests pass prevent_thread_lock)."""
    eval_dir = settings.var_dir / "eval"
    eval_dir.mkdir(parents=True, exist_ok=True)
    return demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        theme=THEME,
        css=web.CSS,
        js=OPEN_CITATION_JS,
        allowed_paths=[str(eval_dir)],
        max_file_size=settings.max_upload_bytes,
        footer_links=["api"],
        **kwargs,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="西城区政府工作报告问答 - web app")
    parser.add_argument("--host", help="interface to listen on (default XQA_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default XQA_PORT or 7860)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(host=args.host, port=args.port)
    try:
        assistant = load_assistant(settings, progress=ConsoleProgress())
    except IndexUnavailable as exc:
        sys.exit(f"error: cannot start, the index is unusable: {exc}")
    launch(build_app(settings, assistant), settings)


if __name__ == "__main__":
    main()
