"""Turn a file on disk into raw UTF-8 text, one reader per format.

This is the only module that knows about file formats: everything after it
(cleaning, sectioning, chunking) works on plain ``str``.  Line breaks are kept
as the source has them, because later stages read structure from them; the
only changes made here are the ones a format forces (decoding, CRLF -> LF,
HTML block elements -> line breaks, DOCX table cells -> tabs).

Every problem with the input surfaces as :class:`LoadError` naming the file,
so callers (the indexer, the upload endpoint) can report it and move on
instead of handling a zoo of library exceptions.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pypdf
from bs4 import BeautifulSoup, NavigableString
from charset_normalizer import from_bytes
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf.errors import DependencyError

_COMMON_SIMPLIFIED = 0.95  # share of GB2312 characters in real simplified Chinese text (~99.9%)
# Above this share of control/replacement characters a "text" file is binary.
_MAX_CONTROL_RATIO = 0.05
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

_HTML_DROPPED = ("script", "style", "noscript", "template")
_HTML_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "tfoot", "thead", "title", "tr", "ul",
    }
)  # fmt: skip
_HTML_PRESERVE_SPACE = ("pre", "textarea")
# HTML collapses only ASCII whitespace; U+3000 indentation in Chinese text is content.
_HTML_SPACE_RUN = re.compile(r"[ \t\n\r\f]+")
# CSS Text: a source line break between two CJK characters renders as nothing.
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_HTML_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\f]*[\r\n][ \t\n\r\f]*(?=[{_CJK}])")
_HTML_CELLS = ("td", "th")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Declared legacy Chinese charsets are routinely mislabelled subsets of GB18030.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
}


class LoadError(Exception):
    """A file that cannot be turned into text; the message names the file and the reason."""


def load_text(path: Path, max_bytes: int | None = None) -> str:
    """Return the text of ``path``; raise :class:`LoadError` for anything unreadable.

    ``max_bytes`` guards uploads: the size is checked before any byte is read.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; supported: {supported}")
    data = _read_bytes(path, max_bytes)
    text = reader(data, path.name)
    if not text.strip():
        raise LoadError(f"{path.name}: contains no text")
    return text


def _read_bytes(path: Path, max_bytes: int | None) -> bytes:
    """Read the whole file after checking it exists, fits the limit and is not empty."""
    try:
        if not path.is_file():
            raise LoadError(f"{path.name}: file not found")
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(f"{path.name}: file is {size} bytes, over the limit of {max_bytes} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path.name}: cannot read file ({exc.strerror or exc})") from exc
    if not data:
        raise LoadError(f"{path.name}: file is empty")
    return data


# --- plain text -------------------------------------------------------------------------


def _decode(data: bytes, name: str, declared: str | None = None) -> str:
    """Decode bytes as text with LF line ends, or raise if they are not text.

    Order: a BOM wins, then a declared charset (HTML meta), then UTF-8, then
    detection; government files still arrive in GBK/GB18030 or Big5.
    """
    # Windows Notepad saves "Unicode" as UTF-16 with a BOM; its NULs are not binary.
    if data.startswith(_UTF16_BOMS):
        text = _try_decode(data, "utf-16")
    else:
        if b"\x00" in data:
            raise LoadError(f"{name}: not a text file (contains NUL bytes)")
        text = None if data.startswith(b"\xef\xbb\xbf") else _try_decode(data, declared)
        text = text or _try_decode(data, "utf-8-sig") or _detect(data)
    if text is None or _looks_binary(text):
        raise LoadError(f"{name}: not a text file (undecodable or binary content)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _try_decode(data: bytes, encoding: str | None) -> str | None:
    """Strict decode, or ``None`` if the encoding is unknown or does not fit the bytes."""
    if not encoding:
        return None
    try:
        return data.decode(_CHARSET_SUPERSETS.get(encoding.lower(), encoding))
    except (LookupError, UnicodeDecodeError):
        return None


def _detect(data: bytes) -> str | None:
    """Guess the legacy encoding; ``None`` when charset-normalizer finds none that fits.

    Mainland government files are GB-encoded: GB18030 is taken when it decodes
    the bytes into common simplified characters (GB2312's set), which Big5 or
    other bytes misread as GBK rarely do.  Detection alone mistakes short GBK
    text for Big5.
    """
    gb = _try_decode(data, "gb18030")
    if gb is not None and _mostly_common_simplified(gb):
        return gb
    best = from_bytes(data).best()
    return None if best is None else str(best)


def _mostly_common_simplified(text: str) -> bool:
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return False
    common = sum(1 for c in cjk if _encodable(c, "gb2312"))
    return common >= _COMMON_SIMPLIFIED * len(cjk)


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _looks_binary(text: str) -> bool:
    """True when too many characters are controls or U+FFFD, as in a renamed image/archive."""
    bad = sum(1 for ch in text if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS))
    return bad > _MAX_CONTROL_RATIO * len(text)


