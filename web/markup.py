"""Document text made inert for the page: HTML-escaped, Markdown-escaped, evidence marked by offsets.

Document text is *data*: a ``<script>`` in a report shows as characters and never
runs, and the evidence of a citation is marked by its offsets, never by searching
for the quote (the same words may appear twice in a passage).
"""

from __future__ import annotations

import html
import re

_MD_INLINE = re.compile(r"([\\`*_\[\]{}|~$#])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))", re.MULTILINE)


def escape_html(text: str) -> str:
    """Document text as inert HTML text: ``<script>`` shows as characters, never runs."""
    return html.escape(text, quote=True)


def escape_markdown(text: str) -> str:
    """Document text inside a Markdown chat message: no HTML, no emphasis, links, lists or LaTeX."""
    text = _MD_INLINE.sub(r"\\\1", html.escape(text, quote=False))
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    """'- x', '+ x' and '1. x' at a line start would become list items."""
    indent, sign, number, dot = m.groups()
    return f"{indent}\\{sign}" if sign else f"{indent}{number}\\{dot}"


def highlight(text: str, start: int, end: int) -> str:
    """The escaped text with ``text[start:end]`` in a ``<mark>`` (offsets clamped to the text)."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    if start == end:
        return escape_html(text)
    return f"{escape_html(text[:start])}<mark>{escape_html(text[start:end])}</mark>{escape_html(text[end:])}"
