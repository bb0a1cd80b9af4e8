"""Run a test set through the assistant and write the evaluation reports.

The runner calls the same ``answer_fn`` as the chat (the public JSON contract),
scores each answer with :mod:`qa.metrics`, and aggregates totals plus
breakdowns by question type and by source document, so a regression can be
traced to the kind of question or the document it comes from.  ``compare``
diffs two runs; ``--min`` turns the totals into a CI gate.

    python -m qa.eval --testset testsets/dev_qa.jsonl [--out DIR]
        [--baseline REPORT.json] [--limit N] [--min FLOORS.json]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from tqdm import tqdm

from qa.metrics import (
    COMPONENT_TYPES,
    abstention_rates,
    answer_correct,
    char_f1,
    citation_precision,
    citation_recall,
    component_coverage,
    first_hit_rank,
    hit_at_k,
    mean_of,
    mrr,
    normalize,
    percentile,
)

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("number", "fact", "list", "responsible_unit", "status", "cross_doc", "plan", "unanswerable")
# Total metrics in report order, with their labels.
METRICS: dict[str, str] = {
    "accuracy": "answer accuracy",
    "hit_at_1": "retrieval hit@1",
    "hit_at_5": "retrieval hit@5",
    "hit_at_10": "retrieval hit@10",
    "mrr": "retrieval MRR",
    "component_coverage": "component coverage (list, cross_doc)",
    "char_f1": "char F1",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "abstention_accuracy": "abstention accuracy (unanswerable)",
    "false_abstention_rate": "false-abstention rate (answerable)",
    "latency_ms_median": "latency median (ms)",
    "latency_ms_p95": "latency p95 (ms)",
    "n_errors": "errors (answer_fn raised)",
}
# For these a gate value is a ceiling, not a floor.
LOWER_IS_BETTER = frozenset({"false_abstention_rate", "latency_ms_median", "latency_ms_p95", "n_errors"})
BREAKDOWN_COLUMNS: dict[str, str] = {
    "n": "n",
    "accuracy": "accuracy",
    "hit_at_1": "hit@1",
    "hit_at_5": "hit@5",
    "mrr": "MRR",
    "component_coverage": "coverage",
    "char_f1": "char F1",
    "citation_precision": "cit. P",
    "citation_recall": "cit. R",
}
OUTPUT_KEYS = ("answer", "abstained", "citations", "passages", "timings_ms")
NO_DOCUMENT = "none"
EXCERPT_CHARS = 300


class InvalidTestsetError(ValueError):
    """A test-set file that cannot be evaluated; the message names file and line."""


class GateError(ValueError):
    """A ``--min`` file that is not a JSON object of known metric -> number."""


# ---------------------------------------------------------------- test set


def _item_problem(item: Any, seen_ids: set[str]) -> str | None:
    """What is wrong with one parsed test-set line, or ``None``."""
    if not isinstance(item, dict):
        return "expected a JSON object"
    for key in ("id", "question", "answer", "type"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            return f"missing or empty string field {key!r}"
    if item["id"] in seen_ids:
        return f"duplicate id {item['id']!r}"
    if item["type"] not in TYPES:
        return f"unknown type {item['type']!r} (expected one of {', '.join(TYPES)})"
    aliases = item.get("answer_aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        return "'answer_aliases' must be a list of strings"
    evidence = item.get("evidence", [])
    if not isinstance(evidence, list):
        return "'evidence' must be a list"
    for n, ev in enumerate(evidence, 1):
        if not isinstance(ev, dict) or not isinstance(ev.get("file"), str) or not isinstance(ev.get("quote"), str):
            return f"evidence #{n} must be an object with string 'file' and 'quote'"
        if not normalize(ev["quote"]):
            return f"evidence #{n} has an empty quote"
    return None


def load_testset(path: str | Path) -> list[dict]:
    """Read a JSON-lines test set, validating each item; errors carry ``file:line``.

    Blank lines are skipped; missing ``answer_aliases``/``evidence`` default to [].
    """
    items: list[dict] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidTestsetError(f"{path}:{lineno}: invalid JSON ({exc.msg}, column {exc.colno})") from None
            problem = _item_problem(item, seen)
            if problem:
                raise InvalidTestsetError(f"{path}:{lineno}: {problem}")
            item.setdefault("answer_aliases", [])
            item.setdefault("evidence", [])
            seen.add(item["id"])
            items.append(item)
    if not items:
        raise InvalidTestsetError(f"{path}: no test items")
    return items


# ---------------------------------------------------------------- scoring


def score_item(item: dict, output: dict) -> dict:
    """One per-item record: the system's output for ``item`` scored against its gold."""
    kind, gold, aliases = item["type"], item["answer"], item["answer_aliases"]
    golds = [gold, *aliases]
    quotes = [ev["quote"] for ev in item["evidence"]]
    answer, abstained = output["answer"], bool(output["abstained"])
    passages = [p["text"] for p in sorted(output["passages"], key=lambda p: p["rank"])]
    cited = [c["text"] for c in output["citations"]]
    answerable = kind != "unanswerable"
    coverage = None
    if kind in COMPONENT_TYPES:
        coverage = 0.0 if abstained else max(component_coverage(answer, g) for g in golds)
    f1 = None
    if answerable:
        f1 = 0.0 if abstained else max(char_f1(answer, g) for g in golds)
    return {
        "id": item["id"],
        "type": kind,
        "question": item["question"],
        "expected": gold,
        "aliases": aliases,
        "got": answer,
        "abstained": abstained,
        "correct": answer_correct(answer, gold, aliases, item_type=kind, abstained=abstained),
        "coverage": coverage,
        "f1": f1,
        "n_evidence": len(quotes),
        "hit_rank": first_hit_rank(quotes, passages),
        "citation_precision": citation_precision(cited, quotes) if answerable else None,
        "citation_recall": citation_recall(cited, quotes) if answerable else None,
        "cited": cited,
        "documents": sorted({ev["file"] for ev in item["evidence"]}) or [NO_DOCUMENT],
        "latency_ms": float(output["timings_ms"]["total"]),
        "error": None,
    }


