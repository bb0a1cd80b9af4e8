"""``python -m qa ask`` / ``python -m qa series`` - ask the reports from the command line.

    python -m qa ask "2019年社会消费品零售总额是多少？"          answer and numbered sources, for a person
    python -m qa ask --json "…"                                 one JSON object (the web API's contract)
    python -m qa ask --json --batch FILE                        one JSON object per input line, in order
                                                                (a bad question: {"question", "error"})
    options: --year 2019 (repeatable or 2013,2019)  --doc 2020-work-report (repeatable or comma list)

    python -m qa series "地区生产总值"                            one indicator across every report: a cited
                                                                row per stated year, gaps named (--json too)
    options: --growth (the rates)  --targets (目标 instead of actuals)  --year 2004-2010  --doc …

The index is built on first use (progress on stderr, so stdout stays pure
JSON), and the model is loaded once for a whole batch.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from index import IndexUnavailable, Settings
from index.progress import ConsoleProgress

from .guard import BadQuestion
from .pipeline import Answer, Assistant
from .reader import EXTRACT_READER
from .series import gap_text, heading, point_claim
from .service import load_assistant

MAYBE_SHOWN = 3
KNOWN_SHOWN = 12  # indicators named when a series is not found: the most stated, enough to recognise a name


def _split(values: list[str] | None) -> list[str]:
    """Repeated options and comma lists as one flat list: ['2013,2019', '2020'] -> ['2013', '2019', '2020']."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _years(values: list[str] | None) -> tuple[int, ...] | None:
    years = _split(values)
    bad = [y for y in years if not (y.isdigit() and len(y) == 4)]
    if bad:
        raise ValueError(f"--year 需要四位年份，而不是 {', '.join(bad)}")
    return tuple(int(y) for y in years) or None


def _span(values: list[str] | None) -> tuple[int, ...]:
    """--year of a series: years and spans, '2004-2010' meaning every year from 2004 to 2010."""
    years: list[int] = []
    for value in _split(values):
        first, _, last = value.partition("-")
        if not (first.isdigit() and len(first) == 4 and (not last or (last.isdigit() and len(last) == 4))):
            raise ValueError(f"--year 需要四位年份或年份区间（如 2004-2010），而不是 {value}")
        years += range(int(first), int(last or first) + 1)
    return tuple(sorted(set(years)))


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
    who = f"（{answer.reader}）" if answer.reader != EXTRACT_READER else ""
    lines += [f"答{who}：{answer.answer}"]
    if answer.reader_note:  # the model's answer was not shown, or some of its claims were dropped
        lines.append(f"（{answer.reader_note}）")
    lines.append("")
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


def format_series(answer: Answer) -> str:
    """A series as a person reads it in a terminal: one row per statement, its source under it."""
    by_n = {c.n: c for c in answer.citations}
    lines = []
    for series in answer.series:
        lines += ["", heading(series)]
        for p in series.points:
            c = by_n[p.n]
            lines += [
                f"  {point_claim(p, series)}  [{p.n}] {c.title} · {c.section or '正文'}",
                f"      “{c.quote}”",
            ]
        if series.gaps:
            lines.append(f"  {gap_text(series.gaps)}：报告中未载")
    return "\n".join(lines).lstrip("\n")


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
    ask.add_argument(
        "--reader",
        choices=("extract", "model"),
        default="extract",
        help="who writes the answer: the extractive reader, or the model at XQA_LLM_URL with every claim checked",
    )
    series = sub.add_parser("series", help="one indicator across every report, each figure cited")
    series.add_argument("indicator", help="its name as the reports or a reader write it (地区生产总值, GDP, 财政收入)")
    series.add_argument("--json", action="store_true", help="print the JSON contract (its series field) instead")
    series.add_argument("--growth", action="store_true", help="the growth rates instead of the levels")
    series.add_argument("--targets", action="store_true", help="the targets (目标, 调整后目标) instead of actuals")
    series.add_argument("--year", action="append", help="only these years (repeatable, 2013,2019, or 2004-2010)")
    series.add_argument("--doc", action="append", help="only these documents (id or comma list)")
    return parser


def _series(assistant: Assistant, args: argparse.Namespace) -> int:
    """Print one indicator's series; 1 when no report states a figure of it (the indicators that exist listed)."""
    docs = _split(args.doc) or None
    unknown = [d for d in docs or [] if d not in assistant.index.docs]
    if unknown:
        raise ValueError(f"没有这些文档：{', '.join(unknown)}；已收录：{', '.join(sorted(assistant.index.docs))}")
    answer = assistant.series(args.indicator, _span(args.year), args.growth, args.targets, docs)
    if answer is not None:
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else format_series(answer))
        return 0
    stated = Counter(s.indicator for s in assistant.index.statements)
    known = "、".join(name for name, _ in stated.most_common(KNOWN_SHOWN))
    message = f"报告中没有“{args.indicator}”的数值（所选年份、类型）。报告中数值最多的指标：{known}"
    print(json.dumps({"question": args.indicator, "error": message}, ensure_ascii=False) if args.json else message)
    return 1


def _ask_all(assistant: Assistant, questions: Iterator[str], args: argparse.Namespace) -> int:
    """Answer each question in order; a bad one is reported in its place. Returns how many were bad."""
    years, docs = _years(args.year), _split(args.doc) or None
    unknown = [d for d in docs or [] if d not in assistant.index.docs]
    if unknown:
        raise ValueError(f"没有这些文档：{', '.join(unknown)}；已收录：{', '.join(sorted(assistant.index.docs))}")
    bad = 0
    for n, question in enumerate(questions):
        try:
            ask = assistant.ask_model if args.reader == "model" else assistant.ask
            answer = ask(question, years=years, doc_ids=docs)
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
    """Exit status: 0 all answered, 1 a question unanswerable as asked (a series no report states), 2 bad input."""
    args = _parser().parse_args(argv)
    if args.command == "ask" and (args.question is None) == (args.batch is None):
        _parser().error("give either a question or --batch FILE")
    try:
        settings = Settings.from_env()  # a bad XQA_* value is one line (BadSetting is a ValueError)
        if args.command == "series":
            _span(args.year)  # bad options fail before the model loads
            return _series(load_assistant(settings, progress=ConsoleProgress()), args)
        _years(args.year)
        if args.reader == "model" and not settings.llm_url:
            raise ValueError("--reader model needs a model: set XQA_LLM_URL (and XQA_LLM_MODEL)")
        assistant = load_assistant(settings, progress=ConsoleProgress())
        questions = _questions(args.batch) if args.batch else iter([args.question])
        bad = _ask_all(assistant, questions, args)
    except (OSError, ValueError, IndexUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
