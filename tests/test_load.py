"""index.load on real files of every format, written by the tests themselves."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pypdf
import pytest
from fpdf import FPDF

from index.load import SUPPORTED_SUFFIXES, LoadError, load_text

SENTENCE = "社会消费品零售总额预计实现1089亿元"
FONT_DIR = Path("/usr/share/fonts")
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _squash(text: str) -> str:
    """PDF extraction may add or drop spaces; compare without whitespace."""
    return re.sub(r"\s+", "", text)


def _cjk_font() -> Path:
    """A Noto CJK font from the system; fpdf2 reads the first face of a .ttc."""
    fonts = sorted(FONT_DIR.rglob("*CJK*Regular*"))
    if not fonts:
        pytest.skip("no CJK font under /usr/share/fonts (apt install fonts-noto-cjk)")
    return fonts[0]


def _write_pdf(path: Path, pages: list[str]) -> Path:
    pdf = FPDF()
    pdf.add_font("cjk", fname=str(_cjk_font()))
    pdf.set_font("cjk", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text=text)
    pdf.output(str(path))
    return path


@pytest.fixture
def chinese_pdf(tmp_path: Path) -> Path:
    return _write_pdf(
        tmp_path / "report.pdf", [f"{SENTENCE}。\n增长6.1%", "第二页内容"]
    )


# --- formats ---------------------------------------------------------------------------


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED_SUFFIXES


def test_pdf_chinese_text_all_pages(chinese_pdf: Path) -> None:
    text = load_text(chinese_pdf)
    assert "\x00" not in text
    assert _squash(text) == _squash(f"{SENTENCE}。增长6.1%第二页内容")
    assert text.index(SENTENCE) < text.index("第二页内容")


def test_pdf_with_owner_password_only_is_readable(
    chinese_pdf: Path, tmp_path: Path
) -> None:
    writer = pypdf.PdfWriter(clone_from=chinese_pdf)
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "protected.pdf"
    writer.write(path)
    assert SENTENCE in _squash(load_text(path))


def test_docx_heading_paragraphs_table_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("一、2019年工作回顾", level=1)
    document.add_paragraph("经济运行稳中有进。")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [("指标", "目标", "完成"), ("GDP增速", "6%", "6.1%")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("二、2020年工作安排")
    path = tmp_path / "report.docx"
    document.save(str(path))

    assert load_text(path).split("\n") == [
        "一、2019年工作回顾",
        "经济运行稳中有进。",
        "指标\t目标\t完成",
        "GDP增速\t6%\t6.1%",
        "二、2020年工作安排",
    ]


def test_docx_merged_cell_kept_once(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "合并"
    table.cell(0, 2).text = "单独"
    path = tmp_path / "merged.docx"
    document.save(str(path))
    assert load_text(path) == "合并\t单独"


def test_html_drops_scripts_and_keeps_paragraphs_apart(tmp_path: Path) -> None:
    page = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>政府工作报告</title>
<style>p { color: red; }</style>
<script>var secret = "脚本内容";</script></head>
<body>
<nav><a href="/">首页</a></nav>
<!-- 注释不应出现 -->
<h1>一、2019年工作回顾</h1>
<p>经济运行
   稳中<b>有进</b>。</p>
<p>第二段<br>换行后</p>
<div>第三段</div>
<table><tr><th>指标</th><td>6.1%</td></tr></table>
<noscript>请开启脚本</noscript>
</body></html>"""
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    text = load_text(path)

    for gone in ("脚本内容", "secret", "color", "注释不应出现", "请开启脚本", "<", ">"):
        assert gone not in text
    lines = text.split("\n")
    for line in (
        "一、2019年工作回顾",
        "经济运行稳中有进。",
        "第二段",
        "换行后",
        "第三段",
        "指标\t6.1%",
    ):
        assert line in lines
    assert (
        lines.index("经济运行稳中有进。")
        < lines.index("第二段")
        < lines.index("第三段")
    )


