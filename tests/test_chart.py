"""Tests of the inline SVG series chart (web.chart) on series built from hand-written statements.

The chart must never say more than the answer's table: one mark per stated figure, opening its
source; a year with no statement is a break in the line; kinds are told apart by their marks.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import pairwise

from index.schema import Statement
from qa.series import Point, Series
from web.chart import chart_svg

GDP = "地区生产总值"


def _statement(year: int, value: float | None, kind: str = "实际", doc: str = "2017", growth: float | None = None):
    """A statement as index.indicators would record it: 亿元 figures with their base in 元."""
    base = None if value is None else value * 1e8
    return Statement(doc, GDP, GDP, value, "亿元", base, "元", year, (), kind, growth, 0, 20)


def _level() -> Series:
    """2010–2016 in 亿元: no figure for 2013, 2014 stated twice (实际 in the 2016 report, 预计 in 2015's), a 2016 目标."""
    rows = [
        (2010, 2000.0, "实际", "2011"),
        (2011, 2200.0, "实际", "2012"),
        (2012, 2400.0, "实际", "2013"),
        (2014, 2900.0, "实际", "2016"),  # the later report first within the year
        (2014, 2800.0, "预计", "2015"),
        (2015, 3100.0, "实际", "2016"),
        (2016, 3300.0, "目标", "2016"),
    ]
    points = tuple(Point(y, v, _statement(y, v, k, d), n) for n, (y, v, k, d) in enumerate(rows, 1))
    return Series(GDP, "level", "亿元", points, tuple(range(2010, 2017)), (2013,))


def _growth(rates: tuple[float, ...] = (6.5, 6.0, -2.0, 4.5), first: int = 2018) -> Series:
    """A growth series in % (statements giving only the rate), one 实际 figure a year."""
    points = tuple(Point(first + i, r, _statement(first + i, None, growth=r), i + 1) for i, r in enumerate(rates))
    years = tuple(range(first, first + len(rates)))
    return Series(GDP, "growth", "%", points, years, ())


def _card(series: Series) -> dict[int, str]:
    return {p.n: f"src{p.n}-{p.statement.doc_id}" for p in series.points}


def _svg(series: Series) -> ET.Element:
    return ET.fromstring(chart_svg(series, _card(series)))


def _marks(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter("g") if "xqa-point" in g.get("class", "").split()]


def _shape(g: ET.Element) -> ET.Element:
    return next(e for e in g if e.tag in ("circle", "polygon"))


def _centre(g: ET.Element) -> tuple[float, float]:
    """The (x, y) of a point's mark: a circle's centre, a diamond's top x and side y."""
    el = _shape(g)
    if el.tag == "circle":
        return float(el.get("cx")), float(el.get("cy"))
    (top_x, _), (_, side_y) = (tuple(map(float, c.split(","))) for c in el.get("points").split()[:2])
    return top_x, side_y


def _polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    return [[tuple(map(float, c.split(","))) for c in pl.get("points").split()] for pl in root.iter("polyline")]


def _ticks(root: ET.Element) -> dict[str, float]:
    """Value-axis labels to their grid line's y (each grid <line> is followed by its label)."""
    kids = list(root)
    return {t.text: float(ln.get("y1")) for ln, t in pairwise(kids) if ln.tag == "line"}


def _year_at(series: Series, root: ET.Element) -> dict[float, int]:
    return {_centre(g)[0]: p.year for g, p in zip(_marks(root), series.points, strict=True)}


def test_one_mark_per_point_opening_its_card() -> None:
    """Every stated figure is one clickable mark carrying its source card and a tooltip of year and figure."""
    series = _level()
    card = _card(series)
    marks = _marks(_svg(series))
    assert len(marks) == len(series.points)
    for g, p in zip(marks, series.points, strict=True):
        assert {"xqa-ref", f"xqa-to-{card[p.n]}"} <= set(g.get("class").split())
        title = g.find("title").text
        assert f"{p.year}年" in title and f"{int(p.value)}亿元" in title and f"[{p.n}]" in title


def test_line_is_broken_at_a_year_without_statement() -> None:
    """2013 has no figure: no segment joins 2012 to 2014, while consecutive years are joined."""
    series = _level()
    root = _svg(series)
    year_at = _year_at(series, root)
    segments = set()
    for line in _polylines(root):
        years = [year_at[x] for x, _ in line]
        segments |= set(pairwise(years))
    assert segments == {(2010, 2011), (2011, 2012), (2014, 2015), (2015, 2016)}


def test_line_passes_through_the_later_report() -> None:
    """Of 2014's two figures the line goes through the later report's 实际, not the earlier 预计."""
    series = _level()
    root = _svg(series)
    later, earlier = (_centre(g) for g, p in zip(_marks(root), series.points, strict=True) if p.year == 2014)
    assert later != earlier
    vertices = {v for line in _polylines(root) for v in line}
    assert later in vertices and earlier not in vertices


def test_kinds_have_their_own_marks_and_legend() -> None:
    """实际 filled circle, 预计 hollow circle, 目标 diamond; the legend names only the kinds drawn."""
    series = _level()
    root = _svg(series)
    for g, p in zip(_marks(root), series.points, strict=True):
        el = _shape(g)
        if p.statement.kind == "实际":
            assert el.tag == "circle" and el.get("fill") != "none"
        elif p.statement.kind == "预计":
            assert el.tag == "circle" and el.get("fill") == "none"
        else:
            assert el.tag == "polygon" and len(el.get("points").split()) == 4
    kinds = {"实际", "预计", "目标", "调整后目标"}
    assert {t.text for t in root.iter("text")} & kinds == {"实际", "预计", "目标"}
    assert {t.text for t in _svg(_growth()).iter("text")} & kinds == {"实际"}


def test_value_axis_from_zero_and_higher_is_higher() -> None:
    """The axis starts at 0, every mark lies in the plot, and a larger figure sits higher (smaller y)."""
    series = _level()
    root = _svg(series)
    _, _, width, height = map(float, root.get("viewBox").split())
    ticks = _ticks(root)
    assert "0" in ticks and ticks["0"] == max(ticks.values())
    top, bottom = min(ticks.values()), max(ticks.values())
    centres = [_centre(g) for g in _marks(root)]
    assert all(0 <= x <= width and top <= y <= bottom <= height for x, y in centres)
    by_value = [y for _, y in sorted(zip([p.value for p in series.points], [y for _, y in centres], strict=True))]
    assert by_value == sorted(by_value, reverse=True) and len(set(by_value)) == len(by_value)


def test_svg_is_one_line_with_an_accessible_name() -> None:
    """One line (a blank line would end the chat's HTML block); its first child <title> names indicator, unit, span."""
    svg = chart_svg(_level(), _card(_level()))
    assert "\n" not in svg
    root = ET.fromstring(svg)
    assert root.tag == "svg" and root[0].tag == "title"  # the accessible name the chat's sanitizer keeps
    label = root[0].text or ""
    assert GDP in label and "亿元" in label and "2010–2016年" in label
    growth = _svg(_growth())[0].text or ""
    assert "增速" in growth and "%" in growth


def test_single_point_series_renders() -> None:
    """A series of one figure is one centred mark with no line."""
    series = _growth((7.0,), first=2019)
    root = _svg(series)
    (g,) = _marks(root)
    x, _ = _centre(g)
    _, _, width, _ = map(float, root.get("viewBox").split())
    assert 0 < x < width and not _polylines(root)


def test_negative_growth_is_below_the_zero_line() -> None:
    """A fall ("下降2%") is drawn under the 0 line, the rises above it, all inside the picture."""
    series = _growth()
    root = _svg(series)
    zero = _ticks(root)["0"]
    _, _, _, height = map(float, root.get("viewBox").split())
    for g, p in zip(_marks(root), series.points, strict=True):
        y = _centre(g)[1]
        assert 0 <= y <= height and (y > zero if p.value < 0 else y < zero)
    assert "下降2%" in _marks(root)[2].find("title").text


def test_all_zero_series_renders() -> None:
    """A growth series stated as 0% ("与上年持平") still draws its one mark."""
    series = _growth((0.0,), first=2020)
    assert len(_marks(_svg(series))) == 1
