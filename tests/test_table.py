"""Tests of the key-task table parser on the real 2020 completion table.

The file is the text of a web page whose rows fuse five columns on one line and
sometimes spill over several lines, so the checks pin down the rows a reader
asks about (who leads X, was X done) as well as the table as a whole.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.table import TaskRow, looks_like_task_table, parse_task_table

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TABLE_FILE = CORPUS / "2020-key-tasks-status.txt"
ROW_COUNT = 136


@pytest.fixture(scope="module")
def raw() -> str:
    return TABLE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(raw: str) -> tuple[str, list[TaskRow]]:
    return parse_task_table(raw)


@pytest.fixture(scope="module")
def text(parsed: tuple[str, list[TaskRow]]) -> str:
    return parsed[0]


@pytest.fixture(scope="module")
def rows(parsed: tuple[str, list[TaskRow]]) -> list[TaskRow]:
    return parsed[1]


def row_about(rows: list[TaskRow], phrase: str) -> TaskRow:
    """The single row whose task mentions `phrase`: rows are found by content."""
    found = [row for row in rows if phrase in row.task]
    assert len(found) == 1, f"{phrase!r} is in {len(found)} tasks"
    return found[0]


def squash(text: str) -> str:
    """Text without blanks and 、, the only characters re-joining may change."""
    return re.sub(r"[\s、]", "", text)


def test_all_rows_numbered_in_order(rows: list[TaskRow]) -> None:
    assert [row.number for row in rows] == list(range(1, ROW_COUNT + 1))


def test_every_row_has_all_columns(rows: list[TaskRow]) -> None:
    for row in rows:
        assert row.category and row.task and row.status, row.number
        assert row.lead_units and all(row.lead_units), row.number


def test_row_offsets_give_its_line_with_columns_in_order(text: str, rows: list[TaskRow]) -> None:
    lines = set(text.split("\n"))
    for row in rows:
        line = text[row.start : row.end]
        assert line in lines, row.number
        assert line.startswith(f"{row.category}{row.number}"), row.number
        position = len(row.category)
        for part in (row.task, *row.lead_units, row.status):
            found = line.find(part, position)
            assert found >= position, (row.number, part)
            position = found + len(part)


def test_one_line_per_row_after_the_header(text: str, rows: list[TaskRow]) -> None:
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if "牵头单位" in line)
    assert len(lines) - header - 1 == ROW_COUNT
    assert [text[row.start : row.end] for row in rows] == lines[header + 1 :]


def test_categories_in_order(rows: list[TaskRow]) -> None:
    categories = list(dict.fromkeys(row.category for row in rows))
    assert categories == [
        "经济社会发展主要预期目标",
        "首都功能核心区控制性详规落地落实",
        "经济高质量发展",
        "首都功能核心区治理",
        "城市环境品质提升",
        "增强老城文化魅力和影响力",
        "保障和改善民生",
        "政府自身建设",
    ]


def test_head_keeps_title_date_and_header(text: str, rows: list[TaskRow]) -> None:
    head = text[: rows[0].start].split("\n")[:-1]
    assert head == [
        "2020年西城区政府工作报告重点工作全年完成情况",
        "西城区政府2020年重点工作任务目标全年完成情况",
        "类别序号重点督办内容牵头单位全年完成情况",
    ]


@pytest.mark.parametrize(
    "furniture",
    ["信息详情", "回到顶部", "政务服务热线", "ICP", "邮编", "技术支持邮箱", "公网安备"],
)
def test_no_site_furniture_or_footer(text: str, furniture: str) -> None:
    # the site banner 北京市西城区人民政府 also occurs inside rows: see the head test
    assert furniture not in text


def test_nothing_of_the_table_is_lost(raw: str, text: str) -> None:
    lines = raw.splitlines()
    header = next(i for i, line in enumerate(lines) if "牵头单位" in line)
    footer = lines.index("回到顶部")
    source = "\n".join(lines[header:footer])
    assert squash(text[text.index(lines[header]) :]) == squash(source)


def test_first_row(rows: list[TaskRow]) -> None:
    row = rows[0]
    assert row.category == "经济社会发展主要预期目标"
    assert row.task == "地区生产总值增长6%左右。"
    assert row.lead_units == ("区发展改革委",)
    assert row.status.startswith("西城区地区生产总值增速由年初设定的6%左右调整为正增长")


@pytest.mark.parametrize(
    ("phrase", "units", "status_start"),
    [
        ("消防“秒级响应”", ("西城消防支队",), "一是全年共计部署1036组秒级响应力量"),
        ("国际化语言标识", ("区政府外办",), "以规范外语标识工作促进街区品质提升"),
        ("“城市大脑”", ("区全响应服务中心",), "一是完善城市大脑建设"),
        ("居民人均可支配收入", ("区人力社保局",), "2020年度地区生产总值初步核算数"),
        # the task has no closing "。": the unit is known from other rows
        ("金融街配套设施国际化水平", ("北京金融街服务局(区金融办)",), "按照新总规要求"),
        # a status opening with a unit-like phrase stays status
        ("三重一大", ("区政府办公室",), "区政府党组成员围绕学习贯彻"),
        ("金科新区”建设", ("西城园管委会",), "完成奇安信大厦"),
        ("结对帮扶长效机制", ("区服务联络办",), "区级资金投入1.04亿元"),
        ("交通综合治理工作", ("西城交通支队",), "一是做好基础设施排查"),
        (
            "区域整体交通工程",
            ("北展指挥部",),
            "“金科新区”区域整体交通工程改造提升基本完成",
        ),
        ("道路清扫保洁", ("区环卫中心 (环雅丽都)",), "一是针对影响扬尘治理"),
        ("履职评估机制", ("市规划和自然资源委西城分局",), "进一步完善责任规划师制度"),
        # units separated by runs of blanks, two without a place prefix
        (
            "大栅栏西街、地外大街",
            (
                "区住房城市建设委(区重大办)",
                "大栅栏琉璃厂建设指挥部",
                "什刹海阜景街指挥部",
            ),
            "大栅栏观音寺铁树斜街老城保护更新项目已启动",
        ),
    ],
)
def test_known_rows(rows: list[TaskRow], phrase: str, units: tuple[str, ...], status_start: str) -> None:
    row = row_about(rows, phrase)
    assert row.lead_units == units
    assert row.status.startswith(status_start)


def test_row_whose_task_is_a_numbered_list(rows: list[TaskRow]) -> None:
    row = rows[64]
    assert row.number == 65
    assert row.task.startswith("1.围绕“七有”“五性”")
    assert row.task.endswith("8.全力做好本地区组收工作、税源单位服务工作、营商环境建设工作。")
    assert row.lead_units == ("各街道办事处",)
    assert row.status.startswith("1.各街道高度重视")


@pytest.mark.parametrize(
    ("phrase", "units", "status_start"),
    [
        (
            "完善城市更新导则",
            ("区住房城市建设委(区重大办)", "市规划和自然资源委西城分局"),
            "委托清华同衡设计院进行西城区“十四五”时期街区更新工作专项规划",
        ),
        (
            "落实好国家减税降费政策",
            ("区财政", "区税务局"),
            "将国家为支持疫情防控出台的一系列税收减免政策",
        ),
        (
            "量身定制“服务包”",
            ("区发展改革委", "区财政局"),
            "一是完成2020年年度走访任务",
        ),
        (
            "全区全年通报不少于3万次",
            ("区民政局(区委社会工委)", "区政务服务管理局"),
            "向街道、社区发布",
        ),
        (
            "西单文化广场城市森林",
            ("区园林绿化", "和谐宜居示范区建设指挥部"),
            "西单文化广场城市森林(二期)建设工程",
        ),
        (
            "居家为主、医养结合",
            ("区卫生健康", "区民政局(区委社会工委)"),
            "本年度西城区有10家医疗机构",
        ),
        (
            "直管公房申请式退租",
            ("区房管", "区住房城市建设委(区重大办)"),
            "砖塔胡同项目、铁树斜街项目",
        ),
        (
            "整合行政执法队伍",
            (
                "区生态环境",
                "区市场监督管理局",
                "区城管执法局",
                "区文化和旅游局",
                "区应急局",
            ),
            "出台并推进“三项制度”",
        ),
    ],
)
def test_rows_spilled_over_several_lines_are_rejoined(
    text: str,
    rows: list[TaskRow],
    phrase: str,
    units: tuple[str, ...],
    status_start: str,
) -> None:
    row = row_about(rows, phrase)
    assert row.lead_units == units
    assert row.status.startswith(status_start)
    line = text[row.start : row.end]
    assert f"{row.task}{'、'.join(units)}{row.status}" in line
    assert "\n" not in line


def test_recognised_as_task_table(raw: str) -> None:
    assert looks_like_task_table(raw)


@pytest.mark.parametrize(
    "report",
    [
        "2014-work-report.txt",
        "2006-work-report.txt",
        "2017-work-report.txt",
        "2020-work-report.txt",
    ],
)
def test_work_reports_are_not_task_tables(report: str) -> None:
    assert not looks_like_task_table((CORPUS / report).read_text(encoding="utf-8"))


def test_parse_rejects_text_without_header() -> None:
    with pytest.raises(ValueError):
        parse_task_table((CORPUS / "2014-work-report.txt").read_text(encoding="utf-8"))


def test_mechanism_is_not_tied_to_this_file() -> None:
    """A made-up table with other categories and units parses the same way."""
    rows = [
        f"{'教育发展' if n <= 6 else '平安建设'}{n}做好第{n}项工作。"
        f"{'区教委' if n % 2 else '市公安局西城分局'}已完成第{n}项工作。"
        for n in range(1, 13)
    ]
    raw = "\n".join(["某区重点任务完成情况", "序号任务牵头单位完成情况", *rows, "", "回到顶部"])
    assert looks_like_task_table(raw)
    text, parsed = parse_task_table(raw)
    assert [row.number for row in parsed] == list(range(1, 13))
    assert parsed[6].category == "平安建设"
    assert parsed[0].lead_units == ("区教委",)
    assert parsed[1].lead_units == ("市公安局西城分局",)
    assert parsed[1].status == "已完成第2项工作。"
    assert "回到顶部" not in text


def test_unit_names_written_for_the_test_are_read_whole() -> None:
    """Unit names of other shapes than this table's: chains of organisational words, branches, status openings."""
    units = ["区文化和旅游局", "市规划和自然资源委西城分局", "区政府外事办", "西城消防支队", "区城市管理委员会",
             "区投资促进服务中心", "区卫生健康委", "北京金融街服务局", "区委宣传部", "区残联", "区市场监管局"]  # fmt: skip
    statuses = ["已完成全年任务。", "会同相关部门完成验收。", "完成率100%。", "正在推进。", "区政府常务会审议通过。"]
    rows = [
        f"城市治理{n}推进第{n}项重点任务。{units[(n - 1) % len(units)]}{statuses[n % len(statuses)]}"
        for n in range(1, 23)
    ]
    raw = "\n".join(["某区重点任务完成情况", "类别序号任务牵头单位完成情况", *rows])
    _, parsed = parse_task_table(raw)
    assert [row.lead_units for row in parsed] == [(units[(n - 1) % len(units)],) for n in range(1, 23)]
    assert [row.status for row in parsed] == [statuses[n % len(statuses)] for n in range(1, 23)]


