"""Documents understood without a catalog entry: cover facts, kind, per-section years, sentence years.

Two sources: the five shipped reports indexed with their catalog entry left out
(leave-one-out: inference must equal the catalog), and test documents written
for these tests in tests/data/docs (every kind, web furniture, a December
delivery, a five-year review, a 1-12月 release, a squashed date, a title broken
over lines, one with no year at all).  The documents are copied under neutral
names so that nothing is read off a file name.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from index import Settings, build_index
from index.catalog import read_catalog
from index.ingest import ingest_file
from index.meta import (
    anchor_of,
    figure_year,
    five_year_period,
    heading_years,
    section_about,
    stated_years,
    unknown_year_notice,
    year_refs,
)
from index.schema import Document

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DOCS = Path(__file__).resolve().parent / "data" / "docs"
LOO_FIELDS = ("title", "kind", "year", "date", "speaker", "session", "years", "plan_years")
# The shipped reports' metadata as the catalog held it before inference (commit 098db67):
# leave-one-out compares the inference against it.
SHIPPED = {
    "2014-work-report": {
        "title": "2014年西城区政府工作报告",
        "kind": "work_report",
        "year": 2014,
        "date": "2014-01-07",
        "speaker": "西城区人民政府区长 王少峰",
        "session": "北京市西城区第十五届人民代表大会第四次会议",
        "years": [2013],
        "plan_years": [2014],
    },
    "2006-work-report": {
        "title": "北京市西城区2006年政府工作报告",
        "kind": "work_report",
        "year": 2006,
        "date": "",
        "speaker": "",
        "session": "",
        "years": [2004, 2005, 2006],
        "plan_years": [2007, 2008, 2009, 2010, 2011],
    },
    "2017-work-report": {
        "title": "2017年西城区政府工作报告",
        "kind": "work_report",
        "year": 2017,
        "date": "",
        "speaker": "西城区人民政府区长",
        "session": "",
        "years": [2012, 2013, 2014, 2015, 2016],
        "plan_years": [2017, 2018, 2019, 2020, 2021],
    },
    "2020-key-tasks-status": {
        "title": "2020年西城区政府工作报告重点工作全年完成情况",
        "kind": "task_table",
        "year": 2021,
        "date": "2021-03-08",
        "speaker": "",
        "session": "",
        "years": [2020],
        "plan_years": [],
    },
    "2020-work-report": {
        "title": "2020年西城区政府工作报告",
        "kind": "work_report",
        "year": 2020,
        "date": "2020-01-05",
        "speaker": "北京市西城区人民政府区长 孙硕",
        "session": "北京市西城区第十六届人民代表大会第七次会议",
        "years": [2019],
        "plan_years": [2020],
    },
}

# file -> inferred fields (years as (reviewed, planned))
EXPECTED = {
    "2012-work-report-web.txt": {
        "title": "2012年西城区政府工作报告",
        "kind": "work_report",
        "year": 2012,
        "date": "2012-12-18",  # the cover line, not the page's 发布时间
        "speaker": "西城区人民政府代区长 周文涛",
        "speaker_role": "代区长",
        "session": "北京市西城区第十四届人民代表大会第八次会议",
        "years": (2012,),  # delivered in December: reviews that same year
        "plan_years": (2013,),
    },
    "2022-work-report-five-years.txt": {
        "title": "2022年西城区政府工作报告",
        "kind": "work_report",
        "year": 2022,
        "date": "2022-01-06",
        "speaker": "北京市西城区人民政府区长 陈立华",
        "speaker_role": "区长",
        "session": "北京市西城区第十七届人民代表大会第一次会议",
        "years": (2017, 2018, 2019, 2020, 2021),  # 过去五年, delivered in January
        "plan_years": (2022, 2023, 2024, 2025, 2026),
    },
    "2015-plan-execution.txt": {
        "title": "关于西城区2015年国民经济和社会发展计划执行情况与2016年国民经济和社会发展计划草案的报告",
        "kind": "plan_execution",
        "year": 2016,
        "date": "2016-01-12",
        "speaker": "西城区发展和改革委员会主任 刘长青",
        "speaker_role": "主任",
        "session": "北京市西城区第十五届人民代表大会第六次会议",
        "years": (2015,),  # the 执行情况 part states actuals
        "plan_years": (2016,),
    },
    "2018-statistics-release.txt": {
        "title": "2018年1-12月西城区主要经济指标完成情况",
        "kind": "statistical_release",
        "year": 2019,
        "date": "2019-01-25",  # "发布时间：2019012510:00"
        "speaker": "",
        "years": (2018,),
        "plan_years": (),
    },
    "2019-mid-year-speech.txt": {
        "title": "在西城区2019年年中经济形势分析会上的讲话",
        "kind": "speech",
        "year": 2019,
        "date": "2019-07-16",
        "speaker": "西城区副区长 孟凡宇",
        "speaker_role": "副区长",
        "years": (2019,),
        "plan_years": (2019,),  # 下半年
    },
    "13th-five-year-plan.txt": {
        "title": "北京市西城区国民经济和社会发展第十三个五年规划纲要",
        "kind": "five_year_plan",
        "year": 2016,
        "years": (2011, 2012, 2013, 2014, 2015),  # “十二五”时期发展回顾
        "plan_years": (2016, 2017, 2018, 2019, 2020),
    },
    "2016-key-tasks-status.txt": {
        "title": "2016年西城区政府工作报告重点任务全年完成情况",
        "kind": "task_table",
        "year": 2017,
        "date": "2017-02-20",
        "years": (2016,),
        "plan_years": (),
    },
    "2018-old-community-renewal-brief.txt": {
        "title": "西城区老旧小区综合整治工作简报",
        "kind": "other",
        "year": None,
        "years": (2018,),
    },
    "garbage-sorting-handbook.txt": {
        "title": "西城区生活垃圾分类居民指引",
        "kind": "other",
        "year": None,
        "years": (),
        "plan_years": (),
    },
}
FURNITURE = [
    "首页",
    "政务公开",
    "【政府工作报告】",
    "来源",
    "发布时间",
    "作者",
    "浏览次数",
    "字号",
    "分享到",
    "移动端",
    "摘要",
    ".jpg",
    "上一篇",
    "下一篇",
    "打印本页",
    "网站标识码",
    "回到顶部",
    "主办",
]
FURNITURE_LINE = re.compile("|".join(map(re.escape, FURNITURE)) + r"|^北京市西城区人民政府$")


def _ingest(name: str, tmp_path: Path) -> Document:
    copy = tmp_path / f"upload_{sorted(EXPECTED).index(name)}{Path(name).suffix}"
    shutil.copyfile(DOCS / name, copy)
    return ingest_file(copy)


def _squash(text: str) -> str:
    return re.sub(r"[\s、]", "", text)


# --- leave-one-out on the shipped reports ---------------------------------------------


def leave_one_out() -> list[tuple[str, str, object, object]]:
    """(document, field, inferred, catalogued) for every shipped report indexed without its entry."""
    rows = []
    for doc_id, entry in SHIPPED.items():
        meta = ingest_file(CORPUS / f"{doc_id}.txt").meta
        for name in LOO_FIELDS:
            got = getattr(meta, name)
            rows.append((doc_id, name, list(got) if isinstance(got, tuple) else got, entry[name]))
    return rows


def test_leave_one_out_inference_equals_the_catalog() -> None:
    rows = leave_one_out()
    print("\ndocument                 field       ok  inferred")
    for doc_id, name, got, want in rows:
        print(f"{doc_id:24} {name:11} {'yes' if got == want else 'NO '} {got!r}")
    assert [(d, n, g) for d, n, g, w in rows if g != w] == []
    assert len(rows) == len(LOO_FIELDS) * 5


def test_catalog_keeps_only_overrides() -> None:
    """An entry field equal to what the document says about itself would be dead weight."""
    for doc_id, entry in read_catalog(CORPUS).items():
        meta = ingest_file(CORPUS / f"{doc_id}.txt", entry).meta
        inferred = ingest_file(CORPUS / f"{doc_id}.txt").meta
        for name in set(entry) & set(LOO_FIELDS):
            assert getattr(inferred, name) != getattr(meta, name), f"{doc_id}.{name} is inferred anyway"


# --- new documents ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_new_documents_inferred_fields(name: str, tmp_path: Path) -> None:
    meta = _ingest(name, tmp_path).meta
    for field, want in EXPECTED[name].items():
        assert getattr(meta, field) == want, f"{name}: {field}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_new_documents_no_furniture_and_text_intact(name: str, tmp_path: Path) -> None:
    doc = _ingest(name, tmp_path)
    for line in doc.text.split("\n"):
        assert not FURNITURE_LINE.search(line), f"furniture left in {name}: {line!r}"
    flat = _squash(doc.text)
    raw = (DOCS / name).read_text(encoding="utf-8")
    for line in raw.splitlines():
        if line.strip() and not FURNITURE_LINE.search(line):
            assert _squash(line) in flat, f"lost from {name}: {line!r}"


def test_every_block_knows_what_its_section_is_about(tmp_path: Path) -> None:
    doc = _ingest("2022-work-report-five-years.txt", tmp_path)

    def about(opening: str) -> tuple[str, tuple[int, ...]]:
        block = next(b for b in doc.blocks if doc.text.startswith(opening, b.start))
        return block.role, block.about_years

    assert about("北京市西城区人民政府区长") == ("cover", (2022,))
    assert about("五年来，累计新增就业岗位") == ("review", (2017, 2018, 2019, 2020, 2021))
    assert about("全年完成申请式退租") == ("plan", (2022,))
    table = _ingest("2016-key-tasks-status.txt", tmp_path)
    assert {(b.role, b.about_years) for b in table.blocks if b.fields} == {("status", (2016,))}


def test_section_about_follows_a_corrected_catalog_entry(tmp_path: Path) -> None:
    meta = _ingest("2012-work-report-web.txt", tmp_path).meta
    assert section_about(("一、一年来的工作回顾",), meta).years == (2012,)
    corrected = meta.__class__.from_dict({**meta.to_dict(), "years": [2011], "plan_years": [2012]})
    assert anchor_of(corrected) == 2011
    assert section_about(("一、一年来的工作回顾",), corrected).years == (2011,)
    assert section_about(("二、今后五年的目标",), corrected).years == (2012, 2013, 2014, 2015, 2016)


def test_unknown_year_is_said_and_the_document_kept(tmp_path: Path) -> None:
    doc = _ingest("garbage-sorting-handbook.txt", tmp_path)
    assert "未能" in unknown_year_notice(doc.meta) and doc.meta.file in unknown_year_notice(doc.meta)
    assert len(doc.blocks) >= 4
    assert unknown_year_notice(_ingest("2019-mid-year-speech.txt", tmp_path).meta) == ""


# --- headings and sentences ------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "anchor", "years"),
    [
        ("一、2013年工作回顾", None, (2013,)),
        ("过去五年工作回顾", 2016, (2012, 2013, 2014, 2015, 2016)),
        ("二、未来五年政府工作的总体把握", 2016, (2017, 2018, 2019, 2020, 2021)),
        ("第二章“十三五”时期发展目标", None, (2016, 2017, 2018, 2019, 2020)),
        ("2004年至2006年工作回顾", None, (2004, 2005, 2006)),
        ("（三）加强政府自身建设", 2016, ()),
    ],
)
def test_heading_years(heading: str, anchor: int | None, years: tuple[int, ...]) -> None:
    assert heading_years(heading, anchor, None) == years


def test_five_year_periods() -> None:
    assert five_year_period(1) == (1953, 1954, 1955, 1956, 1957)
    assert five_year_period(11)[0] == 2006 and five_year_period(14)[-1] == 2025


@pytest.mark.parametrize(
    ("sentence", "uses"),
    [
        ("预计,2016年全区地区生产总值达到3480亿元,是2011年的1.48倍", [(2016, "stated"), (2011, "compared")]),
        ("2006年地区生产总值预计完成960亿元，比2003年增加306.5亿元", [(2006, "stated"), (2003, "compared")]),
        ("细颗粒物年均浓度由2016年的73微克/立方米降至33微克/立方米", [(2016, "from")]),
        ("从2010年开始实施棚户区改造", [(2010, "stated")]),  # a start, not a figure's base
        ("同比2018年增长6%", [(2018, "compared")]),
    ],
)
def test_year_refs(sentence: str, uses: list[tuple[int, str]]) -> None:
    assert [(r.year, r.use) for r in year_refs(sentence)] == uses


def test_stated_years_fall_back_to_the_section() -> None:
    assert stated_years("细颗粒物年均浓度由2016年的73微克/立方米降至33微克/立方米", (2021,)) == (2021,)
    assert stated_years("2006年地区生产总值预计完成960亿元，比2003年增加306.5亿元") == (2006,)


def test_figure_year() -> None:
    s = "细颗粒物年均浓度由2016年的73微克/立方米降至33微克/立方米"
    assert figure_year(s, s.index("73"), (2021,)) == 2016
    assert figure_year(s, s.index("33"), (2021,)) == 2021
    s = "2006年地区生产总值预计完成960亿元，比2003年增加306.5亿元"
    assert figure_year(s, s.index("960")) == 2006
    assert figure_year(s, s.index("306.5")) is None  # a difference, of no one year
    s = "2016年全区地区生产总值达到3480亿元,是2011年的1.48倍"
    assert figure_year(s, s.index("1.48")) is None


# --- questions about the new documents, through the real index and model ----------------

QUESTIONS = [
    ("2012-work-report-web.txt", "2012年新增就业岗位多少个？", "2.6万"),
    ("2022-work-report-five-years.txt", "2021年地区生产总值达到多少？", "5230亿元"),
    ("2015-plan-execution.txt", "2015年社会消费品零售总额完成多少？", "1085亿元"),
    ("2018-statistics-release.txt", "2018年1-12月社会消费品零售总额实现多少？", "1052.3亿元"),
    ("2019-mid-year-speech.txt", "2019年上半年区级一般公共预算收入完成多少？", "236.4亿元"),
    ("13th-five-year-plan.txt", "“十三五”时期人均公共绿地面积要达到多少？", "8.5平方米"),
    ("2016-key-tasks-status.txt", "新增公共停车位2000个的牵头单位是哪个？", "区交通委"),
    pytest.param(
        "2018-old-community-renewal-brief.txt",
        "老旧小区综合整治加装电梯多少部？",
        "46部",
        # Measured: the brief is retrieved and cited, but the answer quotes its topic sentence
        # ("2018年，全区老旧小区综合整治工作…推进。") instead of the clause with 46部: answer side (qa/extract.py).
        marks=pytest.mark.xfail(strict=True, reason="answer side picks the paragraph's topic sentence"),
    ),
    ("garbage-sorting-handbook.txt", "废旧电池属于什么垃圾？", "有害垃圾"),
]


@pytest.fixture(scope="module")
def new_docs_assistant(tmp_path_factory: pytest.TempPathFactory):
    """A corpus of only the new documents (no catalog), indexed with the real model."""
    from qa import Assistant

    root = tmp_path_factory.mktemp("newdocs")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in EXPECTED:
        shutil.copyfile(DOCS / name, corpus / name)
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", var_dir=root / "var")
    build_index(settings)
    return Assistant.load(settings)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "question", "expected"), QUESTIONS)
def test_questions_about_new_documents_are_answered_with_citations(
    new_docs_assistant, name: str, question: str, expected: str
) -> None:
    answer = new_docs_assistant.ask(question)
    assert not answer.abstained, answer.answer
    assert expected in answer.answer, answer.answer
    cited = {c.source for c in answer.citations}
    assert name in cited, (answer.answer, cited)
    assert any(expected in c.text for c in answer.citations if c.source == name)
