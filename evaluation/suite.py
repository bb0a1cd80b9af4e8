"""Every test set in one run, by type, per retrieval mode: the figures a closing note reports.

    python -m evaluation.suite [--sets dev_qa,project_qa,blind_tune,blind_check]
        [--modes hybrid,keyword,dense] [--json OUT.json]

Prints one markdown table of the totals (set x metric, for every mode) and one
of accuracy by question type, so before/after comparisons are made on every
set at once, from the same index and the same code.  The blind check half is
reported, never tuned on.
"""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Sequence
from pathlib import Path

from .report import fmt, markdown_table
from .runner import ROOT, TYPES, evaluate, load_testset

TESTSETS = ROOT / "testsets"
DEFAULT_SETS = ("dev_qa", "project_qa", "blind_tune", "blind_check", "series_qa")
TUNING_SETS = ("dev_qa", "project_qa", "blind_tune", "series_qa")  # the check half is never used to choose anything
COLUMNS = (
    "n",
    "accuracy",
    "hit_at_5",
    "citation_precision",
    "abstention_accuracy",
    "false_abstention_rate",
    "series_point_recall",
    "series_point_precision",
    "latency_ms_median",
)


def testset_path(name: str) -> Path:
    return TESTSETS / f"{name}.jsonl"


def run_suite(assistant: object, sets: Sequence[str], modes: Sequence[str]) -> dict[str, dict[str, dict]]:
    """``{mode: {set: report}}`` for every mode and set, through ``assistant.ask_json``."""
    out: dict[str, dict[str, dict]] = {}
    for mode in modes:
        out[mode] = {}
        for name in sets:
            items = load_testset(testset_path(name))
            ask = functools.partial(assistant.ask_json, mode=mode)  # type: ignore[attr-defined]
            out[mode][name] = evaluate(items, ask, progress=False)
    return out


def totals_table(results: dict[str, dict[str, dict]]) -> str:
    rows = [
        [mode, name, *(fmt(key, report["totals"].get(key)) for key in COLUMNS)]
        for mode, reports in results.items()
        for name, report in reports.items()
    ]
    return markdown_table(["mode", "set", *COLUMNS], rows)


def by_type_table(results: dict[str, dict[str, dict]], mode: str) -> str:
    reports = results[mode]
    rows = []
    for kind in TYPES:
        cells = []
        for report in reports.values():
            group = report["by_type"].get(kind)
            cells.append(f"{fmt('accuracy', group['accuracy'])} ({group['n']})" if group else "–")
        rows.append([kind, *cells])
    return markdown_table(["type", *reports], rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation.suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS), help="test-set names under testsets/")
    parser.add_argument("--modes", default="hybrid", help="retrieval modes, e.g. hybrid,keyword,dense")
    parser.add_argument("--json", type=Path, help="write the per-item reports here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    missing = [s for s in sets if not testset_path(s).exists()]
    if missing:
        print(f"error: no test set {', '.join(missing)} under {TESTSETS}")
        return 2
    from qa import load_assistant  # lazy: the tables above import without the system

    results = run_suite(load_assistant(), sets, [m for m in args.modes.split(",") if m])
    print(totals_table(results))
    for mode in results:
        print(f"\naccuracy by type ({mode}; n in brackets)\n")
        print(by_type_table(results, mode))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