def _check_output(output: Any) -> None:
    """Fail loudly on a contract violation instead of scoring garbage."""
    if not isinstance(output, dict):
        raise TypeError(f"answer_fn returned {type(output).__name__}, expected dict")
    missing = [key for key in OUTPUT_KEYS if key not in output]
    if missing or "total" not in output["timings_ms"]:
        raise ValueError(f"answer_fn output lacks {', '.join(missing) or 'timings_ms.total'}")


def _run_one(item: dict, answer_fn: Callable[[str], dict]) -> dict:
    """Ask one question; a raising system is recorded as an empty, wrong answer.

    One failing question must not lose a whole run: the error is kept in the
    record, counted in ``n_errors`` and listed with the failures.
    """
    start = time.perf_counter()
    try:
        output = answer_fn(item["question"])
        _check_output(output)
    except Exception as exc:  # whatever the system under test raises is recorded, not fatal
        elapsed = (time.perf_counter() - start) * 1000
        empty = {"answer": "", "abstained": False, "citations": [], "passages": [], "timings_ms": {"total": elapsed}}
        return {**score_item(item, empty), "error": f"{type(exc).__name__}: {exc}"}
    return score_item(item, output)


def summarize(records: Sequence[dict]) -> dict[str, float | int | None]:
    """Counts and total metrics over some records (all of them, or one group)."""
    answerable = [r for r in records if r["type"] != "unanswerable"]
    ranks = [r["hit_rank"] for r in answerable if r["n_evidence"]]
    latencies = [r["latency_ms"] for r in records]
    abstention_accuracy, false_abstention = abstention_rates(
        (r["type"] != "unanswerable", r["abstained"]) for r in records
    )
    return {
        "n": len(records),
        "n_answerable": len(answerable),
        "n_unanswerable": len(records) - len(answerable),
        "n_errors": sum(r["error"] is not None for r in records),
        "accuracy": mean_of(float(r["correct"]) for r in records),
        "hit_at_1": hit_at_k(ranks, 1),
        "hit_at_5": hit_at_k(ranks, 5),
        "hit_at_10": hit_at_k(ranks, 10),
        "mrr": mrr(ranks),
        "component_coverage": mean_of(r["coverage"] for r in records),
        "char_f1": mean_of(r["f1"] for r in records),
        "citation_precision": mean_of(r["citation_precision"] for r in records),
        "citation_recall": mean_of(r["citation_recall"] for r in records),
        "abstention_accuracy": abstention_accuracy,
        "false_abstention_rate": false_abstention,
        "latency_ms_median": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
    }


