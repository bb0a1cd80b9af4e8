"""Evaluate a test set through the assistant and write the reports.

python -m evaluation --testset testsets/dev_qa.jsonl [--out DIR]
    [--baseline REPORT.json] [--limit N] [--min FLOORS.json] [--reader extract|model]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .report import reader_table, summary_table, write_reports
from .runner import LOWER_IS_BETTER, ROOT, evaluate, gate_failures, load_floors, load_testset


def _load_baseline(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read baseline report ({exc})") from None
    if not isinstance(data, dict) or not {"totals", "items"} <= data.keys():
        raise ValueError(f"{path}: not an evaluation report (needs 'totals' and 'items')")
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--testset", required=True, type=Path, help="JSON-lines test set")
    parser.add_argument("--out", type=Path, help="report directory (default: .cache/eval/<timestamp>)")
    parser.add_argument("--baseline", type=Path, help="an earlier report.json to compare against")
    parser.add_argument("--limit", type=int, help="evaluate only the first N items")
    parser.add_argument(
        "--reader",
        choices=("extract", "model"),
        default="extract",
        help="who writes the answers: the extractive reader (default) or the model at XQA_LLM_URL, every claim checked",
    )
    parser.add_argument(
        "--min",
        type=Path,
        dest="floors",
        help="JSON {metric: bound}; exit 1 if a metric is under its floor "
        f"(a ceiling for {', '.join(sorted(LOWER_IS_BETTER))})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns the exit status (0 ok, 1 gate failed, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        items = load_testset(args.testset)
        floors = load_floors(args.floors) if args.floors else {}
        baseline = _load_baseline(args.baseline) if args.baseline else None
    except (OSError, ValueError) as exc:  # checked before the (slow) run
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit is not None:
        items = items[: args.limit]
    # Lazy: the metrics and reports must import and test without the system.
    from index import Settings
    from index.config import BadSetting
    from qa import load_assistant

    try:
        settings = Settings.from_env()
    except BadSetting as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.reader == "model" and not settings.llm_url:
        print("error: --reader model needs a model: set XQA_LLM_URL (and XQA_LLM_MODEL)", file=sys.stderr)
        return 2
    assistant = load_assistant(settings)
    started = datetime.now()
    if args.reader == "model":
        report = evaluate(items, lambda question, **context: assistant.ask_model(question, **context).to_json())
    else:
        report = evaluate(items, assistant.ask_json)
    report["meta"] = {
        "testset": str(args.testset),
        "started": started.isoformat(timespec="seconds"),
        "reader": args.reader,
    }
    out_dir = args.out or ROOT / ".cache" / "eval" / started.strftime("%Y%m%d-%H%M%S")
    paths = write_reports(report, out_dir, baseline)
    print(summary_table(report["totals"]))
    if args.reader == "model":
        print(reader_table(report["totals"]))
    for path in paths.values():
        print(f"wrote {path}")
    failures = gate_failures(report["totals"], floors)
    if failures:
        print("regression gate failed:\n" + "\n".join(f"  {f}" for f in failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
