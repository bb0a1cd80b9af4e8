"""Typo tolerance for long report terms ("社会消费零售总额" -> "社会消费品零售总额").

A question's content piece that the reports never print, but that is one slip
(a missing, substituted, swapped or doubled character) away from exactly one
run of Chinese characters the reports do print, is read as that run; the
caller shows the correction in the rewrite.  The known terms are the indexed
texts themselves, not a frequency list: in the 597 indexed chunks
"社会消费品零售总额" is printed once, so a vocabulary of n-grams used at least
twice would not know the commonest indicator.

Finding the runs one edit away without a scan: an edit inside the piece's
first half leaves its second half intact and the other way round, so only the
places where a half occurs are compared; the one edit across the halves (the
two middle characters swapped) is looked up directly.  On the 597 chunks a
question costs 0.14 ms on average (see the report of issue 17).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.vocabulary import occurrences

# A corrected term is at least this long.  Measured on the 597 indexed chunks: among closed report
# n-grams (not always inside the same longer run) used twice or more, 22.6% of the 4-character ones and 13.5% of the 5-character ones have
# another such n-gram one substitution away (a "typo" there is as likely a different word), 1.8% of
# the 6-character ones.
MIN_TERM = 6
# Of several candidates the most used one is taken only if it is used this many times as often as
# the next: two terms used about as often are two readings the question cannot tell apart.
_DOMINANT = 2

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


class Speller:
    """Corrects one-edit typos of report terms; build it once per index with :meth:`from_texts`."""

    def __init__(self, text: str):
        self._text = text  # the reports' runs of Chinese characters, one per line

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Speller:
        return cls("\n".join(r for t in texts for r in _CJK_RUN.findall(t)))

    def correct(self, piece: str) -> str | None:
        """The report term ``piece`` is a typo of, or None.

        None when the piece is short, not all Chinese, printed in the reports as it is, or one
        edit away from no term or from several (of the same kind, interior or at an end) of which
        none is used twice as often as the rest.
        """
        if len(piece) < MIN_TERM - 1 or not _CJK_RUN.fullmatch(piece) or piece in self._text:
            return None
        found = self.candidates(piece)
        # A term matching the piece at both ends is anchored by the piece itself on both sides; an
        # edit at an end only by the reports' word boundaries, so it yields to an interior one.
        interior = {t for t in found if t[0] == piece[0] and t[-1] == piece[-1]}
        found = interior if self._word_added(piece) else interior or found
        ranked = sorted(((self._text.count(t), t) for t in found), reverse=True)
        if not ranked or (len(ranked) > 1 and ranked[0][0] < _DOMINANT * ranked[1][0]):
            return None
        return ranked[0][1]

    def candidates(self, piece: str) -> set[str]:
        """The report terms (at least MIN_TERM long) that ``piece`` may be a typo of.

        Typing Chinese through an input method, a slip is a wrong character, a missing one, two
        swapped, or one key pressed twice; an *extra* other character is a word the user added
        ("总量要控制在"), so it is read as a typo only when it doubles its neighbour.  An edit at
        the piece's first or last character must leave the term ending on a word boundary
        (:meth:`_boundary`): the reports' text runs on past a term, so "预计能" is one edit from
        "预计完" (the start of 完成) as well as from a term.
        """
        n, text = len(piece), self._text
        mid = n // 2
        # An edit inside the first half leaves the second half as it is, and the other way round;
        # the one edit that straddles the halves (the two middle characters swapped) is looked up as is.
        swapped = piece[: mid - 1] + piece[mid] + piece[mid - 1] + piece[mid + 1 :]
        undoubled = {piece[:i] + piece[i + 1 :] for i in range(1, n) if piece[i] == piece[i - 1]}
        found = {t for t in (*undoubled, swapped) if len(t) >= MIN_TERM and t in text}
        windows: set[str] = set()
        for at in occurrences(text, piece[:mid]):
            windows.update((text[at : at + n], text[at : at + n + 1]))
        for at in occurrences(text, piece[mid:]):
            end = at + n - mid
            windows.update((text[max(end - n, 0) : end], text[max(end - n - 1, 0) : end]))
        found.update(w for w in windows if len(w) >= MIN_TERM and "\n" not in w and self._typo_of(piece, w))
        return found

    def _word_added(self, piece: str) -> bool:
        """Whether the piece is a printed run ending (or starting) on a word boundary, plus one more
        character: that is another word ("失业率控制住" is 控制 + 住, not a slip for 控制在), whereas
        "可支配收如" cuts 收入 in the middle and is a slip."""
        return (piece[:-1] in self._text and self._boundary(piece[-3:-1], before=False)) or (
            piece[1:] in self._text and self._boundary(piece[1:3], before=True)
        )

    def _typo_of(self, piece: str, term: str) -> bool:
        return (
            one_edit(piece, term)
            and (term[0] == piece[0] or self._boundary(term[:2], before=True))
            and (term[-1] == piece[-1] or self._boundary(term[-2:], before=False))
        )

    def _boundary(self, pair: str, before: bool) -> bool:
        """Whether the reports put ``pair`` next to two different characters, or at a run's edge, on that side.

        A pair always met with the same neighbour ("计完" in 预计完成) is inside a word.
        """
        seen: set[str] = set()
        for at in occurrences(self._text, pair):
            i = at - 1 if before else at + 2
            c = self._text[i] if 0 <= i < len(self._text) else "\n"
            if c == "\n":  # next to punctuation or a figure
                return True
            seen.add(c)
            if len(seen) >= 2:
                return True
        return False


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one insertion, deletion, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (
        i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    )