def _grouped(records: Sequence[dict], keys_of: Callable[[dict], Sequence[str]]) -> dict[str, dict]:
    """:func:`summarize` per group; a record may sit in several groups (cross-doc items)."""
    groups: dict[str, list[dict]] = {}
    for record in records:
        for key in keys_of(record):
            groups.setdefault(key, []).append(record)
    return {key: summarize(group) for key, group in groups.items()}


def _type_order(kind: str) -> tuple[int, str]:
    return (TYPES.index(kind) if kind in TYPES else len(TYPES), kind)


def evaluate(items: list[dict], answer_fn: Callable[[str], dict], progress: bool = True) -> dict:
    """Ask every question through ``answer_fn`` (the chat's code path) and score it.

    Returns ``{"totals", "by_type", "by_document", "items"}``; documents are the
    items' evidence files (``"none"`` for items without evidence).
    """
    records = [_run_one(item, answer_fn) for item in tqdm(items, desc="eval", unit="q", disable=not progress)]
    by_type = _grouped(records, lambda r: [r["type"]])
    by_document = _grouped(records, lambda r: r["documents"])
    return {
        "totals": summarize(records),
        "by_type": {kind: by_type[kind] for kind in sorted(by_type, key=_type_order)},
        "by_document": dict(sorted(by_document.items())),
        "items": records,
    }


# ---------------------------------------------------------------- compare & gate


def _flip(record: dict, before: dict) -> dict:
    return {
        "id": record["id"],
        "type": record["type"],
        "question": record["question"],
        "expected": record["expected"],
        "got": record["got"],
        "baseline_got": before["got"],
    }


def compare(report: dict, baseline: dict) -> dict:
    """Change of every total and the items whose correctness flipped (matched by id)."""
    totals = {}
    for key in dict.fromkeys([*report["totals"], *baseline["totals"]]):
        current, before = report["totals"].get(key), baseline["totals"].get(key)
        delta = current - before if current is not None and before is not None else None
        totals[key] = {"baseline": before, "current": current, "delta": delta}
    old = {r["id"]: r for r in baseline["items"]}
    new_ids = {r["id"] for r in report["items"]}
    matched = [(r, old[r["id"]]) for r in report["items"] if r["id"] in old]
    return {
        "totals": totals,
        "to_wrong": [_flip(r, b) for r, b in matched if b["correct"] and not r["correct"]],
        "to_right": [_flip(r, b) for r, b in matched if r["correct"] and not b["correct"]],
        "only_in_report": sorted(new_ids - old.keys()),
        "only_in_baseline": sorted(old.keys() - new_ids),
    }


