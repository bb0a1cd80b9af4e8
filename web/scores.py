"""The evaluation tab's view: totals as percentages with a one-line explanation, the test-set format, the failures.

Rates are shown as percentages (people read "81.2%" faster than "0.812"); counts and
latencies keep their own units.  Type names are the Chinese ones readers know.
"""

from __future__ import annotations

from evaluation import METRICS, excerpt, fmt
from evaluation.report import TYPE_LABELS

from .markup import escape_html

# What the evaluation tab asks for, beside a downloadable example (web/static/testset-example.jsonl).
TESTSET_FORMAT = (
    """每行一个 JSON 对象（UTF-8），一行一道题：

| 字段 | 必填 | 含义 |
|---|---|---|
| `id` | 是 | 题目编号，不重复 |
| `question` | 是 | 问题 |
| `answer` | 是 | 标准答案；报告中没有答案的题（`unanswerable`）可留空 |
| `type` | 是 | 题型："""
    + "、".join(f"`{k}`（{v}）" for k, v in TYPE_LABELS.items())
    + """ |
| `answer_aliases` | 否 | 其他可接受的写法，如 `["1089亿", "1089"]` |
| `evidence` | 否 | 依据：`[{"file": "报告文件名", "quote": "原文中的一句"}]` |
| `history` | 否 | 追问时此前的问题，如 `["2013年地区生产总值是多少？"]` |
"""
)


def percent(key: str, value: float | None) -> str:
    """A total as the tab shows it: rates as percentages, counts and latencies as the reports write them."""
    if value is None or key == "n" or key.startswith(("n_", "latency")):
        return fmt(key, value)
    return f"{100 * value:.1f}%"


def summary_rows(totals: dict) -> list[list[str]]:
    """The total metrics as (指标, 数值, 含义) rows, in the order of ``evaluation.METRICS``."""
    rows = [["题目数", percent("n", totals.get("n")), "测试集中的题目总数"]] if "n" in totals else []
    return rows + [[m.zh, percent(key, totals.get(key)), m.explain] for key, m in METRICS.items() if key in totals]


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
        cited = "\n\n".join(f"[{n}] " + excerpt(t) for n, t in enumerate(r["cited"], 1))
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
