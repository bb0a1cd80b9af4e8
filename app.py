"""The web app: chat with clickable citations, document management and evaluation.

    python app.py [--host H] [--port P]   (defaults: XQA_HOST / XQA_PORT or GRADIO_SERVER_PORT, then 127.0.0.1:7860)

A missing index is built *before* the server starts, with progress on the console:
nobody can ask anything until it exists, and a half-started UI would only show a
spinner.  A damaged index is not papered over: the app prints how to rebuild it and
exits with status 1.  A port already in use is said in one line, before any build.
Uploads, removals and rebuilds in the documents tab re-index with progress in the
browser; each needs the admin token and is written to ``admin.log``.  Rendering lives
in :mod:`web` (no Gradio there); this file lays out the page and wires its events:
one small function per tab for the layout, one per tab for the wiring.

Concurrency: ``Assistant.ask`` only reads (numpy, FAISS, bm25s, the embedding
engine allocates per call) and was checked to give identical results from
parallel threads, so chat and ``/ask`` run up to ``settings.concurrency_limit``
at a time with at most ``settings.max_queue`` waiting.  Document changes and
evaluation runs are heavy and go one at a time; a new index is loaded beside
the old one and swapped in, so questions in flight finish on the old one.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    status,
)
from index.admin import CORRECTABLE, parse_fields, set_metadata
from index.config import BadSetting
from index.meta import describe, unknown_year_notice
from index.progress import ConsoleProgress
from qa import Assistant, BadQuestion, load_assistant
from qa.guard import check_question
from qa.reader import streamed
from web import render as web
from web import scores
from web.context import Library
from web.feedback import AppendOnlyLog, comment_record, feedback_record, vote_name
from web.suggest import example_questions, follow_ups
from web.throttle import AdminGate, token_problem

STATIC = Path(__file__).resolve().parent / "web" / "static"
TESTSET_EXAMPLE = STATIC / "testset-example.jsonl"  # the evaluation tab's downloadable example
STREAM_DELAY_S = 0.05  # between the streamed pieces of an answer: its 6 pieces (web.STREAM_STEPS) show in 0.3 s
KEPT_TURNS = 30  # answers kept in the browser across a reload (each ~5-20 kB of sources; localStorage holds ~5 MB)
SECONDS_PER_REPORT = 45  # first build on two busy cores: 218.8 s for the 5 bundled reports (597 passages)
THEME = gr.themes.Soft(
    primary_hue="red",
    neutral_hue="slate",
    font=["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"],
    font_mono=["Noto Sans Mono CJK SC", "ui-monospace", "monospace"],
)
DONE = {
    "add": "已添加 {target}",
    "remove": "已删除 {target}",
    "rebuild": "已重建全部索引",
    "set-meta": "已更正 {target}",
}  # admin status lines
# The character counter under the question box, updated in the browser as the user types or pastes.
COUNTER_JS = """(text) => {
  const el = document.getElementById("xqa-counter");
  const n = [...(text || "")].length;
  if (el) { el.textContent = `${n} / %d 字` + (n > %d ? "（超出部分不会被读取）" : "");
            el.classList.toggle("xqa-over", n > %d); }
  return [];
}"""
# Marks the page as loaded (conversation restored, lists refreshed): what a test waits on before typing,
# and a hook for anything that must not act on a half-loaded page.
READY_JS = "() => { document.documentElement.dataset.xqaReady = '1'; return []; }"


class Live:
    """The assistant currently answering (and its passages by text); replaced whole after a document change."""

    def __init__(self, assistant: Assistant):
        self._lock = threading.Lock()
        self.swap(assistant)

    @property
    def assistant(self) -> Assistant:
        with self._lock:
            return self._assistant

    @property
    def library(self) -> Library:
        with self._lock:
            return self._library

    def swap(self, assistant: Assistant) -> None:
        library = Library(assistant.index)
        with self._lock:
            self._assistant, self._library = assistant, library


def _kept(messages: list[dict], turns: list[dict]) -> dict:
    """The conversation as this browser keeps it (saved with the finished answer, so a reload right after keeps it)."""
    return {"messages": messages[-2 * KEPT_TURNS :], "turns": turns[-KEPT_TURNS:]}


class Handlers:
    """The event handlers; each returns exactly what its outputs show."""

    def __init__(self, settings: Settings, assistant: Assistant):
        self.settings = settings
        self.live = Live(assistant)
        self.feedback = AppendOnlyLog(settings.var_dir / "feedback.jsonl")
        self.audit = AppendOnlyLog(settings.var_dir / "admin.log")
        self.gate = AdminGate(lambda given: web.admin_refusal(settings.admin_token, given))
        self.admin_on = bool(settings.admin_token) and token_problem(settings.admin_token) is None
        if settings.admin_token and not self.admin_on:
            print(f"admin side not started: {token_problem(settings.admin_token)}", file=sys.stderr)
        self.exports = Path(tempfile.mkdtemp(prefix="xqa-export-"))

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
        self, question: str, messages: list[dict], turns: list[dict], year: str, doc: str, alone: bool = False
    ) -> Iterator[tuple]:
        """Answer in the conversation (the earlier answers, not only the questions), streaming the text, then its sources.

        ``alone``: asked as a new question, nothing taken from the conversation (作为新问题).  Only the
        first update empties the input box, so a next question typed meanwhile is kept.  While the answer
        streams, only the chat changes: every other output is left as the first update set it.
        """
        shown = web.question_markdown(question, self.settings.max_question_chars)
        messages = [*messages, {"role": "user", "content": shown}]
        panel = [t["sources"] for t in turns]

        def streamed_state(content: str) -> tuple:
            """One streamed state: only the chat changes.

            A skipped output is rebuilt as a new component on every state (Gradio treats a skip as an
            update): under 64 users that was a third of the chat's server CPU.  So the outputs that take
            a plain value are sent it again unchanged (nothing goes over the wire): the panel's searching
            note, no follow-up picked, no export file.  The box (a question typed meanwhile is kept) and
            the conversation kept in the browser (never emptied by a failed answer) are skipped.
            """
            message = {"role": "assistant", "content": content}
            return gr.skip(), [*messages, message], turns, web.SEARCHING, None, None, gr.skip()

        searching = {"role": "assistant", "content": "正在检索报告原文…"}
        no_export = gr.update(value=None, interactive=False)  # nothing to export while the answer is being written
        yield "", [*messages, searching], turns, web.SEARCHING, None, no_export, gr.skip()
        context = {
            "history": [] if alone else turns,  # each turn keeps its rewritten question and cited passages
            "years": (int(year),) if year else None,
            "doc_ids": [doc] if doc else None,
        }
        assistant = self.live.assistant
        if assistant.model is None:
            answer = assistant.ask(question, **context)
        else:  # a configured model's text streams as its claims pass the checks (qa.reader), then its answer
            for item in streamed(lambda on_text: assistant.ask_model(question, on_text=on_text, **context)):
                if isinstance(item, str):
                    yield streamed_state(web.escape_markdown(item))
                else:
                    answer = item
        key = uuid.uuid4().hex[:12]
        # a chart, or a model's answer (streamed as it was checked), is shown whole
        for shown in () if answer.series or answer.checks else web.stream_prefixes(answer.answer):
            yield streamed_state(web.answer_markdown(answer, shown, key))
            time.sleep(STREAM_DELAY_S)
        messages.append({"role": "assistant", "content": web.answer_markdown(answer, key=key)})
        sources = web.sources_html(answer, key, self.live.library, len(turns) + 1)
        turn = {
            **web.turn_record(answer, key, sources, self.live.library),
            "follow_ups": follow_ups(answer, self.live.library),
        }
        turns = [*turns, turn]
        yield (
            gr.skip(),
            messages,
            turns,
            web.panel_html([*panel, sources]),
            *self._extras(turns),
            _kept(messages, turns),
        )

    def ask_alone(self, messages: list[dict], turns: list[dict], year: str, doc: str) -> Iterator[tuple]:
        """作为新问题: the last question asked again with nothing taken from the conversation."""
        if not turns:
            yield (gr.skip(),) * 7
            return
        yield from self.chat(turns[-1]["question"], messages, turns, year, doc, alone=True)

    def _extras(self, turns: list[dict]) -> tuple:
        asks = turns[-1].get("follow_ups", []) if turns else []
        followups = gr.update(samples=[[q] for q in asks], visible=bool(asks))
        if not turns:
            return followups, gr.update(value=None, interactive=False)
        path = self.exports / f"对话记录-{turns[-1]['id']}.md"
        path.write_text(web.conversation_markdown(turns, datetime.now().strftime("%Y-%m-%d %H:%M")), encoding="utf-8")
        return followups, gr.update(value=str(path), interactive=True)

    def restore(self, stored: dict | None) -> tuple:
        """The conversation kept in this browser, shown again after a reload."""
        stored = stored if isinstance(stored, dict) else {}
        messages, turns = stored.get("messages") or [], stored.get("turns") or []
        panel = web.panel_html([t.get("sources", "") for t in turns])
        return (messages, turns, panel, *self._extras(turns))

    def new_conversation(self) -> tuple:
        """新对话: an empty chat, panel, follow-ups and export, and nothing kept in the browser."""
        return ("", [], [], web.EMPTY_SOURCES, *self._extras([]), {"messages": [], "turns": []})

    def vote(self, turns: list[dict], data: gr.LikeData) -> tuple:
        """Log a 👍/👎 on an answer (message 2k+1 is the answer to turn k) and say so; offer a comment box."""
        if not (isinstance(data.index, int) and data.index % 2 == 1 and data.index // 2 < len(turns)):
            return gr.skip(), gr.skip(), gr.skip()
        turn = turns[data.index // 2]
        vote = vote_name(data.liked)
        self.feedback.append(feedback_record(turn, vote))
        said = {"up": "已记录：您认为这个回答有用。", "down": "已记录：您认为这个回答有问题。"}.get(
            vote, "已记录：已撤销评价。"
        )
        return f"{said}可在下方补充说明（可选）。", gr.update(visible=vote != "cleared"), turn["id"]

    def comment(self, text: str, answer_id: str, turns: list[dict]) -> tuple:
        """An optional comment on the answer just voted on, logged beside the vote."""
        turn = next((t for t in turns if t["id"] == answer_id), None)
        if turn is None or not text.strip():
            return "请先评价一个回答，再填写说明。" if turn is None else "说明是空的，未记录。", gr.skip()
        self.feedback.append(comment_record(turn, text.strip()[: self.settings.max_question_chars]))
        return "已记录您的说明，谢谢！", gr.update(value="", visible=True)

    def read_document(self, ref: str) -> dict:
        """The report around a cited passage (the page's 在原文中查看 sends ``{"chunk", "start", "end"}`` as JSON).

        One argument: Gradio's page-to-server functions pass a single value reliably.
        """
        try:
            data = json.loads(ref)
            return self.live.library.report_view(str(data["chunk"]), int(data["start"]), int(data["end"]))
        except (TypeError, ValueError, KeyError):
            return self.live.library.report_view("", 0, 0)

    def ask(self, question: str, history: list | None = None) -> dict:
        """Answer one question; returns the JSON of `python -m qa ask --json`.

        ``history``: the earlier turns, oldest first, each an earlier question (a string) or an earlier
        answer's JSON as this endpoint returned it, so a follow-up ("那它完成了吗？") finds what was answered.
        """
        try:  # the extractive answer when no model is set
            return self.live.assistant.ask_model(question, history=history or []).to_json()
        except BadQuestion as exc:  # the message is the answer; a traceback in the server log would be noise
            raise gr.Error(str(exc), print_exception=False, title="无法回答") from None

    # ------------------------------------------------------------ documents

    def refresh(self, *, clear_picks: bool = True) -> tuple:
        """Header, filters and document list from the index now serving.

        After a corpus change the picked report may be gone, so the picks are cleared; on page load
        (``clear_picks=False``) they are left alone, or a pick made while the page still loads is lost.
        """
        index = self.live.assistant.index
        picks = {"value": None} if clear_picks else {}
        return (
            web.header_html(index),
            gr.update(choices=web.year_choices(index)),
            gr.update(choices=web.doc_choices(index)),
            web.document_rows(index),
            gr.update(choices=web.doc_choices(index)[1:], **picks),
            gr.update(choices=web.doc_choices(index)[1:], **picks),
        )

    def page_loaded(self) -> tuple:
        """What a (re)loaded page refreshes: the lists, never what the user has already picked."""
        return self.refresh(clear_picks=False)

    def _refused(self, action: str, token: str | None, request: gr.Request) -> str | None:
        """Why this attempt is refused (wrong token, or this client throttled after wrong ones), logged; or None."""
        refusal, outcome = self.gate.check(request.client.host if request.client else "", token)
        if refusal:
            self._audit(action, outcome, request, reason=refusal)
        return refusal

    def _audit(self, action: str, outcome: str, request: gr.Request, **detail: str) -> None:
        """Who changed or tried to change the corpus, and when (never the token itself)."""
        client = request.client.host if request.client else ""
        self.audit.append(
            {
                "time": datetime.now().isoformat(timespec="seconds"),
                "action": action,
                "outcome": outcome,
                "client": client,
                **detail,
            }
        )

    def _changed(self, action: str, target: str, request: gr.Request, run: Callable[[], BuildReport]) -> str:
        """Run an index change, log it and swap in the new index; an AdminError becomes the message, logged too."""
        try:
            report = run()
        except AdminError as exc:
            self._audit(action, "failed", request, target=target, reason=str(exc))
            return f"**未完成**：{exc}"
        self.live.swap(Assistant.load(self.settings))
        self._audit(action, "done", request, target=target)
        skipped = "".join(f"\n\n**已跳过** {name}：{why}" for name, why in report.failed.items())
        return f"**完成**：{DONE[action].format(target=target)}，索引共 {report.chunks} 个段落。{skipped}"

    def add(self, token: str, file: str | None, request: gr.Request, progress=gr.Progress()) -> tuple:  # noqa: B008
        """Add an uploaded report to the corpus and index it (admin token required); the box empties on success."""
        status = self._refused("add", token, request)
        if status is None:
            if not file:
                status = "请先选择要上传的文件。"
            else:
                path = Path(file)
                status = self._changed(
                    "add",
                    path.name,
                    request,
                    lambda: add_document(self.settings, path, name=path.name, progress=_ui_progress(progress)),
                )
        if status.startswith("**完成**"):  # what was understood of the new report
            docs = self.live.assistant.index.docs.values()
            status += "".join(f"\n\n{describe(m)}。{unknown_year_notice(m)}" for m in docs if m.file == Path(file).name)
        emptied = gr.update(value=None) if status.startswith("**完成**") else gr.skip()
        return (status, emptied, *self.refresh())

    def remove(self, token: str, doc: str | None, request: gr.Request, progress=gr.Progress()) -> tuple:  # noqa: B008
        """Remove a report from the corpus and the index (admin token required), after the page's confirmation."""
        status = self._refused("remove", token, request)
        if status is None:
            if not doc:
                status = "请先选择要删除的报告。"
            else:
                status = self._changed(
                    "remove", doc, request, lambda: remove_document(self.settings, doc, progress=_ui_progress(progress))
                )
        return (status, gr.update(visible=False), *self.refresh())

    def set_meta(
        self,
        token: str,
        doc: str | None,
        field: str | None,
        value: str,
        request: gr.Request,
        progress=gr.Progress(),  # noqa: B008
    ) -> tuple:
        """Correct one metadata field of a report (admin token required); stored in the catalog, no re-embedding."""
        status = self._refused("set-meta", token, request)
        if status is None:
            if not doc or not field:
                status = "请先选择要更正的报告和字段。"
            else:
                status = self._changed(
                    "set-meta",
                    f"{doc} {field}",
                    request,
                    lambda: set_metadata(
                        self.settings, doc, parse_fields([f"{field}={value}"]), progress=_ui_progress(progress)
                    ),
                )
        return (status, *self.refresh())

    def confirm_removal(self, doc: str | None) -> tuple:
        """The question asked before a report is removed (nothing is removed yet)."""
        if not doc:
            return "请先选择要删除的报告。", gr.update(visible=False)
        title = dict((v, k) for k, v in web.doc_choices(self.live.assistant.index)).get(doc, doc)
        return f"确定要删除《{title}》吗？删除后将重建索引，无法撤销。", gr.update(visible=True)

    def rebuild(self, token: str, request: gr.Request, progress=gr.Progress()) -> tuple:  # noqa: B008
        """Re-embed every report from scratch (admin token required).

        The way back from a change cut short by a crash, or from index files damaged on disk while the app
        runs, without a shell on the server.
        """
        status = self._refused("rebuild", token, request)
        if status is None:
            status = self._changed(
                "rebuild",
                "all",
                request,
                lambda: build_index(self.settings, force=True, progress=_ui_progress(progress)),
            )
        return (status, *self.refresh())

    # ------------------------------------------------------------ evaluation

    def evaluate(self, file: str | None, progress=gr.Progress()) -> tuple:  # noqa: B008
        """Run an uploaded test set through the chat's own code path and show the report.

        A test set that cannot be used is said in a toast and in the status line, and the previous
        results stay: an error raised here would replace them with a lone error badge.
        """
        try:
            items = load_testset(file) if file else None
        except (OSError, ValueError) as exc:
            return _eval_refused(f"测试集无法使用：{str(exc).replace(file or '', Path(file or '').name)}")  # no paths
        if items is None:
            return _eval_refused("请先上传测试集（JSON lines，每行一道题；格式见上方，可下载示例）。")
        done = [0]

        def answer(question: str, **context: object) -> dict:  # one progress bar, counted here (not tqdm's)
            progress((done[0], len(items)), desc="评测中")
            done[0] += 1
            return self.live.assistant.ask_json(question, **context)

        report = evaluate(items, answer, progress=False)
        out = self.settings.var_dir / "eval" / datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        paths = write_reports(report, out)
        summary, failures = scores.summary_rows(report["totals"]), scores.failures_html(report)
        return f"已评测 {len(items)} 题。", summary, str(paths["chart"]), failures, str(paths["markdown"])


def _eval_refused(problem: str) -> tuple:
    """Why no evaluation ran, as a toast and the status line; the results of the previous run are kept."""
    gr.Warning(problem)  # titled 请注意 by the page (web/static/xqa.js): Gradio shows only the toast's kind
    return f"**评测未运行**：{problem}（上次的结果保留不变）", *(gr.skip(),) * 4


def _ui_progress(progress: gr.Progress):
    """The index build's (stage, done, total) callback shown as a Gradio progress bar."""
    return lambda stage, done, total: progress((done, max(total, 1)), desc=f"建立索引：{stage}")


# ---------------------------------------------------------------- layout, one tab at a time


@dataclass
class ChatTab:
    chatbot: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    year: gr.Dropdown
    doc: gr.Dropdown
    new: gr.Button
    anew: gr.Button
    examples: gr.Dataset
    followups: gr.Dataset
    export: gr.DownloadButton
    sources: gr.HTML
    feedback_note: gr.Markdown
    comment_row: gr.Row
    comment: gr.Textbox
    comment_send: gr.Button
    turns: gr.State
    voted: gr.State
    stored: gr.BrowserState


def chat_tab(h: Handlers, examples: list[str]) -> ChatTab:
    """Chat on the left (input, filters and examples above the fold at 1366×768), sources on the right."""
    index, limit = h.live.assistant.index, h.settings.max_question_chars

    def read_document(ref: str) -> dict:  # called from the page as server.read_document
        return h.read_document(ref)

    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            chatbot = gr.Chatbot(
                show_label=False,
                elem_id="xqa-chat",
                layout="bubble",
                latex_delimiters=[],
                buttons=["copy"],
                feedback_options=("Dislike", "Like"),
                placeholder="您好！请提问有关西城区政府工作报告的问题，每个回答都附有原文出处。",
            )
            feedback_note = gr.Markdown(elem_id="xqa-feedback-note")
            with gr.Row(visible=False, equal_height=True) as comment_row:
                comment = gr.Textbox(placeholder="补充说明（可选）：哪里有用，哪里不对？", show_label=False, scale=5)
                comment_send = gr.Button("提交说明", scale=1, min_width=90)
            with gr.Row(equal_height=True):
                box = gr.Textbox(
                    placeholder="输入问题，按回车发送；可接着追问，如“那2013年呢？”",
                    label="问题",
                    show_label=False,
                    scale=5,
                    max_lines=4,
                    elem_id="xqa-box",
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=80)
            gr.HTML(f'<div id="xqa-counter">0 / {limit} 字</div>', js_on_load=None)
            with gr.Row(equal_height=True, elem_id="xqa-filters"):
                year = gr.Dropdown(web.year_choices(index), value="", label="限定年份", min_width=120, container=False)
                doc = gr.Dropdown(web.doc_choices(index), value="", label="限定报告", min_width=160, container=False)
                new = gr.Button("新对话", scale=0, min_width=90)
                # 作为新问题: the last question asked again without the conversation
                anew = gr.Button("作为新问题", scale=0, min_width=124)
                export = gr.DownloadButton("导出对话", value=None, interactive=False, scale=0, min_width=100)
        with gr.Column(scale=2, min_width=320):
            samples = [[q] for q in examples]
            examples_ = gr.Dataset(
                components=["textbox"],
                samples=samples,
                label="试试这些问题（点击即提问）",
                type="values",
                elem_id="xqa-examples",
                samples_per_page=len(samples) or 1,
            )
            followups = gr.Dataset(
                components=["textbox"],
                samples=[],
                label="您可能还想问",
                type="values",
                visible=False,
                elem_id="xqa-followups",
            )
            sources = gr.HTML(
                web.EMPTY_SOURCES,
                elem_id="xqa-sources-panel",
                server_functions=[read_document],
                js_on_load="window.xqaServer = server;",
            )
            gr.Markdown("回答逐字摘自报告原文并注明出处，系统不作推断；引用数据请以原文为准。", elem_classes="xqa-note")
    return ChatTab(
        chatbot,
        box,
        send,
        year,
        doc,
        new,
        anew,
        examples_,
        followups,
        export,
        sources,
        feedback_note,
        comment_row,
        comment,
        comment_send,
        gr.State([]),
        gr.State(""),
        gr.BrowserState(
            {"messages": [], "turns": []}, storage_key="xqa-conversation", secret=_browser_secret(h.settings)
        ),
    )


@dataclass
class DocumentsTab:
    docs: gr.Dataframe
    token: gr.Textbox
    upload: gr.File
    add: gr.Button
    victim: gr.Dropdown
    remove: gr.Button
    confirm_row: gr.Row
    confirm: gr.Button
    cancel: gr.Button
    rebuild: gr.Button
    status: gr.Markdown
    meta_doc: gr.Dropdown
    meta_field: gr.Dropdown
    meta_value: gr.Textbox
    meta_apply: gr.Button


def documents_tab(h: Handlers) -> DocumentsTab:
    """The indexed reports, and (with the admin token) upload, removal after a confirmation, and rebuild."""
    index, admin_on = h.live.assistant.index, h.admin_on
    gr.Markdown(
        "上传、删除或更正报告需要管理员口令。"
        if admin_on
        else web.admin_refusal(h.settings.admin_token, None) + "设置该变量后重启即可上传、删除报告。"
    )
    docs = gr.Dataframe(
        web.document_rows(index),
        headers=["标题", "类型", "涉及年份", "文件", "段落数"],
        interactive=False,
        wrap=True,
        label="已收录的报告",
    )
    token = gr.Textbox(label="管理员口令", type="password", interactive=admin_on)
    with gr.Row():
        with gr.Column():
            upload = gr.File(
                label=f"上传报告（{' '.join(sorted(SUPPORTED_SUFFIXES))}）",
                type="filepath",
                file_types=sorted(SUPPORTED_SUFFIXES),
                interactive=admin_on,
            )
            add = gr.Button("添加并建立索引", variant="primary", interactive=admin_on)
        with gr.Column():
            victim = gr.Dropdown(web.doc_choices(index)[1:], value=None, label="要删除的报告", interactive=admin_on)
            remove = gr.Button("删除该报告", variant="stop", interactive=admin_on)
            with gr.Row(visible=False) as confirm_row:
                confirm = gr.Button("确认删除", variant="stop")
                cancel = gr.Button("取消")
        with gr.Column():
            rebuild = gr.Button("重建索引（全部重新向量化，需几分钟）", interactive=admin_on)
            status = gr.Markdown(elem_id="xqa-admin-status")
    with gr.Row():  # a metadata correction: one field at a time, kept in the catalog, applied without re-embedding
        meta_doc = gr.Dropdown(web.doc_choices(index)[1:], value=None, label="要更正的报告", interactive=admin_on)
        meta_field = gr.Dropdown(list(CORRECTABLE), value=None, label="字段", interactive=admin_on)
        meta_value = gr.Textbox(label="正确的值（留空则恢复为从原文识别的值）", interactive=admin_on)
        meta_apply = gr.Button("更正元数据", interactive=admin_on)
    return DocumentsTab(
        docs,
        token,
        upload,
        add,
        victim,
        remove,
        confirm_row,
        confirm,
        cancel,
        rebuild,
        status,
        meta_doc,
        meta_field,
        meta_value,
        meta_apply,
    )


@dataclass
class EvaluationTab:
    testset: gr.File
    run: gr.Button
    status: gr.Markdown
    summary: gr.Dataframe
    chart: gr.Image
    failures: gr.HTML
    report_md: gr.File


def evaluation_tab() -> EvaluationTab:
    """Upload a test set (its format and an example file shown), run it, read totals, the chart and failures."""
    gr.Markdown("上传测试集（JSON lines，每行一道题），逐题调用与问答页相同的流程并打分。")
    with gr.Accordion("测试集格式", open=True):
        gr.Markdown(scores.TESTSET_FORMAT)
        gr.DownloadButton("下载示例测试集", value=str(TESTSET_EXAMPLE), size="sm")
    with gr.Row():
        testset = gr.File(
            label="测试集", type="filepath", file_types=[".jsonl", ".json"], scale=3, elem_id="xqa-testset"
        )
        run = gr.Button("运行评测", variant="primary", scale=1)
    status = gr.Markdown(elem_id="xqa-eval-status")
    with gr.Row():
        summary = gr.Dataframe(
            headers=["指标", "数值", "含义"],
            interactive=False,
            wrap=True,
            label="总体结果",
            scale=3,
            column_widths=["30%", "14%", "56%"],
        )
        chart = gr.Image(label="分题型结果", type="filepath", interactive=False, scale=3)  # breakdown.png itself
    failures = gr.HTML(label="答错的题目")
    report_md = gr.File(label="完整报告（Markdown）", interactive=False)
    return EvaluationTab(testset, run, status, summary, chart, failures, report_md)


# ---------------------------------------------------------------- wiring, one tab at a time


def wire_chat(h: Handlers, c: ChatTab) -> None:
    """Ask (typed, an example, a follow-up), keep the conversation in the browser, vote and comment."""
    chat = dict(
        inputs=[c.box, c.chatbot, c.turns, c.year, c.doc],
        outputs=[c.box, c.chatbot, c.turns, c.sources, c.followups, c.export, c.stored],
        show_progress="hidden",
    )
    gr.on([c.box.submit, c.send.click], h.chat, **chat, api_name="chat", validator=h.check)
    for dataset in (c.examples, c.followups):  # clicking a suggested question asks it
        dataset.click(lambda sample: sample[0], inputs=dataset, outputs=c.box, api_visibility="private").then(
            h.chat, **chat, api_visibility="private"
        )
    c.anew.click(
        h.ask_alone,
        inputs=[c.chatbot, c.turns, c.year, c.doc],
        outputs=chat["outputs"],
        show_progress="hidden",
        api_visibility="private",
    )
    c.box.change(None, inputs=c.box, js=COUNTER_JS % ((h.settings.max_question_chars,) * 3))
    cleared = [c.box, c.chatbot, c.turns, c.sources, c.followups, c.export, c.stored]
    c.new.click(h.new_conversation, outputs=cleared, api_visibility="private")
    c.chatbot.clear(h.new_conversation, outputs=cleared, api_visibility="private")
    gr.on(
        [c.chatbot.like],
        h.vote,
        inputs=[c.turns],
        outputs=[c.feedback_note, c.comment_row, c.voted],
        api_visibility="undocumented",
        api_name="vote",
    )
    gr.on(
        [c.comment_send.click, c.comment.submit],
        h.comment,
        inputs=[c.comment, c.voted, c.turns],
        outputs=[c.feedback_note, c.comment],
        api_visibility="private",
    )
    gr.api(h.ask, api_name="ask")


def wire_documents(h: Handlers, d: DocumentsTab, refreshed: list) -> None:
    """Each action first clears the old status, shows one progress bar (on the status) and refreshes the lists."""
    admin = dict(concurrency_limit=1, concurrency_id="admin", show_progress_on=[d.status])

    def cleared(button: gr.Button):
        return button.click(lambda: "", outputs=d.status, api_visibility="private", queue=False)

    cleared(d.add).then(
        h.add, inputs=[d.token, d.upload], outputs=[d.status, d.upload, *refreshed], **admin, api_name="add_document"
    )
    d.remove.click(h.confirm_removal, inputs=[d.victim], outputs=[d.status, d.confirm_row], api_visibility="private")
    d.cancel.click(lambda: ("", gr.update(visible=False)), outputs=[d.status, d.confirm_row], api_visibility="private")
    cleared(d.confirm).then(
        h.remove,
        inputs=[d.token, d.victim],
        outputs=[d.status, d.confirm_row, *refreshed],
        **admin,
        api_name="remove_document",
    )
    cleared(d.rebuild).then(
        h.rebuild, inputs=[d.token], outputs=[d.status, *refreshed], **admin, api_name="rebuild_index"
    )
    cleared(d.meta_apply).then(
        h.set_meta,
        inputs=[d.token, d.meta_doc, d.meta_field, d.meta_value],
        outputs=[d.status, *refreshed],
        **admin,
        api_name="set_metadata",
    )


def wire_evaluation(h: Handlers, e: EvaluationTab) -> None:
    e.run.click(
        h.evaluate,
        inputs=[e.testset],
        outputs=[e.status, e.summary, e.chart, e.failures, e.report_md],
        concurrency_limit=1,
        concurrency_id="eval",
        api_name="evaluate",
        show_progress_on=[e.summary],
    )


def build_app(settings: Settings, assistant: Assistant) -> gr.Blocks:
    """The page: chat, documents and evaluation tabs, with the queue limits from ``settings``."""
    h = Handlers(settings, assistant)
    examples = example_questions(assistant.index)
    with gr.Blocks(title="西城区政府工作报告问答") as demo:
        header = gr.HTML(web.header_html(assistant.index))
        with gr.Tabs():
            with gr.Tab("智能问答"):
                chat = chat_tab(h, examples)
            with gr.Tab("文档管理"):
                documents = documents_tab(h)
            with gr.Tab("效果评测"):
                evaluation = evaluation_tab()
        wire_chat(h, chat)
        refreshed = [header, chat.year, chat.doc, documents.docs, documents.victim, documents.meta_doc]
        demo.load(
            h.restore,
            inputs=[chat.stored],
            outputs=[chat.chatbot, chat.turns, chat.sources, chat.followups, chat.export],
            api_visibility="private",
            show_progress="hidden",
        ).then(h.page_loaded, outputs=refreshed, api_visibility="private", show_progress="hidden").then(
            None, js=READY_JS
        )
        wire_documents(h, documents, refreshed)
        wire_evaluation(h, evaluation)
    return demo.queue(max_size=settings.max_queue, default_concurrency_limit=settings.concurrency_limit)


def _browser_secret(settings: Settings) -> str:
    """The key of the conversation kept in the browser, stable across restarts so a reload after one still works."""
    path = settings.var_dir / "browser-state.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------- serving


def launch(demo: gr.Blocks, settings: Settings, **kwargs) -> tuple:
    """Serve ``demo`` with the product's look; ``kwargs`` go to ``Blocks.launch`` (tests pass prevent_thread_lock)."""
    eval_dir = settings.var_dir / "eval"
    eval_dir.mkdir(parents=True, exist_ok=True)
    return demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        theme=THEME,
        css=(STATIC / "xqa.css").read_text(encoding="utf-8"),
        js=(STATIC / "xqa.js").read_text(encoding="utf-8"),
        allowed_paths=[str(eval_dir)],
        max_file_size=settings.max_upload_bytes,
        footer_links=["api"],
        **kwargs,
    )


