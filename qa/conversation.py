"""Conversation: what a follow-up takes from the turns before it, and nothing else.

The rule (:func:`qa.understand.missing_slots` says what a question lacks):

1. A question that names its own subject and points back with no deictic word stands on its
   own: it takes nothing from history, and its answer is the one it gets when asked alone.
2. A question that lacks a slot (its subject, what is asked, a year, a report) takes exactly
   that slot from the nearest earlier turn that has it.
3. Referents are what was answered, not only what was asked: after an answer citing a task
   row, "它" / "这项任务" / "牵头单位是谁？" mean that row; after a figure, its indicator; after a
   question about a report, that report.

A turn is kept as a :class:`Turn` (the question as understood, the task row its answer cited
first); the chat, ``Assistant.ask(history=…)`` and the JSON API pass earlier turns either as
question strings or as earlier answers (an :class:`~qa.pipeline.Answer` or its JSON), so the
same rule serves all three.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .understand import Question, analyse, content_terms, missing_slots, subject_name

_TASK_SHOWN = 24  # characters of a carried task named in the rewrite line; the whole task is in the cited row


@dataclass(frozen=True)
class Turn:
    """One earlier turn: the question as understood, and the task row its answer cited (when it cited
    exactly one: an answer listing several rows has no one referent)."""

    question: Question
    row: int | None = None
    task: str = ""  # that row's task, the name "它" stands for


@dataclass(frozen=True)
class Resolved:
    question: Question
    carried: str  # what was taken from history, for the rewrite line ("沿用上一问的2013年"); "" for nothing


def resolve(text: str, turns: Sequence[Turn]) -> Resolved:
    """``text`` understood in its conversation (``turns`` oldest first)."""
    alone = analyse(text)
    missing = missing_slots(text)
    if not missing or not turns:
        return Resolved(alone, "")
    found = _nearest(turns, missing)
    if found is None:
        return Resolved(alone, "")
    back, turn = found
    context = _context(turn)
    q = analyse(text, context)
    return Resolved(q, _carried(q, alone, context, back, missing))


def _nearest(turns: Sequence[Turn], missing: frozenset[str]) -> tuple[int, Turn] | None:
    """The nearest earlier turn that has what is missing (how many turns back, and the turn)."""
    has: dict[str, Callable[[Turn], bool]] = {
        "subject": lambda t: bool(t.question.terms or t.question.doc_years or t.row is not None),
        "ask": lambda t: bool(t.question.terms),
        "year": lambda t: bool(t.question.years),
        "report": lambda t: bool(t.question.doc_years),
    }
    for back, turn in enumerate(reversed(turns), start=1):
        if all(has[slot](turn) for slot in missing):
            return back, turn
    return None


def _context(turn: Turn) -> Question:
    """The earlier turn as a follow-up reads it: a task row answered stands for its task."""
    q = turn.question
    if turn.row is None or q.is_compound:
        return q
    return replace(q, text=f"“{turn.task}”", terms=content_terms(turn.task) or q.terms, row=turn.row)


def _carried(q: Question, alone: Question, context: Question, back: int, missing: frozenset[str]) -> str:
    """A short phrase saying what came from the conversation."""
    taken = []
    if "ask" in missing:  # "那三级税收呢？": the earlier question, asked of a new subject
        taken.append("问法")
    elif context.row is not None and q.row == context.row:
        task = context.text if len(context.text) <= _TASK_SHOWN else context.text[: _TASK_SHOWN - 2] + "…”"
        taken.append(f"任务{task}")
    elif q.terms != alone.terms and context.terms:
        taken.append(f"“{subject_name(context)}”")
    if q.years and not alone.years:
        taken.append("、".join(f"{y}年" for y in q.years) if len(q.years) <= 2 else f"{q.years[0]}–{q.years[-1]}年")
    if q.doc_years and not alone.doc_years:
        taken.append("、".join(f"{y}年报告" for y in q.doc_years))
    if not taken:
        return ""
    where = "上一问" if back == 1 else f"前{back}问"
    return f"沿用{where}的" + "、".join(taken)
