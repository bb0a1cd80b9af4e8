"""Typo tolerance (qa.spelling) on report-like texts written for this test, and on the real index."""

from __future__ import annotations

import pytest

from qa.spelling import Speller, one_edit

# Written for this test: a few report-style sentences with long indicator names.
TEXTS = [
    "全年城市绿化覆盖率达到百分之四十，公共文化设施服务人次增长明显。",
    "城市绿化覆盖率稳步提高；人均公园绿地面积达到十平方米。",
    "全区中小学校舍安全改造工程全面完成，新增普惠性幼儿园学位。",
    "公共文化设施服务人次再创新高，图书馆借阅量预计完成目标。",
    "预计完成全年任务，城市道路照明设施更新改造有序推进。",
    "社区卫生服务机构标准化建设，社区卫生服务站点覆盖全部街道。",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller.from_texts(TEXTS)


@pytest.mark.parametrize(
    ("piece", "term"),
    [
        ("城市绿化覆率", "城市绿化覆盖率"),  # a missing character
        ("城市绿化复盖率", "城市绿化覆盖率"),  # a wrong (homophone) character
        ("中小学校舍安全该造工程", "中小学校舍安全改造工程"),
        ("公共文化设施服务次人", "公共文化设施服务人次"),  # two characters swapped
        ("人均公园绿绿地面积", "人均公园绿地面积"),  # a key pressed twice
        ("城市道路照明设施跟新改造", "城市道路照明设施更新改造"),
    ],
)
def test_one_slip_in_a_long_term_is_corrected(speller: Speller, piece: str, term: str) -> None:
    assert speller.correct(piece) == term


@pytest.mark.parametrize(
    "piece",
    [
        "城市绿化覆盖率",  # printed as it is
        "绿化覆率",  # too short to tell a typo from another word
        "城市交通拥堵指数",  # nothing near it
        "社区卫生服务所",  # one edit from 服务机/服务站 alike: ambiguous
        "图书馆借阅量预计能",  # "预计完" is one edit away but ends inside the word 完成
        "城市绿化覆盖率要",  # an extra word the user added, not a slip
        "城市绿化2覆盖率",  # not all Chinese
    ],
)
def test_no_correction_without_a_single_plausible_term(speller: Speller, piece: str) -> None:
    assert speller.correct(piece) is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("绿化覆盖", "绿化复盖", True),
        ("绿化覆盖", "绿化盖", True),
        ("绿化覆盖", "绿覆化盖", True),
        ("绿化覆盖", "绿化覆盖率", True),
        ("绿化覆盖", "绿化覆盖", False),
        ("绿化覆盖", "化绿盖覆", False),
        ("绿化覆盖", "绿化", False),
    ],
)
def test_one_edit(a: str, b: str, expected: bool) -> None:
    assert one_edit(a, b) is expected and one_edit(b, a) is expected


@pytest.mark.slow
def test_typos_of_indexed_terms_are_corrected_and_indexed_phrases_are_not(built_index) -> None:
    from index import load_index

    index = load_index(built_index)
    texts = [c.text for c in index.chunks]
    speller = Speller.from_texts(texts)
    joined = "\n".join(texts)
    for typo, term in [("社会消费零售总额", "社会消费品零售总额"), ("居民人均可支配收如", "居民人均可支配收入")]:
        assert term in joined
        assert speller.correct(typo) == term
    for printed in ("社会消费品零售总额", "居民人均可支配收入", "地区生产总值"):
        assert speller.correct(printed) is None