def port_taken(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (checked before a build that may take minutes)."""
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def port_message(port: int) -> str:
    return (
        f"端口 {port} 已被占用（可能已有一个问答服务在运行）。换一个端口：python app.py --port {port + 1}，"
        f"或设置环境变量 XQA_PORT={port + 1}"
    )


def first_run_line(settings: Settings) -> str | None:
    """The one console line before an index build: what is built and about how long it takes."""
    state = status(settings)
    if state["problem"] == "does not exist":
        n = len(state["added"])
        return (
            f"首次启动：正在为 {n} 份报告建立索引，约需 {max(1, round(n * SECONDS_PER_REPORT / 60))} 分钟"
            f"（两核 CPU），完成后自动启动 http://{settings.host}:{settings.port}"
        )
    changed = len(state["added"]) + len(state["changed"]) + len(state["removed"])
    return f"报告有变化（{changed} 份），正在更新索引，只处理变化的部分…" if changed else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="西城区政府工作报告问答 - web app")
    parser.add_argument("--host", help="interface to listen on (default XQA_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default XQA_PORT, else GRADIO_SERVER_PORT, else 7860)")
    args = parser.parse_args(argv)
    port = args.port
    if (
        port is None
        and not os.environ.get("XQA_PORT", "").strip()
        and os.environ.get("GRADIO_SERVER_PORT", "").isdigit()
    ):
        port = int(os.environ["GRADIO_SERVER_PORT"])  # Gradio's own variable, honoured too
    try:
        settings = Settings.from_env(host=args.host, port=port)
    except BadSetting as exc:
        sys.exit(f"无法启动：{exc}")
    if port_taken(settings.host, settings.port):
        sys.exit(port_message(settings.port))
    try:  # a damaged index is told, not traced, whether the first-run check or the load finds it
        line = first_run_line(settings)
        if line:
            print(line, file=sys.stderr, flush=True)
        assistant = load_assistant(settings, progress=ConsoleProgress())
    except IndexUnavailable as exc:
        sys.exit(f"无法启动：索引不可用（{exc}）")
    try:
        launch(build_app(settings, assistant), settings)
    except OSError:  # the port was taken while the index was being built
        if port_taken(settings.host, settings.port):
            sys.exit(port_message(settings.port))
        raise


if __name__ == "__main__":
    main()
