"""How much of a question's content a piece of text covers.

Coverage is measured on character bigrams weighted by inverse document
frequency over the index's chunks: rare report terms ("架空线", "秒级响应")
count, function words barely do.  Each content piece of a question counts
once, through whichever of its wordings ("GDP" / "地区生产总值") matches best.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from index import tokenize

from .text import CLAUSE_BREAK
from .weights import DEFAULT, Weights


def grams(text: str) -> set[str]:
    """The keyword index's tokens as a set: Chinese bigrams (a lone character stands for itself) and Latin/number words.

    The same tokens as BM25 uses, so what retrieval matched and what coverage counts agree.
    """
    return set(tokenize(text))


class Idf:
    """Inverse document frequency of bigrams over the indexed chunks, and the coverage measure built on it."""

    def __init__(self, texts: Iterable[str], weights: Weights = DEFAULT):
        df: Counter[str] = Counter()
        n = 0
        for t in texts:
            df.update(grams(t))
            n += 1
        self._n = max(n, 1)
        self._df = df
        # A bigram the reports never use is mostly a seam between two words of the
        # user's phrasing ("普遍建立" -> "遍建"): it cannot match, so it weighs little.
        self._unknown = weights.unknown_gram_idf_share * math.log(1 + self._n)
        self._spread = weights.spread_weight

    def __call__(self, gram: str) -> float:
        d = self._df.get(gram)
        if d is None:  # an English word the reports never use ("what", "the") is no evidence either way
            return 0.0 if gram.isascii() else self._unknown
        return math.log(1 + self._n / d)

    def mass(self, gs: Iterable[str]) -> float:
        return sum(self(g) for g in gs)

    def coverage(self, terms: tuple[tuple[str, ...], ...], text: str) -> float:
        """Weighted share (0..1) of the question's content pieces found in ``text``.

        A piece is one phrase ("居民人均消费支出"): its words count fully when found
        together in one clause, and only partly when gathered from neighbouring
        clauses, which are often about other things.
        """
        if not terms:
            return 0.0
        whole = grams(text)
        targets = [grams(c) for c in CLAUSE_BREAK.split(text) if c.strip()] or [set()]
        total = covered = 0.0
        for alts in terms:
            # A piece weighs what its weightiest wording weighs: "GDP" is no word of the
            # reports (no IDF), but its wording "地区生产总值" is.
            weight = max(self.mass(grams(alt)) for alt in alts)
            if weight <= 0:
                continue
            best = 0.0
            for alt in alts:
                gs = grams(alt)
                mass = self.mass(gs)
                if mass > 0:
                    together = max(self.mass(g for g in gs if g in target) for target in targets)
                    spread = self._spread * self.mass(g for g in gs if g in whole)
                    best = max(best, max(together, spread) / mass)
            total += weight
            covered += weight * best
        return covered / total if total else 0.0
