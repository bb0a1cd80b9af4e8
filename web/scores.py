"""The evaluation tab's view: totals as percentages with a one-line explanation, a chart table, the failures.

Rates are shown as percentages (people read "81.2%" faster than "0.812"); counts and
latencies keep their own units.  Type names are the Chinese ones readers know.
"""

from __future__ import annotations

from evaluation import METRICS, excerpt, fmt

from .markup import escape_html

TYPE_LABELS = {
    "number": "数值",
    "fact": "事实",
    "list": "列举",
    "responsible_unit": "牵头单位",
    "status": "完成情况",
    "cross_doc": "跨报告",
    "plan": "计划",
    "unanswerable": "无答案",
}
CHART_METRICS = {"accuracy": "回答正确率", "hit_at_5": "检索命中率 @5"}  # the two bars per type
CHART_TITLE = "各题型的回答正确率与检索命中率"


def percent(key: str, value: float | None) -> str:
    """A total as the tab shows it: rates as percentages, counts and latencies as the reports write them."""
    if value is None or key == "n" or key.startswith(("n_", "latency")):
        return fmt(key, value)
    return f"{100 * value:.1f}%"


def summary_rows(totals: dict) -> list[list[str]]:
    """The total metrics as (指标, 数值, 含义) rows, in the order of ``evaluation.METRICS``."""
    rows = [["题目数", percent("n", totals.get("n")), "测试集中的题目总数"]] if "n" in totals else []
    return rows + [[m.zh, percent(key, totals.get(key)), m.explain] for key, m in METRICS.items() if key in totals]


def chart_rows(by_type: dict[str, dict]) -> list[list[str | float]]:
    """(题型, 指标, 百分比) rows for the bar chart; a metric not measured for a type is left out."""
    return [
        [TYPE_LABELS.get(kind, kind), label, round(100 * group[key], 1)]
        for kind, group in by_type.items()
        for key, label in CHART_METRICS.items()
        if group.get(key) is not None
    ]


def failures_html(report: dict) -> str:
    """Every wrong item: question, expected and actual answer, and the passages the answer cited."""
    failures = [r for r in report["items"] if not r["correct"]]
    if not failures:
        return '<div class="xqa-sources xqa-empty">全部答对，没有失败的题目。</div>'
    cards = []
    for r in failures:
        got = r["got"] or "（空）"
        if r["abstained"]:
            got += "（拒答）"
        if r.get("error"):
            got += f"（出错：{r['error']}）"
        cited = "\n\n".join(
            f"[{n}] " + excerpt(t) for n, t in enumerate(r["cited"], 1)
        )
        rows = [("问题", r["question"]), ("期望", r["expected"]), ("实际", got), ("引用", cited or "（无）")]
        body = "".join(f"<dt>{k}</dt><dd>{escape_html(v)}</dd>" for k, v in rows)
        cards.append(
            f'<details class="xqa-card xqa-fail"><summary><span class="xqa-badge">{escape_html(r["id"])}</span>'
            f'<span class="xqa-title">{escape_html(r["question"])}</span>'
            f'<span class="xqa-meta">{escape_html(TYPE_LABELS.get(r["type"], r["type"]))}</span></summary>'
            f"<dl>{body}</dl></details>"
        )
    head = f"答错 {len(failures)} 题（共 {len(report['items'])} 题）· 点击展开详情"
    return f'<div class="xqa-sources"><div class="xqa-sources-head">{head}</div>{"".join(cards)}</div>'
