"""Chunks of the real corpus in the real index: exact offsets, sections, table rows."""

from __future__ import annotations

import pytest

from index import load_index


@pytest.fixture(scope="module")
def index(built_index):
    return load_index(built_index)


def test_every_chunk_is_its_documents_text_at_its_offsets(index) -> None:
    assert len(index) > 300
    for c in index.chunks:
        assert index.texts[c.doc_id][c.start : c.end] == c.text, c.chunk_id


def test_chunks_are_sized_for_citation(index, built_index) -> None:
    prose = [c for c in index.chunks if not c.fields]
    assert max(len(c.text) for c in prose) <= built_index.chunk_size
    assert sum(len(c.text) for c in prose) / len(prose) > built_index.chunk_size / 3


def test_sentence_lies_whole_inside_one_chunk(index) -> None:
    hits = [c for c in index.chunks if "社会消费品零售总额预计实现1089亿元" in c.text]
    assert len(hits) == 1 and hits[0].doc_id == "2020-work-report"


def test_chunks_never_cross_a_section(index) -> None:
    for doc_id in index.texts:
        headings = {h for c in index.chunks if c.doc_id == doc_id for h in c.section}
        for c in index.chunks:
            if c.doc_id == doc_id and not c.fields:
                lines = c.text.split("\n")
                assert not any(line in headings for line in lines[1:]), f"{c.chunk_id} crosses into {lines}"


def test_table_rows_are_one_chunk_each_with_fields(index) -> None:
    rows = [c for c in index.chunks if c.fields]
    assert len(rows) == 136
    assert {c.doc_id for c in rows} == {"2020-key-tasks-status"}
    for c in rows:
        assert c.fields["task"] in c.text and c.fields["status"] in c.text
        assert c.fields["lead_units"].split("、")[0] in c.text
    brain = next(c for c in rows if "城市大脑" in c.fields["task"])
    assert brain.fields["lead_units"] == "区全响应服务中心"


def test_header_gives_context_but_is_not_quoted(index) -> None:
    c = next(c for c in index.chunks if "1089亿元" in c.text)
    assert "2020年西城区政府工作报告" in c.header and "2019年" in c.header and "一、2019年工作回顾" in c.header
    assert c.header not in c.text and c.search_text.startswith(c.header)
