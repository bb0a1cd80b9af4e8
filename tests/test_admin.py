"""Adding and removing documents: bad files are refused with a clear message and the index stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from index import AdminError, add_document, load_index, remove_document
from index.admin import parse_fields, safe_name, set_metadata

pytestmark = pytest.mark.slow


def make_pdf(path: Path, text: str, password: str | None = None) -> Path:
    """A real PDF with Chinese text (Noto CJK), optionally encrypted with a user password."""
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("cjk", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    pdf.set_font("cjk", size=12)
    pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    if password:
        writer = PdfWriter(clone_from=PdfReader(path))
        writer.encrypt(password)
        writer.write(path)
    return path


@pytest.mark.parametrize("name", ["../evil.txt", "a/b.txt", "..\\x.txt", ".hidden.txt", "report.exe", "no-suffix"])
def test_unsafe_or_unsupported_names_are_refused(name: str) -> None:
    with pytest.raises(AdminError):
        safe_name(name)


def _bad_files(tmp: Path) -> dict[str, Path]:
    files = {
        "empty.txt": b"",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "corrupt.pdf": b"%PDF-1.4\n1 0 obj <<>> endobj\n",
    }
    out = {}
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        out[name] = tmp / name
    out["locked.pdf"] = make_pdf(tmp / "locked.pdf", "2099年测试区新建了77座图书馆。", password="secret")
    return out


def test_bad_documents_are_refused_and_the_index_is_unchanged(corpus_copy, tmp_path: Path) -> None:
    before = load_index(corpus_copy)
    files_before = sorted(p.name for p in corpus_copy.corpus_dir.iterdir())
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    for name, path in _bad_files(uploads).items():
        with pytest.raises(AdminError) as exc:
            add_document(corpus_copy, path)
        assert name in str(exc.value), str(exc.value)
    big = uploads / "big.txt"
    big.write_text("西城" * 1000, encoding="utf-8")
    with pytest.raises(AdminError, match="过大"):
        add_document(corpus_copy.replace(max_upload_bytes=1000), big)
    duplicate = uploads / "copy.txt"
    duplicate.write_bytes((corpus_copy.corpus_dir / "2014-work-report.txt").read_bytes())
    with pytest.raises(AdminError, match="内容相同"):
        add_document(corpus_copy, duplicate)
    assert sorted(p.name for p in corpus_copy.corpus_dir.iterdir()) == files_before
    after = load_index(corpus_copy)
    assert after.path == before.path and len(after) == len(before)


def test_gbk_and_pdf_reports_are_added_and_removed(corpus_copy, tmp_path: Path) -> None:
    gbk = tmp_path / "gbk-report.txt"
    gbk.write_bytes("一、2099年工作回顾\n2099年测试区新建了77座图书馆。\n".encode("gbk"))
    report = add_document(corpus_copy, gbk)
    assert report.embedded_docs == ["gbk-report"]  # only the new document is embedded
    pdf = make_pdf(tmp_path / "pdf-report.pdf", "2098年测试区新增公园12个。")
    add_document(corpus_copy, pdf)
    index = load_index(corpus_copy)
    assert {"gbk-report", "pdf-report"} <= set(index.docs)
    assert any("77座图书馆" in c.text for c in index.chunks)
    assert index.docs["gbk-report"].years == (2099,)  # inferred: no catalog entry
    remove_document(corpus_copy, "gbk-report")
    assert "gbk-report" not in load_index(corpus_copy).docs
    with pytest.raises(AdminError):
        remove_document(corpus_copy, "gbk-report")


# ---------------------------------------------------------------- metadata corrections


def test_a_correction_is_stored_in_the_catalog_applied_without_re_embedding_and_survives_rebuilds(
    corpus_copy, tmp_path: Path
) -> None:
    from test_store import CountingEmbedder

    from index import build_index, load_embedder
    from index.catalog import read_catalog
    from index.store import commit_change

    before = load_index(corpus_copy)
    inferred = before.docs["2017-work-report"]
    counting = CountingEmbedder(load_embedder(corpus_copy))
    fields = parse_fields(["speaker=西城区人民政府区长 测试", "years=2012-2016", "date=2017-01-10"])
    report = commit_change(
        corpus_copy, {"action": "set-meta", "doc": "2017-work-report", "fields": fields}, embedder=counting
    )
    assert counting.embedded == 0 and report.embedded_docs == []  # not one passage re-embedded
    entry = read_catalog(corpus_copy.corpus_dir)["2017-work-report"]
    assert entry["speaker"] == "西城区人民政府区长 测试" and entry["years"] == list(range(2012, 2017))
    after = load_index(corpus_copy)
    meta = after.docs["2017-work-report"]
    assert (meta.speaker, meta.date, meta.title) == ("西城区人民政府区长 测试", "2017-01-10", inferred.title)
    rows = [i for i, c in enumerate(after.chunks) if c.doc_id == "2017-work-report"]
    old_rows = [i for i, c in enumerate(before.chunks) if c.doc_id == "2017-work-report"]
    assert (after.vectors[rows] == before.vectors[old_rows]).all()
    build_index(corpus_copy, embedder=counting)  # an ordinary build changes nothing
    assert counting.embedded == 0 and load_index(corpus_copy).docs["2017-work-report"].speaker.endswith("测试")
    set_metadata(corpus_copy, "2017-work-report", parse_fields(["speaker="]))  # field= drops the correction
    assert "speaker" not in read_catalog(corpus_copy.corpus_dir)["2017-work-report"]
    assert load_index(corpus_copy).docs["2017-work-report"].speaker == inferred.speaker


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["colour=red"], "无法识别的字段"),
        (["doc_id=x"], "无法识别的字段"),
        (["speaker"], "无法识别的字段"),
        (["year=twenty"], "年份"),
        (["years=1066"], "年份"),
        (["date=2017/01/10"], "YYYY-MM-DD"),
        ([], "请给出"),
    ],
)
def test_bad_corrections_are_refused_with_what_to_write(pairs: list[str], message: str) -> None:
    with pytest.raises(AdminError, match=message):
        parse_fields(pairs)


def test_a_correction_of_an_unknown_document_changes_nothing(corpus_copy) -> None:
    catalog = (corpus_copy.corpus_dir / "catalog.json").read_bytes()
    with pytest.raises(AdminError, match="没有这个文档"):
        set_metadata(corpus_copy, "no-such-report", {"speaker": "某人"})
    assert (corpus_copy.corpus_dir / "catalog.json").read_bytes() == catalog


# ---------------------------------------------------------------- wrong tokens


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_tokens_lock_a_client_out_for_a_while_then_it_may_try_again() -> None:
    from web.render import admin_refusal
    from web.throttle import LOCKOUT_S, MAX_FAILURES, WINDOW_S, AdminGate

    clock = Clock()
    gate = AdminGate(lambda given: admin_refusal("right-token-123", given), clock=clock)
    for _ in range(MAX_FAILURES - 1):
        assert gate.check("10.0.0.1", "guess")[1] == "refused"
    assert gate.check("10.0.0.1", "")[1] == "refused"  # empty: not counted
    refusal, outcome = gate.check("10.0.0.1", "guess")
    assert outcome == "refused" and "次数过多" in refusal
    refusal, outcome = gate.check("10.0.0.1", "right-token-123")
    assert outcome == "throttled" and "15 分钟" in refusal
    assert gate.check("10.0.0.2", "right-token-123") == (None, "allowed")  # another client is not affected
    clock.now += LOCKOUT_S + 1
    assert gate.check("10.0.0.1", "right-token-123") == (None, "allowed")
    for _ in range(MAX_FAILURES - 1):  # failures spread over more than the window never lock out
        gate.check("10.0.0.1", "guess")
        clock.now += WINDOW_S / (MAX_FAILURES - 2)
    assert gate.check("10.0.0.1", "guess")[1] == "refused"
    assert gate.check("10.0.0.1", "right-token-123") == (None, "allowed")


def test_token_rules() -> None:
    from web.throttle import MIN_TOKEN_CHARS, token_matches, token_problem

    assert token_matches("abc", "abc") and not token_matches("abc", "abd") and not token_matches("abc", "\ud800")
    assert token_problem("x" * (MIN_TOKEN_CHARS - 1)) and token_problem("x" * MIN_TOKEN_CHARS) is None
    assert token_problem("") is None  # unset: the admin side is simply off
