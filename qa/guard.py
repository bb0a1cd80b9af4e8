"""What a question must be before it is answered: some text, of a sane length.

Bad input gets a clear, polite message (:class:`BadQuestion`), never a stack
trace; an over-long question is cut, and the answer says so.
"""

from __future__ import annotations

import re

from .normalize import normalise_question

# Markup typed or pasted into a question is not part of what is asked.
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^<>]{1,200}>", re.IGNORECASE | re.DOTALL)
_READABLE = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


class BadQuestion(ValueError):
    """A question that cannot be answered as asked; the message is for the user."""


def check_question(text: object, max_chars: int) -> tuple[str, str]:
    """The question made safe to process, and a notice for the user ('' when none)."""
    if not isinstance(text, str):
        raise BadQuestion("请输入文字问题。")
    text = text.encode("utf-8", "ignore").decode("utf-8")  # lone surrogates from broken clients
    text = normalise_question(_MARKUP.sub(" ", text))
    if not text:
        raise BadQuestion("问题是空的：请输入想了解的内容，例如“2019年社会消费品零售总额是多少？”")
    if not _READABLE.search(text):
        raise BadQuestion("没有看懂这个问题：请用文字描述想了解的内容，例如“2019年地区生产总值是多少？”")
    if len(text) > max_chars:
        return text[:max_chars], f"（问题过长，仅按前{max_chars}个字作答）"
    return text, ""
