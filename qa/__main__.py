"""``python -m qa ask`` - ask the reports from the command line.

    python -m qa ask "2019年社会消费品零售总额是多少？"          answer and numbered sources, for a person
    python -m qa ask --json "…"                                 one JSON object (the web API's contract)
    python -m qa ask --json --batch FILE                        one JSON object per input line, in order
                                                                (a bad question: {"question", "error"})
    options: --year 2019 (repeatable or 2013,2019)  --doc 2020-work-report (repeatable or comma list)

The index is built on first use (progress on stderr, so stdout stays pure
JSON), and the model is loaded once for a whole batch.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from index import IndexUnavailable, Settings
from index.progress import ConsoleProgress

from .guard import BadQuestion
from .pipeline import Answer, Assistant
from .service import load_assistant

MAYBE_SHOWN = 3


def _split(values: list[str] | None) -> list[str]:
    """Repeated options and comma lists as one flat list: ['2013,2019', '2020'] -> ['2013', '2019', '2020']."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _years(values: list[str] | None) -> tuple[int, ...] | None:
    years = _split(values)
    bad = [y for y in years if not (y.isdigit() and len(y) == 4)]
    if bad:
        raise ValueError(f"--year 需要四位年份，而不是 {', '.join(bad)}")
    return tuple(int(y) for y in years) or None


def _questions(path: Path) -> Iterator[str]:
    """One question per non-blank line: plain text, or a JSON object with a "question" field ('-' is stdin)."""
    fh = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    with fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                try:
                    line = json.loads(line)["question"]
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}:{lineno}: 不是含 question 字段的 JSON 对象 ({exc})") from None
            yield line


def format_answer(answer: Answer) -> str:
    """The answer and its numbered sources, as a person reads them in a terminal."""
    lines = [f"问：{answer.question}"]
    if answer.rewritten != answer.question:
        lines.append(f"（理解为：{answer.rewritten}）")
    lines += [f"答：{answer.answer}", ""]
    if answer.citations:
        lines.append("来源：")
        for c in answer.citations:
            year = f" · {c.year}年" if c.year else ""
            lines += [f"[{c.n}] {c.title}{year} · {c.section or '正文'}（{c.source}）", f"    “{c.quote}”"]
    elif answer.passages:
        lines.append("可能相关的段落（仅供参考）：")
        for p in answer.passages[:MAYBE_SHOWN]:
            lines += [
                f"- {p.doc.title} · {' > '.join(p.chunk.section) or '正文'}（{p.doc.file}）",
                f"    {p.chunk.text}",
            ]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question with cited sources")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print the JSON contract instead of text")
    ask.add_argument("--batch", type=Path, metavar="FILE", help="questions, one per line (or JSON lines); '-' = stdin")
    ask.add_argument("--year", action="append", help="only reports about these years (repeatable, or 2013,2019)")
    ask.add_argument(
        "--doc", action="append", help="only these documents (id or comma list; see python -m index status)"
    )
    return parser


def _ask_all(assistant: Assistant, questions: Iterator[str], args: argparse.Namespace) -> int:
    """Answer each question in order; a bad one is reported in its place. Returns how many were bad."""
    years, docs = _years(args.year), _split(args.doc) or None
    unknown = [d for d in docs or [] if d not in assistant.index.docs]
    if unknown:
        raise ValueError(f"没有这些文档：{', '.join(unknown)}；已收录：{', '.join(sorted(assistant.index.docs))}")
    bad = 0
    for n, question in enumerate(questions):
        try:
            answer = assistant.ask(question, years=years, doc_ids=docs)
        except BadQuestion as exc:
            bad += 1
            if args.json:
                print(json.dumps({"question": question, "error": str(exc)}, ensure_ascii=False), flush=True)
            else:
                print(("\n" if n else "") + f"问：{question}\n无法回答：{exc}", flush=True)
            continue
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(("\n" if n else "") + format_answer(answer), flush=True)
    return bad


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 all answered, 1 some question was unanswerable as asked, 2 bad input or no usable index."""
    args = _parser().parse_args(argv)
    if (args.question is None) == (args.batch is None):
        _parser().error("give either a question or --batch FILE")
    settings = Settings.from_env()
    try:
        _years(args.year)  # bad options fail before the model loads
        assistant = load_assistant(settings, progress=ConsoleProgress())
        questions = _questions(args.batch) if args.batch else iter([args.question])
        bad = _ask_all(assistant, questions, args)
    except (OSError, ValueError, IndexUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