# --- HTML -------------------------------------------------------------------------------


def _read_html(data: bytes, name: str) -> str:
    """Visible text of the page with one line per block element."""
    soup = BeautifulSoup(_decode(data, name, _meta_charset(data)), "html.parser")
    for tag in soup.find_all(_HTML_DROPPED):
        tag.decompose()
    _collapse_html_whitespace(soup)
    for tag in soup.find_all(["br", *_HTML_CELLS, *_HTML_BLOCKS]):
        if tag.name == "br":
            tag.replace_with("\n")
        elif tag.name in _HTML_CELLS:
            # cells of a row share its line, tab-separated as in DOCX tables
            if tag.find_previous_sibling(_HTML_CELLS):
                tag.insert_before("\t")
        else:
            tag.insert_before("\n")
            tag.insert_after("\n")
    lines = (line.strip(" ") for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


def _meta_charset(data: bytes) -> str | None:
    """The charset a ``<meta>`` tag declares near the top of the page, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _collapse_html_whitespace(soup: BeautifulSoup) -> None:
    """Apply HTML whitespace rules so source-code line wrapping does not split paragraphs."""
    for node in soup.find_all(string=True):
        # exact type: Comment/Doctype subclass NavigableString and must stay invisible
        if type(node) is NavigableString and not node.find_parent(_HTML_PRESERVE_SPACE):
            text = _HTML_CJK_BREAK.sub("", str(node))
            node.replace_with(_HTML_SPACE_RUN.sub(" ", text))


# --- PDF --------------------------------------------------------------------------------


def _read_pdf(data: bytes, name: str) -> str:
    """Text of every page joined by newlines, from the PDF's text layer."""
    reader = _open_pdf(data, name)
    try:
        pages = [page.extract_text() for page in reader.pages]
    except Exception as exc:  # pypdf raises many types on malformed content streams
        raise LoadError(f"{name}: corrupt PDF ({exc})") from exc
    # pypdf leaks the high byte of 2-byte codes as NUL for fonts with an embedded
    # CMap (e.g. CJK OpenType/CFF fonts); NUL is never document text.
    text = "\n".join(pages).replace("\x00", "")
    if not text.strip():
        raise LoadError(f"{name}: PDF has no text layer (scanned?)")
    return text


def _open_pdf(data: bytes, name: str) -> pypdf.PdfReader:
    """Open the PDF, decrypting it only when the user password is empty.

    Owner-only protection (empty user password) is common on published reports
    and does not stop text extraction, so only a real user password is an error.
    """
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and not reader.decrypt("")
        page_count = 0 if locked else len(reader.pages)
    except (DependencyError, NotImplementedError) as exc:
        raise LoadError(f"{name}: PDF is encrypted with an unsupported cipher ({exc})") from exc
    except Exception as exc:  # truncated/garbled files fail anywhere in pypdf's parser
        raise LoadError(f"{name}: corrupt PDF ({exc})") from exc
    if locked:
        raise LoadError(f"{name}: PDF is encrypted (password required)")
    if not page_count:
        raise LoadError(f"{name}: corrupt PDF (no pages)")
    return reader


# --- DOCX -------------------------------------------------------------------------------


def _read_docx(data: bytes, name: str) -> str:
    """Paragraphs one per line and table rows as tab-joined cells, in body order."""
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_docx_lines(document.iter_inner_content()))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own types
        raise LoadError(f"{name}: corrupt or not a DOCX file ({exc})") from exc


def _docx_lines(blocks: Iterator[Paragraph | Table]) -> Iterator[str]:
    """Lines in body order, so a table stays next to the paragraph that introduces it."""
    for block in blocks:
        if isinstance(block, Table):
            yield from _table_rows(block)
        else:
            yield block.text


def _table_rows(table: Table) -> Iterator[str]:
    """One line per row; a merged cell is repeated by python-docx, so it is kept once."""
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text.replace("\n", " "))
        yield "\t".join(cells)


_READERS: dict[str, Callable[[bytes, str], str]] = {
    ".txt": _decode,
    ".md": _decode,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)