def load_floors(path: str | Path) -> dict[str, float]:
    """Read a ``--min`` file: a JSON object of metric -> bound (see :func:`gate_failures`)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GateError(f"{path}: cannot read gate file ({exc})") from None
    if not isinstance(data, dict):
        raise GateError(f"{path}: expected a JSON object {{metric: floor}}")
    unknown = sorted(set(data) - set(METRICS))
    if unknown:
        raise GateError(f"{path}: unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    not_numbers = sorted(k for k, v in data.items() if isinstance(v, bool) or not isinstance(v, int | float))
    if not_numbers:
        raise GateError(f"{path}: bound of {', '.join(not_numbers)} is not a number")
    return {key: float(value) for key, value in data.items()}


def gate_failures(totals: dict, floors: dict[str, float]) -> list[str]:
    """One message per metric that misses its bound; empty when the gate passes.

    A bound is a floor, except for :data:`LOWER_IS_BETTER` metrics where it is a
    ceiling.  A gated metric the run did not measure fails too: a gate that
    silently passes on a test set without, say, unanswerable items is no gate.
    """
    failures = []
    for key, bound in floors.items():
        value = totals.get(key)
        if value is None:
            failures.append(f"{key}: not measured in this run (bound {bound:g})")
        elif key in LOWER_IS_BETTER and value > bound:
            failures.append(f"{key} = {value:.4g} is above its ceiling {bound:g}")
        elif key not in LOWER_IS_BETTER and value < bound:
            failures.append(f"{key} = {value:.4g} is under its floor {bound:g}")
    return failures


# ---------------------------------------------------------------- reports


def fmt(key: str, value: float | None) -> str:
    """A metric value as shown in reports: counts whole, latencies in ms, rates to 3 places."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if key == "n" or key.startswith("n_"):
        return str(int(value))
    if key.startswith("latency"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def _one_line(text: str) -> str:
    """Table/list-safe text: whitespace collapsed, pipes escaped."""
    return re.sub(r"\s+", " ", text).strip().replace("|", "\\|")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def summary_table(totals: dict) -> str:
    """The total metrics as a markdown table (also what the CLI prints)."""
    return _table(["metric", "value"], [[label, fmt(key, totals.get(key))] for key, label in METRICS.items()])


def _breakdown_table(first_column: str, groups: dict[str, dict]) -> str:
    rows = [[_one_line(name), *(fmt(key, g.get(key)) for key in BREAKDOWN_COLUMNS)] for name, g in groups.items()]
    return _table([first_column, *BREAKDOWN_COLUMNS.values()], rows)


def _failure_section(record: dict) -> str:
    aliases = f" (aliases: {' / '.join(record['aliases'])})" if record["aliases"] else ""
    got = _one_line(record["got"]) or "(empty)"
    details = [
        f"hit rank {record['hit_rank'] if record['hit_rank'] is not None else '–'}",
        f"coverage {fmt('coverage', record['coverage'])}",
        f"citation P/R {fmt('citation_precision', record['citation_precision'])}"
        f"/{fmt('citation_recall', record['citation_recall'])}",
    ]
    lines = [
        f"### {record['id']} · {record['type']}",
        "",
        f"- **question:** {_one_line(record['question'])}",
        f"- **expected:** {_one_line(record['expected'])}{aliases}",
        f"- **got:** {got}{' (abstained)' if record['abstained'] else ''}",
        f"- {' · '.join(details)}",
    ]
    if record["error"]:
        lines.append(f"- **error:** `{_one_line(record['error'])}`")
    for n, text in enumerate(record["cited"], 1):
        excerpt = _one_line(text)
        excerpt = excerpt if len(excerpt) <= EXCERPT_CHARS else excerpt[:EXCERPT_CHARS] + "…"
        lines.append(f"- cited [{n}]: {excerpt}")
    if not record["cited"]:
        lines.append("- cited: (none)")
    return "\n".join(lines)


def _comparison_sections(comparison: dict) -> list[str]:
    rows = [
        [METRICS.get(key, key), fmt(key, c["baseline"]), fmt(key, c["current"]), _signed(key, c["delta"])]
        for key, c in comparison["totals"].items()
    ]
    sections = ["## Change against baseline", _table(["metric", "baseline", "current", "Δ"], rows)]
    for key, title in (("to_wrong", "Correct → wrong"), ("to_right", "Wrong → correct")):
        flips = comparison[key]
        lines = [
            f"- **{f['id']}** ({f['type']}) {_one_line(f['question'])} — expected {_one_line(f['expected'])}; "
            f"now: {_one_line(f['got']) or '(empty)'}; was: {_one_line(f['baseline_got']) or '(empty)'}"
            for f in flips
        ]
        sections += [f"### {title} ({len(flips)})", "\n".join(lines) or "(none)"]
    unmatched = comparison["only_in_report"] + comparison["only_in_baseline"]
    if unmatched:
        sections.append(f"Items in only one of the runs (not compared): {', '.join(unmatched)}")
    return sections


def _signed(key: str, delta: float | None) -> str:
    return "–" if delta is None else ("+" if delta >= 0 else "") + fmt(key, delta)


def render_markdown(report: dict, comparison: dict | None, chart_name: str) -> str:
    """The human report: summary, breakdowns, chart, failures, and the baseline diff."""
    totals = report["totals"]
    meta = report.get("meta", {})
    header = f"{totals['n']} items ({totals['n_answerable']} answerable, {totals['n_unanswerable']} unanswerable)"
    if meta:
        header += " · " + " · ".join(f"{k}: {v}" for k, v in meta.items())
    failures = [r for r in report["items"] if not r["correct"]]
    sections = [
        "# QA evaluation report",
        header,
        "## Summary",
        summary_table(totals),
        "## By question type",
        _breakdown_table("type", report["by_type"]),
        f"![accuracy and hit@5 by type]({chart_name})",
        "## By document",
        _breakdown_table("document", report["by_document"]),
    ]
    if comparison is not None:
        sections += _comparison_sections(comparison)
    sections.append(f"## Failures ({len(failures)})")
    sections += [_failure_section(r) for r in failures] or ["(none)"]
    return "\n\n".join(sections) + "\n"


def plot_breakdown(by_type: dict[str, dict], path: Path) -> None:
    """Bar chart of accuracy and hit@5 per type (Agg canvas: no display, no global backend)."""
    kinds = list(by_type)
    fig = Figure(figsize=(max(6.0, 1.1 * len(kinds)), 4.0))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.4
    for offset, key, label in ((-width / 2, "accuracy", "accuracy"), (width / 2, "hit_at_5", "hit@5")):
        values = [by_type[k][key] if by_type[k][key] is not None else math.nan for k in kinds]
        ax.bar([i + offset for i in range(len(kinds))], values, width, label=label)
    ax.set_xticks(range(len(kinds)), kinds, rotation=30, ha="right")
    ax.set_ylim(0, 1.2)  # headroom for the legend above the bars
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("fraction of items")
    ax.set_title("Accuracy and retrieval hit@5 by question type")
    ax.legend(loc="upper center", ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_reports(report: dict, out_dir: str | Path, baseline: dict | None = None) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``breakdown.png`` into ``out_dir``.

    With a baseline report, the comparison is stored in report.json under
    ``"comparison"`` and rendered in report.md.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    comparison = compare(report, baseline) if baseline is not None else None
    paths = {"json": out / "report.json", "markdown": out / "report.md", "chart": out / "breakdown.png"}
    payload = report if comparison is None else {**report, "comparison": comparison}
    paths["json"].write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    plot_breakdown(report["by_type"], paths["chart"])
    paths["markdown"].write_text(render_markdown(report, comparison, paths["chart"].name), encoding="utf-8")
    return paths


# ---------------------------------------------------------------- CLI


def _load_baseline(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read baseline report ({exc})") from None
    if not isinstance(data, dict) or not {"totals", "items"} <= data.keys():
        raise ValueError(f"{path}: not an evaluation report (needs 'totals' and 'items')")
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa.eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--testset", required=True, type=Path, help="JSON-lines test set")
    parser.add_argument("--out", type=Path, help="report directory (default: .cache/eval/<timestamp>)")
    parser.add_argument("--baseline", type=Path, help="an earlier report.json to compare against")
    parser.add_argument("--limit", type=int, help="evaluate only the first N items")
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
    from qa import load_assistant

    assistant = load_assistant()
    started = datetime.now()
    report = evaluate(items, assistant.ask_json)
    report["meta"] = {"testset": str(args.testset), "started": started.isoformat(timespec="seconds")}
    out_dir = args.out or ROOT / ".cache" / "eval" / started.strftime("%Y%m%d-%H%M%S")
    paths = write_reports(report, out_dir, baseline)
    print(summary_table(report["totals"]))
    for path in paths.values():
        print(f"wrote {path}")
    failures = gate_failures(report["totals"], floors)
    if failures:
        print("regression gate failed:\n" + "\n".join(f"  {f}" for f in failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
