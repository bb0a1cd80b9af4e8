"""Adding and removing documents: bad files are refused with a clear message and the index stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from index import AdminError, add_document, load_index, remove_document
from index.admin import safe_name

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
