"""Evaluation reports: the markdown summary, breakdowns, failures, baseline diff and chart."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

from .metrics import METRICS
from .runner import compare, evidence_right_answer_wrong

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
EXCERPT_CHARS = 300  # of a cited passage shown with a failure
# Question types as readers know them: the tab, breakdown.png and report.md's type table show these, not the keys.
TYPE_LABELS = {
    "number": "数值",
    "fact": "事实",
    "list": "列举",
    "responsible_unit": "牵头单位",
    "status": "完成情况",
    "cross_doc": "跨报告",
    "plan": "计划",
    "unanswerable": "无答案",
    "series": "趋势",
}
CHART_METRICS = {"accuracy": "回答正确率", "hit_at_5": "检索命中率 @5"}  # the two bars drawn side by side per type
CHART_TITLE = "各题型的回答正确率与检索命中率"
CHART_FONTS = ["Noto Sans CJK SC", "Noto Serif CJK SC", "DejaVu Sans"]  # Debian's fonts-noto-cjk, then a fallback


def excerpt(text: str) -> str:
    """A cited passage cut for a failure listing."""
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


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


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table (the one table helper of reports, suite and bench)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def summary_table(totals: dict) -> str:
    """The total metrics as a markdown table (also what the CLI prints)."""
    return markdown_table(["metric", "value"], [[m.en, fmt(key, totals.get(key))] for key, m in METRICS.items()])


def _breakdown_table(first_column: str, groups: dict[str, dict]) -> str:
    rows = [[_one_line(name), *(fmt(key, g.get(key)) for key in BREAKDOWN_COLUMNS)] for name, g in groups.items()]
    return markdown_table([first_column, *BREAKDOWN_COLUMNS.values()], rows)


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
        cut = excerpt(_one_line(text))
        lines.append(f"- cited [{n}]: {cut}")
    if not record["cited"]:
        lines.append("- cited: (none)")
    return "\n".join(lines)


def _comparison_sections(comparison: dict) -> list[str]:
    rows = [
        [
            METRICS[key].en if key in METRICS else key,
            fmt(key, c["baseline"]),
            fmt(key, c["current"]),
            _signed(key, c["delta"]),
        ]
        for key, c in comparison["totals"].items()
    ]
    sections = ["## Change against baseline", markdown_table(["metric", "baseline", "current", "Δ"], rows)]
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
        _breakdown_table("type", {type_label(k): g for k, g in report["by_type"].items()}),
        f"![accuracy and hit@5 by type]({chart_name})",
        "## By form of the question",
        _breakdown_table("form", report.get("by_form", {})),
        "## By document",
        _breakdown_table("document", report["by_document"]),
    ]
    if comparison is not None:
        sections += _comparison_sections(comparison)
    lost = evidence_right_answer_wrong(report["items"])
    sections.append(f"## Evidence right, answer wrong ({len(lost)})")
    sections.append(
        "The first citation shows the gold evidence, yet the answer is wrong: the loss after retrieval "
        "and sentence choice. Read it on a tuning set only; on a blind check set it is a count."
    )
    sections.append("\n".join(f"- {r['id']} · {r['type']} · {_one_line(r['question'])}" for r in lost) or "(none)")
    sections.append(f"## Failures ({len(failures)})")
    sections += [_failure_section(r) for r in failures] or ["(none)"]
    return "\n\n".join(sections) + "\n"


def type_label(kind: str) -> str:
    """A question type in Chinese, with its key for the test-set writer ("趋势 series"); an unknown key as it is."""
    return f"{TYPE_LABELS[kind]} {kind}" if kind in TYPE_LABELS else kind


def breakdown_figure(by_type: dict[str, dict]):  # -> matplotlib.figure.Figure (imported only where drawn)
    """Accuracy and hit@5 per type as side-by-side bars, Chinese labels (the tab and ``breakdown.png``).

    Bars of the two metrics stand next to each other, never stacked: one is not a part of the other.
    An Agg canvas: no display, no global backend.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    kinds = list(by_type)
    fig = Figure(figsize=(max(6.0, 1.1 * len(kinds)), 4.0))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.4
    for i, (key, label) in enumerate(CHART_METRICS.items()):
        values = [100 * by_type[k][key] if by_type[k].get(key) is not None else math.nan for k in kinds]
        offset = (i - (len(CHART_METRICS) - 1) / 2) * width
        bars = ax.bar([x + offset for x in range(len(kinds))], values, width, label=label)
        ax.bar_label(bars, fmt="%.0f", fontsize=8, family=CHART_FONTS)
    ax.set_xticks(range(len(kinds)), [TYPE_LABELS.get(k, k) for k in kinds], family=CHART_FONTS)
    ax.set_ylim(0, 120)  # headroom for the legend and the value labels above 100%
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("百分比（%）", family=CHART_FONTS)
    ax.set_title(CHART_TITLE, family=CHART_FONTS)
    ax.legend(loc="upper center", ncol=2, frameon=False, prop={"family": CHART_FONTS})
    fig.tight_layout()
    return fig


def plot_breakdown(by_type: dict[str, dict], path: Path) -> None:
    """``breakdown.png``: the chart the evaluation tab shows."""
    breakdown_figure(by_type).savefig(path, dpi=100)


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


# ---------------------------------------------------------------- model reader (qa.reader)


def reader_table(totals: dict) -> str:
    """The model reader's claims kept and dropped and its fallbacks, beside accuracy; "" for an extractive run."""
    if "model_answers" not in totals:
        return ""
    rows = [
        ["accuracy", fmt("accuracy", totals.get("accuracy"))],
        ["answers through the model", str(totals["model_answers"])],
        ["claims kept", str(totals["claims_kept"])],
        ["claims dropped by the checks", str(totals["claims_dropped"])],
        ["fallbacks to the extractive answer", str(totals["fallbacks"])],
        ["model said 未找到", str(totals["model_not_found"])],
    ]
    return markdown_table(["model reader", "value"], rows)