def test_htm_honours_meta_charset(tmp_path: Path) -> None:
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    page += "</head><body><p>政府工作报告</p><p>各位代表：</p></body></html>"
    path = tmp_path / "legacy.htm"
    path.write_bytes(page.encode("gbk"))
    assert load_text(path) == "政府工作报告\n各位代表："


def test_gbk_txt(tmp_path: Path) -> None:
    text = f"政府工作报告\n各位代表：\n{SENTENCE}，比上年增长8%。\n"
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.encode("gbk"))
    assert load_text(path) == text


def test_utf8_bom_md(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff# 标题\n正文".encode())
    assert load_text(path) == "# 标题\n正文"


def test_utf16_bom_txt(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("政府\r\n工作".encode("utf-16"))
    assert load_text(path) == "政府\n工作"


def test_crlf_and_cr_become_lf_and_blank_lines_stay(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("第一行\r\n\r\n第二行\r第三行\r\n".encode())
    assert load_text(path) == "第一行\n\n第二行\n第三行\n"


def test_max_bytes_within_limit_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "small.txt"
    path.write_bytes("正文".encode())
    assert load_text(path, max_bytes=6) == "正文"


# --- failures --------------------------------------------------------------------------


def _zip_bytes(tmp_path: Path) -> bytes:
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.bin", bytes(range(256)) * 8)
    return archive.read_bytes()


def _encrypted_pdf(tmp_path: Path) -> bytes:
    source = _write_pdf(tmp_path / "plain.pdf", [SENTENCE])
    writer = pypdf.PdfWriter(clone_from=source)
    writer.encrypt(user_password="secret", owner_password="owner")
    target = tmp_path / "encrypted-source.pdf"
    writer.write(target)
    return target.read_bytes()


def _blank_pdf(tmp_path: Path) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


def _corrupt_docx(tmp_path: Path) -> bytes:
    document = docx.Document()
    document.add_paragraph(SENTENCE)
    path = tmp_path / "whole.docx"
    document.save(str(path))
    return path.read_bytes()[:500]


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("empty.txt", lambda tmp: b"", "empty"),
        ("blank.md", lambda tmp: b" \n\t\r\n", "no text"),
        ("image.txt", lambda tmp: PNG_BYTES, "not a text file"),
        ("archive.txt", _zip_bytes, "not a text file"),
        ("nul.txt", lambda tmp: "正文\x00正文".encode(), "not a text file"),
        (
            "truncated.pdf",
            lambda tmp: _write_pdf(tmp / "a.pdf", [SENTENCE]).read_bytes()[:600],
            "corrupt",
        ),
        ("encrypted.pdf", _encrypted_pdf, "encrypted"),
        ("scanned.pdf", _blank_pdf, "no text layer"),
        ("not-a-pdf.pdf", lambda tmp: "政府工作报告".encode(), "corrupt"),
        ("broken.docx", _corrupt_docx, "corrupt"),
        (
            "empty-page.html",
            lambda tmp: b"<html><script>x=1</script></html>",
            "no text",
        ),
    ],
)
def test_bad_files_raise_load_error_naming_the_file(
    tmp_path: Path, name: str, make: Callable[[Path], bytes], reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    with pytest.raises(LoadError, match=reason) as info:
        load_text(path)
    assert name in str(info.value)


def test_unsupported_suffix_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "data.xyz"
    path.write_text("正文", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_text(path)
    message = str(info.value)
    assert "data.xyz" in message
    assert all(suffix in message for suffix in SUPPORTED_SUFFIXES)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not found") as info:
        load_text(tmp_path / "missing.pdf")
    assert "missing.pdf" in str(info.value)


def test_over_max_bytes_checked_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "large.txt"
    path.write_bytes(b"x" * 2048)

    def no_read(self: Path) -> bytes:
        raise AssertionError("file was read before the size check")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(LoadError) as info:
        load_text(path, max_bytes=1024)
    message = str(info.value)
    assert "large.txt" in message
    assert "2048" in message
    assert "1024" in message
