"""A series as a small inline SVG line chart whose points open their sources.

Drawn from the very :class:`qa.series.Series` the answer's table shows, so the chart can
never say more than the table: one mark per stated figure, the line broken where a year
has no statement (a gap is never bridged), and the marks telling the kinds apart (实际
filled, 预计 hollow, 目标 a diamond).  Every mark is a ``xqa-ref`` with the same
``xqa-to-<card>`` class as the answer's ``[n]`` markers, so the page's one click handler
opens its cited source.  The SVG is written on one line: the chat's Markdown keeps an
HTML block only until the first blank line.  The chat's sanitizer keeps ``<title>`` but drops
``viewBox``; the page's script puts it back, so on a phone the chart shrinks to the bubble and shows its whole span.
"""

from __future__ import annotations

import math

from qa.series import Point, Series, format_value, point_claim

from .markup import escape_html

WIDTH, HEIGHT = 380, 180  # 380 px in the ~600 px bubble at 1366×768; ~350 px (viewBox) on a 390 px phone, labels ~10 px
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 26, 28  # room for the value ticks, the legend and the year labels
MAX_YEAR_LABELS = 8  # more labels than this overlap at the bubble's width
TICKS = 4  # value lines across the plot: enough to read a figure off, few enough to stay quiet
LINE = "#b8322f"  # the page's accent (the [n] markers' colour)
_KIND_MARK = {"实际": "filled", "预计": "hollow", "目标": "diamond", "调整后目标": "diamond-hollow"}
_LEGEND = {"filled": "实际", "hollow": "预计", "diamond": "目标", "diamond-hollow": "调整后目标"}


def _nice_step(span: float) -> float:
    """A tick step of 1, 2 or 5 times a power of ten giving about ``TICKS`` lines over ``span``."""
    raw = span / TICKS
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _mark(shape: str, x: float, y: float) -> str:
    fill = "none" if shape.endswith("hollow") else LINE
    if shape.startswith("diamond"):
        d = 5.5
        return (
            f'<polygon points="{x:.1f},{y - d:.1f} {x + d:.1f},{y:.1f} {x:.1f},{y + d:.1f} {x - d:.1f},{y:.1f}" '
            f'fill="{fill}" stroke="{LINE}" stroke-width="2"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{fill}" stroke="{LINE}" stroke-width="2"/>'


def _shape(p: Point) -> str:
    return _KIND_MARK.get(p.statement.kind, "filled")


def _legend(marks: list[str]) -> str:
    out, x = [], WIDTH - RIGHT
    for shape in reversed(marks):
        label = _LEGEND[shape]
        x -= 14 * len(label) + 22
        out.append(_mark(shape, x + 6, 10) + _text(x + 15, 14, label))
    return "".join(out)


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" fill="currentColor" text-anchor="{anchor}">{text}</text>'


def chart_svg(series: Series, card: dict[int, str]) -> str:
    """The chart of one series; ``card`` maps a point's citation number to its source card's id."""
    years = series.years or tuple(sorted({p.year for p in series.points}))
    values = [p.value for p in series.points]
    low, high = min(0.0, *values), max(0.0, *values)
    step = _nice_step(high - low or 1.0)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    high = max(high, low + step)  # all figures 0 (持平): one step of axis above the 0 line
    first, last = years[0], years[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(year: int) -> float:
        return LEFT + (plot_w / 2 if last == first else (year - first) / (last - first) * plot_w)

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_h

    parts = []
    for i in range(round((high - low) / step) + 1):
        v = low + i * step
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="currentColor" '
            f'stroke-opacity="{0.5 if v == 0 else 0.15}"/>' + _text(LEFT - 6, y(v) + 4, format_value(v), "end")
        )
    parts.append(_text(4, 14, escape_html(series.unit)))
    every = math.ceil(len(years) / MAX_YEAR_LABELS)
    for i, year in enumerate(years):
        if i % every == 0 or year == last:
            parts.append(_text(x(year), HEIGHT - 8, str(year), "middle"))
    leading: dict[int, Point] = {}
    for p in series.points:  # the later report's figure of a year carries the line
        leading.setdefault(p.year, p)
    runs: list[list[Point]] = []
    for year in sorted(leading):
        if runs and runs[-1][-1].year == year - 1:
            runs[-1].append(leading[year])
        else:
            runs.append([leading[year]])
    for run in runs:
        if len(run) > 1:
            path = " ".join(f"{x(p.year):.1f},{y(p.value):.1f}" for p in run)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for p in series.points:
        tip = escape_html(f"{point_claim(p, series)} [{p.n}]")
        parts.append(
            f'<g class="xqa-ref xqa-point xqa-to-{card[p.n]}"><title>{tip}</title>'
            f"{_mark(_shape(p), x(p.year), y(p.value))}</g>"
        )
    shapes = sorted({_shape(p) for p in series.points}, key=list(_LEGEND).index)
    what = "增速" if series.measure == "growth" else ""
    label = escape_html(f"{series.indicator}{what}（{series.unit}），{first}–{last}年，{len(series.points)}个数值")
    return (  # the chat's sanitizer drops role, aria-label and viewBox: the <title> names the chart
        f'<svg class="xqa-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
        f'<title>{label}</title>{"".join(parts)}{_legend(shapes)}</svg>'
    )