@pytest.mark.parametrize(
    ("header", "separator"),
    [
        ("领域\t编号\t工作任务\t责任单位\t推进情况", "\t"),
        ("序号｜任务内容｜主责部门｜完成进展", "｜"),
        ("序号  重点任务  牵头部门  落实情况", "  "),
    ],
)
def test_a_table_with_separated_columns_and_other_header_words_is_read_by_its_header(
    header: str, separator: str
) -> None:
    """Tables exported with column separators and other header wording (责任单位, 主责部门, 推进情况, …)."""
    roles = header.split(separator)
    rows = []
    for n in range(1, 13):
        cells = {
            "领域": "民生保障" if n <= 6 else "城市更新",
            "编号": str(n),
            "序号": str(n),
            "units": "区民政局、区卫生健康委" if n % 3 == 0 else "区住房城市建设委",
            "status": f"已完成第{n}批改造，共{n * 10}户。" if n % 2 else "正在推进，已完成年度任务的60%。",
        }
        line = [
            cells["units"]
            if r.endswith(("单位", "部门"))
            else cells["status"]
            if r.endswith(("情况", "进展"))
            else cells.get(r, f"推进第{n}批院落改造。")
            for r in roles
        ]
        rows.append(separator.join(line))
    rows.insert(4, "（注：第4批涉及文物院落。）")  # a line of one cell continues the row above
    raw = "\n".join(["某区重点任务推进情况（全年）", "发布日期：2030-01-05", header, *rows, "", "回到顶部"])
    assert looks_like_task_table(raw)
    text, parsed = parse_task_table(raw)
    assert [row.number for row in parsed] == list(range(1, 13))
    assert parsed[2].lead_units == ("区民政局", "区卫生健康委")
    assert parsed[0].lead_units == ("区住房城市建设委",)
    assert parsed[0].task == "推进第1批院落改造。"
    assert parsed[1].status == "正在推进，已完成年度任务的60%。"
    assert parsed[3].status.endswith("（注：第4批涉及文物院落。）")
    assert parsed[6].category == ("城市更新" if "领域" in header else "")
    for row in parsed:
        assert row.status in text[row.start : row.end]
    assert "回到顶部" not in text


def test_a_header_needs_a_lead_unit_and_a_status_column() -> None:
    rows = [f"{n}\t推进第{n}项工作。\t2030年底" for n in range(1, 13)]
    assert not looks_like_task_table("\n".join(["序号\t工作任务\t完成时限", *rows]))
