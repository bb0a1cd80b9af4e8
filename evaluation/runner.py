"""Run a test set through the assistant and score it.

The runner calls the same ``answer_fn`` as the chat (the public JSON contract),
scores each answer with :mod:`evaluation.metrics`, and aggregates totals plus
breakdowns by question type and by source document, so a regression can be
traced to the kind of question or the document it comes from.  ``compare``
diffs two runs; :func:`gate_failures` turns the totals into a CI gate.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .metrics import (
    COMPONENT_TYPES,
    METRICS,
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
    series_matches,
    span_matches_quote,
)

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("number", "fact", "list", "responsible_unit", "status", "cross_doc", "plan", "unanswerable", "series")
# For these a gate value is a ceiling, not a floor.
LOWER_IS_BETTER = frozenset({"evidence_gap", "false_abstention_rate", "latency_ms_median", "latency_ms_p95", "n_errors"})
OUTPUT_KEYS = ("answer", "abstained", "citations", "passages", "timings_ms")
NO_DOCUMENT = "none"


class InvalidTestsetError(ValueError):
    """A test-set file that cannot be evaluated; the message names file and line."""


class GateError(ValueError):
    """A ``--min`` file that is not a JSON object of known metric -> number."""


# ---------------------------------------------------------------- test set


def _item_problem(item: Any, seen_ids: set[str]) -> str | None:
    """What is wrong with one parsed test-set line, or ``None``."""
    if not isinstance(item, dict):
        return "expected a JSON object"
    if item.get("type") == "series":
        problem = _series_problem(item)
        if problem:
            return problem
    for key in ("id", "question", "type"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            return f"missing or empty string field {key!r}"
    if not isinstance(item.get("answer"), str) or not (item["answer"].strip() or item["type"] == "unanswerable"):
        return "missing or empty string field 'answer' (only an unanswerable item may leave it empty)"
    if item["id"] in seen_ids:
        return f"duplicate id {item['id']!r}"
    if item["type"] not in TYPES:
        return f"unknown type {item['type']!r} (expected one of {', '.join(TYPES)})"
    aliases = item.get("answer_aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        return "'answer_aliases' must be a list of strings"
    history = item.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        return "'history' must be a list of earlier questions (strings)"
    if not isinstance(item.get("form", ""), str):
        return "'form' must be a string"
    evidence = item.get("evidence", [])
    if not isinstance(evidence, list):
        return "'evidence' must be a list"
    for n, ev in enumerate(evidence, 1):
        if not isinstance(ev, dict) or not isinstance(ev.get("file"), str) or not isinstance(ev.get("quote"), str):
            return f"evidence #{n} must be an object with string 'file' and 'quote'"
        if not normalize(ev["quote"]):
            return f"evidence #{n} has an empty quote"
    return None


def _series_problem(item: dict) -> str | None:
    """A trend item holds its gold as points (year, value, unit, file, quote); its answer text is made from them."""
    points = item.get("points")
    if not isinstance(points, list):
        return "a series item needs a list 'points'"
    for n, p in enumerate(points, 1):
        if not isinstance(p, dict) or not isinstance(p.get("year"), int) or "value" not in p:
            return f"point #{n} must be an object with an int 'year' and a 'value'"
    item.setdefault("answer", "；".join(f"{p['year']}年{p['value']}{p.get('unit') or ''}" for p in points) or "报告未载")
    item.setdefault("evidence", [{"file": p["file"], "quote": p["quote"]} for p in points if p.get("quote")])
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
    answerable = kind != "unanswerable" and not (kind == "series" and not item["points"])
    coverage = None
    if kind in COMPONENT_TYPES:
        coverage = 0.0 if abstained else max(component_coverage(answer, g) for g in golds)
    correct = answer_correct(answer, gold, aliases, item_type=kind, abstained=abstained)
    series = None
    if kind == "series":
        series = series_matches(item["points"], output.get("series", []), bool(item.get("growth")))
        found, right, n_gold, n_shown = series
        correct = (found == n_gold and right == n_shown) if n_gold else (abstained or n_shown == 0)
    f1 = None
    if answerable:
        f1 = 0.0 if abstained else max(char_f1(answer, g) for g in golds)
    evidence_p1 = None
    if answerable and quotes and kind != "series":
        first = output["citations"][0] if output["citations"] else None
        span = first["text"][first["start"] : first["end"]] if first else ""
        evidence_p1 = any(span_matches_quote(span, q) for q in quotes)
    return {
        "id": item["id"],
        "type": kind,
        "form": item.get("form") or "plain",
        "question": item["question"],
        "history": item.get("history") or [],
        "expected": gold,
        "aliases": aliases,
        "got": answer,
        "abstained": abstained,
        "answerable": answerable,
        "correct": correct,
        "series": series,
        "coverage": coverage,
        "f1": f1,
        "evidence_p1": evidence_p1,
        "n_evidence": len(quotes),
        "hit_rank": first_hit_rank(quotes, passages),
        "citation_precision": citation_precision(cited, quotes) if answerable else None,
        "citation_recall": citation_recall(cited, quotes) if answerable else None,
        "cited": cited,
        "documents": sorted({ev["file"] for ev in item["evidence"]}) or [NO_DOCUMENT],
        "latency_ms": float(output["timings_ms"]["total"]),
        "reader": output.get("reader"),  # the model reader's counts (qa.reader); None for an extractive answer
        "error": None,
    }


def _check_output(output: Any) -> None:
    """Fail loudly on a contract violation instead of scoring garbage."""
    if not isinstance(output, dict):
        raise TypeError(f"answer_fn returned {type(output).__name__}, expected dict")
    missing = [key for key in OUTPUT_KEYS if key not in output]
    if missing or "total" not in output["timings_ms"]:
        raise ValueError(f"answer_fn output lacks {', '.join(missing) or 'timings_ms.total'}")


def answered_history(questions: Sequence[str], answer_fn: Callable[..., dict]) -> list[dict]:
    """The earlier questions of a conversation asked in order, each in its own conversation, as the
    chat asks them: a follow-up may refer to what was answered ("它完成了吗？"), not only to what was asked."""
    answers: list[dict] = []
    for question in questions:
        answers.append({"question": question, **(answer_fn(question, history=list(answers)) if answers else answer_fn(question))})
    return answers


def _run_one(item: dict, answer_fn: Callable[..., dict]) -> dict:
    """Ask one question (with its conversation, for a follow-up); a raising system is recorded as an empty, wrong answer.

    One failing question must not lose a whole run: the error is kept in the
    record, counted in ``n_errors`` and listed with the failures.
    """
    start = time.perf_counter()
    try:
        history = item.get("history")
        if history:
            output = answer_fn(item["question"], history=answered_history(history, answer_fn))
        else:
            output = answer_fn(item["question"])
        _check_output(output)
    except Exception as exc:  # whatever the system under test raises is recorded, not fatal
        elapsed = (time.perf_counter() - start) * 1000
        empty = {"answer": "", "abstained": False, "citations": [], "passages": [], "timings_ms": {"total": elapsed}}
        return {**score_item(item, empty), "error": f"{type(exc).__name__}: {exc}"}
    return score_item(item, output)


def summarize(records: Sequence[dict]) -> dict[str, float | int | None]:
    """Counts and total metrics over some records (all of them, or one group)."""
    answerable = [r for r in records if _answerable(r)]
    ranks = [r["hit_rank"] for r in answerable if r["n_evidence"]]
    latencies = [r["latency_ms"] for r in records]
    abstention_accuracy, false_abstention = abstention_rates(
        (_answerable(r), r["abstained"]) for r in records
    )
    series = [r["series"] for r in records if r.get("series")]
    return {
        "n": len(records),
        "n_answerable": len(answerable),
        "n_unanswerable": len(records) - len(answerable),
        "n_errors": sum(r["error"] is not None for r in records),
        "accuracy": mean_of(float(r["correct"]) for r in records),
        "evidence_p1": mean_of(float(r["evidence_p1"]) for r in records if r.get("evidence_p1") is not None),
        "evidence_gap": _evidence_gap(records),
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
        "series_point_recall": _ratio(sum(s[0] for s in series), sum(s[2] for s in series)),
        "series_point_precision": _ratio(sum(s[1] for s in series), sum(s[3] for s in series)),
        "latency_ms_median": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
    }


def reader_totals(records: Sequence[dict]) -> dict[str, int]:
    """The model reader's claims kept and dropped by the checks, and its fallbacks to the extractive answer.

    Empty for an extractive run.  A fallback is an answer the model failed to write (endpoint failure,
    timeout, malformed reply, every claim dropped): the extractive answer was shown instead; a model's
    "未找到" is counted apart (its abstention, the extractive answer shown beside it).
    """
    readings = [r["reader"] for r in records if r.get("reader")]
    if not readings:
        return {}
    return {
        "model_answers": len(readings),
        "claims_kept": sum(r["kept"] for r in readings),
        "claims_dropped": sum(r["dropped"] for r in readings),
        "fallbacks": sum(r["fallback"] for r in readings),
        "model_not_found": sum(r.get("not_found", 0) for r in readings),
    }


def _evidence_gap(records: Sequence[dict]) -> float | None:
    """Evidence P@1 minus answer accuracy, over the same items (answerable, with gold evidence)."""
    scored = [r for r in records if r.get("evidence_p1") is not None]
    if not scored:
        return None
    return mean_of(float(r["evidence_p1"]) for r in scored) - mean_of(float(r["correct"]) for r in scored)  # type: ignore[operator]


def evidence_right_answer_wrong(records: Sequence[dict]) -> list[dict]:
    """Items whose first citation holds the gold evidence but whose answer is wrong: the loss after retrieval."""
    return [r for r in records if r.get("evidence_p1") and not r["correct"]]


def _answerable(record: dict) -> bool:
    """Records of runs saved before trend items existed say it by their type only."""
    return record.get("answerable", record["type"] != "unanswerable")


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _grouped(records: Sequence[dict], keys_of: Callable[[dict], Sequence[str]]) -> dict[str, dict]:
    """:func:`summarize` per group; a record may sit in several groups (cross-doc items)."""
    groups: dict[str, list[dict]] = {}
    for record in records:
        for key in keys_of(record):
            groups.setdefault(key, []).append(record)
    return {key: summarize(group) for key, group in groups.items()}


def _type_order(kind: str) -> tuple[int, str]:
    return (TYPES.index(kind) if kind in TYPES else len(TYPES), kind)


def evaluate(items: list[dict], answer_fn: Callable[..., dict], progress: bool = True) -> dict:
    """Ask every question through ``answer_fn`` (the chat's code path) and score it.

    ``answer_fn(question, history=[…])`` returns the JSON contract; a follow-up item's earlier
    questions are answered first and passed as their answers (:func:`answered_history`).  Returns
    ``{"totals", "by_type", "by_form", "by_document", "items"}``; documents are the
    items' evidence files (``"none"`` for items without evidence), forms how the
    question is typed (``"plain"`` when the item does not say).
    """
    records = [_run_one(item, answer_fn) for item in tqdm(items, desc="eval", unit="q", disable=not progress)]
    by_type = _grouped(records, lambda r: [r["type"]])
    by_document = _grouped(records, lambda r: r["documents"])
    by_form = _grouped(records, lambda r: [r["form"]])
    return {
        "totals": {**summarize(records), **reader_totals(records)},
        "by_type": {kind: by_type[kind] for kind in sorted(by_type, key=_type_order)},
        "by_form": dict(sorted(by_form.items())),
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
