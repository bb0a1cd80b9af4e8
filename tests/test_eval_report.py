"""evaluation end to end over a canned system: totals, reports, comparison, gate, CLI.

The system under test is replaced by a plain function over canned outputs (the
public JSON contract); what is tested is the scoring and reporting around it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import qa
from evaluation.__main__ import main
from evaluation.report import write_reports
from evaluation.runner import (
    GateError,
    InvalidTestsetError,
    compare,
    evaluate,
    evidence_right_answer_wrong,
    gate_failures,
    load_floors,
    load_testset,
)

P_NUM = "2019年全年实现社会消费品零售总额1,089亿元，同比增长4.2%。"
P_LIST = "宋庆龄故居、李大钊故居成为全国爱国主义教育示范基地。"
P_2019 = "细颗粒物（PM2.5）年均浓度 44 微克/立方米、下降 17%。"
P_2020 = "全区空气中细颗粒物(PM2.5)平均浓度为40微克/立方米,同比下降9.1%。"
P_OTHER = "区政府外办以规范外语标识工作促进街区品质提升。"


def _item(id_: str, kind: str, answer: str, evidence: list[tuple[str, str]], aliases: list[str] | None = None) -> dict:
    return {
        "id": id_,
        "question": f"问题{id_}？",
        "answer": answer,
        "answer_aliases": aliases or [],
        "evidence": [{"file": f, "quote": q} for f, q in evidence],
        "type": kind,
        "year": "2020",
    }


ITEMS = [
    _item("n1", "number", "1089亿元", [("a.txt", "社会消费品零售总额1,089亿元")], ["1089"]),
    _item("l1", "list", "宋庆龄故居、李大钊故居", [("b.txt", "宋庆龄故居、李大钊故居成为全国爱国主义教育示范")]),
    _item(
        "c1",
        "cross_doc",
        "2019年44微克/立方米，2020年40微克/立方米",
        [("a.txt", "（PM2.5）年均浓度 44 微克/立方米"), ("b.txt", "平均浓度为40微克/立方米,同比下降9.1%")],
    ),
    _item("u1", "unanswerable", "现有文件没有提供该信息", []),
    _item("u2", "unanswerable", "现有文件没有提供该信息", []),
    _item("f1", "fact", "区政府外办", [("c.txt", "区政府外办以规范外语标识工作")]),
]


def _output(answer: str, passages: list[str], cited: list[str], total_ms: float, abstained: bool = False) -> dict:
    return {
        "question": "",
        "answer": answer,
        "abstained": abstained,
        "citations": [
            {"n": i, "source": "x.txt", "title": "", "year": "", "section": "", "text": t, "start": 0, "end": len(t)}
            for i, t in enumerate(cited, 1)
        ],
        "passages": [
            {"rank": r, "source": "x.txt", "title": "", "section": "", "text": t, "score": 1.0 / r}
            for r, t in enumerate(passages, 1)
        ],
        "timings_ms": {"retrieve": 1.0, "answer": 1.0, "total": total_ms},
    }


NO_INFO = "现有文件没有提供该信息"
CANNED = {
    "n1": _output("1,089亿元", [P_OTHER, P_NUM], [P_NUM], 100),  # right, rank 2, F1 1
    # half the list, rank 1, a citation that shows none of the evidence
    "l1": _output("宋庆龄故居", [P_LIST], [P_OTHER], 200),
    "c1": _output("2019年44微克/立方米，2020年40微克/立方米", [P_2019, P_OTHER, P_2020], [P_2019, P_2020], 300),
    "u1": _output(NO_INFO, [P_OTHER], [], 400, abstained=True),  # right abstention
    "u2": _output("约1000亿元", [P_OTHER], [P_OTHER], 500),  # should have abstained
    # false abstention, nothing retrieved
    "f1": _output(NO_INFO, [], [], 600, abstained=True),
}
# Hand-computed totals of CANNED over ITEMS (see the comments above).
EXPECTED_TOTALS = {
    "n": 6,
    "n_answerable": 4,
    "n_unanswerable": 2,
    "n_errors": 0,
    "accuracy": 3 / 6,  # n1, c1, u1
    "evidence_p1": 2 / 4,  # the first citation shows the evidence for n1 and c1, not l1; f1 cites nothing
    "evidence_gap": 2 / 4 - 2 / 4,  # over the same four: n1 and c1 right
    "hit_at_1": 1 / 4,  # ranks n1 2, l1 1, c1 3, f1 none
    "hit_at_5": 3 / 4,
    "hit_at_10": 3 / 4,
    "mrr": (1 / 2 + 1 + 1 / 3 + 0) / 4,
    "component_coverage": (0.5 + 1.0) / 2,
    "char_f1": (1 + 2 / 3 + 1 + 0) / 4,  # l1: P 5/5, R 5/10
    "citation_precision": (1 + 0 + 1) / 3,  # f1 has no citations: undefined
    "citation_recall": (1 + 0 + 1 + 0) / 4,
    "abstention_accuracy": 1 / 2,
    "false_abstention_rate": 1 / 4,
    "series_point_recall": None,  # no trend items
    "series_point_precision": None,
    "latency_ms_median": 350.0,
    "latency_ms_p95": 575.0,  # 500 + 0.75 * 100
}


def _system(canned: dict[str, dict]) -> Callable[[str], dict]:
    by_question = {item["question"]: canned[item["id"]] for item in ITEMS}
    return lambda question: copy.deepcopy(by_question[question])


@pytest.fixture(scope="module")
def report() -> dict:
    return evaluate(ITEMS, _system(CANNED), progress=False)


@pytest.fixture(scope="module")
def baseline() -> dict:
    """An earlier run: n1 wrong, l1 complete, u2 abstained."""
    canned = {
        **CANNED,
        "n1": _output("1098亿元", [P_NUM], [P_NUM], 100),
        "l1": _output("宋庆龄故居、李大钊故居", [P_LIST], [P_LIST], 200),
        "u2": _output(NO_INFO, [], [], 500, abstained=True),
    }
    return evaluate(ITEMS, _system(canned), progress=False)


# ---------------------------------------------------------------- evaluate


def test_totals_equal_hand_computed_values(report: dict) -> None:
    assert report["totals"] == pytest.approx(EXPECTED_TOTALS)


def test_item_records(report: dict) -> None:
    records = {r["id"]: r for r in report["items"]}
    assert records["n1"]["correct"] and records["n1"]["hit_rank"] == 2
    assert records["l1"]["coverage"] == 0.5 and not records["l1"]["correct"]
    assert records["l1"]["cited"] == [P_OTHER]
    assert records["c1"]["documents"] == ["a.txt", "b.txt"]
    assert records["u1"]["documents"] == ["none"] and records["u1"]["citation_recall"] is None
    assert records["f1"]["abstained"] and records["f1"]["hit_rank"] is None


def test_breakdowns_by_type_and_document(report: dict) -> None:
    by_type, by_doc = report["by_type"], report["by_document"]
    assert list(by_type) == ["number", "fact", "list", "cross_doc", "unanswerable"]
    assert by_type["list"]["accuracy"] == 0.0 and by_type["list"]["component_coverage"] == 0.5
    assert by_type["cross_doc"]["hit_at_5"] == 1.0 and by_type["cross_doc"]["hit_at_1"] == 0.0
    assert by_type["unanswerable"]["hit_at_5"] is None
    assert by_type["unanswerable"]["abstention_accuracy"] == 0.5
    assert {doc: g["n"] for doc, g in by_doc.items()} == {"a.txt": 2, "b.txt": 2, "c.txt": 1, "none": 2}
    assert by_doc["a.txt"]["accuracy"] == 1.0 and by_doc["b.txt"]["accuracy"] == 0.5


def test_a_raising_system_is_recorded_not_fatal() -> None:
    def broken(question: str) -> dict:
        raise RuntimeError("index missing")

    report = evaluate(ITEMS[:2], broken, progress=False)
    assert report["totals"]["n_errors"] == 2 and report["totals"]["accuracy"] == 0.0
    assert report["items"][0]["error"] == "RuntimeError: index missing"


def test_a_contract_violation_is_an_error() -> None:
    report = evaluate(ITEMS[:1], lambda q: {"answer": "1089亿元"}, progress=False)
    assert "lacks abstained" in report["items"][0]["error"]


# ---------------------------------------------------------------- compare and reports


def test_compare_shows_deltas_and_flipped_items(report: dict, baseline: dict) -> None:
    diff = compare(report, baseline)
    assert diff["totals"]["accuracy"]["baseline"] == pytest.approx(4 / 6)
    assert diff["totals"]["accuracy"]["delta"] == pytest.approx(3 / 6 - 4 / 6)
    assert [f["id"] for f in diff["to_wrong"]] == ["l1", "u2"]
    assert [f["id"] for f in diff["to_right"]] == ["n1"]
    assert diff["to_right"][0]["baseline_got"] == "1098亿元"
    assert diff["only_in_report"] == diff["only_in_baseline"] == []


def test_write_reports_creates_the_three_files(report: dict, tmp_path: Path) -> None:
    paths = write_reports(report, tmp_path / "run")
    assert {p.name for p in paths.values()} == {"report.json", "report.md", "breakdown.png"}
    saved = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert saved["totals"] == pytest.approx(EXPECTED_TOTALS)
    assert paths["chart"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    md = paths["markdown"].read_text(encoding="utf-8")
    for shown in ("| answer accuracy | 0.500 |", "| retrieval MRR | 0.458 |", "| latency p95 (ms) | 575.0 |"):
        assert shown in md
    assert "](breakdown.png)" in md
    assert "## By question type" in md and "## By document" in md and "| a.txt |" in md
    assert "## Failures (3)" in md  # l1, u2, f1
    assert "## Evidence right, answer wrong (0)" in md  # n1 and c1 show their evidence and are right
    failure = md.split("### l1 · list")[1].split("###")[0]
    assert "问题l1？" in failure and "宋庆龄故居、李大钊故居" in failure and P_OTHER in failure


def test_write_reports_with_baseline(report: dict, baseline: dict, tmp_path: Path) -> None:
    paths = write_reports(report, tmp_path, baseline=baseline)
    saved = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [f["id"] for f in saved["comparison"]["to_right"]] == ["n1"]
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "## Change against baseline" in md
    assert "| answer accuracy | 0.667 | 0.500 | -0.167 |" in md
    assert "### Correct → wrong (2)" in md and "**u2**" in md
    assert "### Wrong → correct (1)" in md and "**n1**" in md


# ---------------------------------------------------------------- test set loading


def test_load_testset_reports_the_bad_line(tmp_path: Path) -> None:
    good = json.dumps(ITEMS[0], ensure_ascii=False)
    path = tmp_path / "t.jsonl"
    path.write_text(good + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(InvalidTestsetError, match=r"t\.jsonl:3: invalid JSON"):
        load_testset(path)
    path.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(InvalidTestsetError, match=r":2: duplicate id 'n1'"):
        load_testset(path)
    path.write_text(json.dumps({**ITEMS[0], "type": "guess"}) + "\n", encoding="utf-8")
    with pytest.raises(InvalidTestsetError, match=r":1: unknown type 'guess'"):
        load_testset(path)


def test_load_testset_reads_the_dev_set() -> None:
    items = load_testset(Path(__file__).resolve().parent.parent / "testsets" / "dev_qa.jsonl")
    assert len(items) == 40 and all("evidence" in item for item in items)


# ---------------------------------------------------------------- gate and CLI


def test_gate_names_each_metric_under_its_floor(report: dict) -> None:
    floors = {"accuracy": 0.6, "mrr": 0.4, "latency_ms_p95": 500, "hit_at_5": 0.75}
    failures = gate_failures(report["totals"], floors)
    assert failures == ["accuracy = 0.5 is under its floor 0.6", "latency_ms_p95 = 575 is above its ceiling 500"]
    assert gate_failures({"abstention_accuracy": None}, {"abstention_accuracy": 0.5}) != []


def test_load_floors_rejects_unknown_metrics(tmp_path: Path) -> None:
    path = tmp_path / "min.json"
    path.write_text('{"acuracy": 0.5}', encoding="utf-8")
    with pytest.raises(GateError, match=r"unknown metric.*acuracy"):
        load_floors(path)


class _CannedAssistant:
    def __init__(self, settings: object = None) -> None:  # stands in for qa.load_assistant(settings)
        self.settings = settings

    def ask_json(self, question: str) -> dict:
        return _system(CANNED)(question)


@pytest.fixture
def cli_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(qa, "load_assistant", _CannedAssistant, raising=False)
    lines = [json.dumps(item, ensure_ascii=False) for item in ITEMS]
    (tmp_path / "set.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def _run(cli_files: Path, *extra: str) -> int:
    return main(["--testset", str(cli_files / "set.jsonl"), "--out", str(cli_files / "out"), *extra])


def test_cli_gate_fails_below_floor(cli_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cli_files / "min.json").write_text('{"accuracy": 0.9, "hit_at_5": 0.5}', encoding="utf-8")
    assert _run(cli_files, "--min", str(cli_files / "min.json")) == 1
    out, err = capsys.readouterr()
    assert "accuracy = 0.5 is under its floor 0.9" in err and "hit_at_5" not in err
    assert "| answer accuracy | 0.500 |" in out and "report.md" in out
    assert (cli_files / "out" / "report.json").exists()


def test_cli_passes_gate_and_compares_with_baseline(cli_files: Path, report: dict) -> None:
    (cli_files / "min.json").write_text('{"accuracy": 0.5}', encoding="utf-8")
    (cli_files / "base.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    assert _run(cli_files, "--min", str(cli_files / "min.json"), "--baseline", str(cli_files / "base.json")) == 0
    saved = json.loads((cli_files / "out" / "report.json").read_text(encoding="utf-8"))
    assert saved["comparison"]["totals"]["accuracy"]["delta"] == 0
    assert saved["meta"]["testset"].endswith("set.jsonl")


def test_cli_limit_and_bad_input(cli_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(cli_files, "--limit", "2") == 0
    saved = json.loads((cli_files / "out" / "report.json").read_text(encoding="utf-8"))
    assert saved["totals"]["n"] == 2
    (cli_files / "min.json").write_text("[0.5]", encoding="utf-8")
    assert _run(cli_files, "--min", str(cli_files / "min.json")) == 2
    assert "expected a JSON object" in capsys.readouterr().err


def test_items_with_the_right_evidence_and_a_wrong_answer_are_listed() -> None:
    records = [
        {"id": "a", "evidence_p1": True, "correct": False},
        {"id": "b", "evidence_p1": True, "correct": True},
        {"id": "c", "evidence_p1": False, "correct": False},
        {"id": "d", "evidence_p1": None, "correct": False},  # unanswerable: no evidence to show
    ]
    assert [r["id"] for r in evidence_right_answer_wrong(records)] == ["a"]
