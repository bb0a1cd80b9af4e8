"""Indicator extraction scored against hand-checked statements (``testsets/indicator_gold.jsonl``).

    python -m evaluation.indicators [--gold testsets/indicator_gold.jsonl] [--corpus corpus] [--errors]

Each gold record is one corpus sentence with every statement a careful reader finds in it
(indicator, value, unit, growth, year or period, kind) and whether it belongs to a review
section's headline figures.  The extractor (:func:`index.indicators.extract`) runs on the real
documents, as the index does, and its statements inside each gold sentence are compared:

* a statement is **right** when a gold statement of the sentence has the same value, unit,
  growth, year (or period) and kind, and the same indicator - equal after
  :func:`index.indicators.canonical`, or one name containing the other, since a reader and the
  extractor may cut a name's qualifiers differently ("区财政收入" / "财政收入");
* **precision** = right / extracted; **recall** = gold statements matched / gold statements,
  reported for all and for the headline sentences.

Sentences are found in the document whitespace-insensitively (the cleaner may rejoin lines).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.catalog import read_catalog
from index.indicators import canonical, extract
from index.ingest import ingest_file
from index.schema import Document, Statement

from .runner import ROOT

GOLD = ROOT / "testsets" / "indicator_gold.jsonl"
_SPACE = re.compile(r"\s+")


@dataclass
class Scored:
    """One gold sentence with the extractor's statements inside it, each gold and extracted one judged."""

    gold: dict
    found: list[Statement]
    gold_matched: list[bool] = field(default_factory=list)
    found_right: list[bool] = field(default_factory=list)


def _same_name(gold: str, found: Statement) -> bool:
    g = canonical(gold)
    names = (found.indicator, canonical(found.wording))
    return any(g == n or g in n or n in g for n in names if n)


def _unit(unit: str) -> str:
    return unit.replace("％", "%")  # the reports write both widths


def _num(a: float | None, b: float | None) -> bool:
    return (a is None) == (b is None) and (a is None or abs(float(a) - float(b)) < 1e-9)  # type: ignore[arg-type]


def matches(gold: dict, found: Statement) -> bool:
    """Whether an extracted statement says what a gold statement says (see the module docstring)."""
    period = tuple(gold.get("years") or ())  # written as its first and last year
    stated = (found.years[0], found.years[-1]) if found.years else ()
    when = stated == period if gold.get("year") is None else found.year == gold["year"]
    return (
        when
        and found.kind == gold["kind"]
        and _num(gold.get("value"), found.value)
        and _num(gold.get("growth"), found.growth)
        and (gold.get("value") is None or _unit(gold.get("unit") or "") == _unit(found.unit))
        and _same_name(gold["indicator"], found)
    )


def _locate(doc: Document, sentence: str) -> tuple[int, int] | None:
    """Offsets of ``sentence`` in the document text, ignoring whitespace; None when it is not there."""
    kept = [(i, ch) for i, ch in enumerate(doc.text) if not ch.isspace()]
    squeezed = "".join(ch for _, ch in kept)
    at = squeezed.find(_SPACE.sub("", sentence))
    if at < 0:
        return None
    return kept[at][0], kept[at + len(_SPACE.sub("", sentence)) - 1][0] + 1


def score(gold: list[dict], docs: dict[str, Document]) -> list[Scored]:
    """Judge every gold sentence; raises ValueError naming a sentence that is not in its document."""
    statements = {name: extract(doc) for name, doc in docs.items()}
    out = []
    for g in gold:
        doc = docs.get(g["file"])
        span = _locate(doc, g["sentence"]) if doc else None
        if span is None:
            raise ValueError(f"{g['file']}: gold sentence not found: {g['sentence'][:40]}…")
        found = [s for s in statements[g["file"]] if span[0] <= s.start < span[1]]
        scored = Scored(g, found)
        used: set[int] = set()
        for f in found:  # each gold statement matches at most one extracted statement
            hit = next((i for i, x in enumerate(g["statements"]) if i not in used and matches(x, f)), None)
            scored.found_right.append(hit is not None)
            if hit is not None:
                used.add(hit)
        scored.gold_matched = [i in used for i in range(len(g["statements"]))]
        out.append(scored)
    return out


def totals(scored: list[Scored]) -> dict[str, float | int]:
    """Precision, recall and headline recall, with the counts behind them."""
    found = [r for s in scored for r in s.found_right]
    gold = [m for s in scored for m in s.gold_matched]
    headline = [m for s in scored if s.gold.get("headline") for m in s.gold_matched]
    return {
        "sentences": len(scored),
        "gold_statements": len(gold),
        "extracted": len(found),
        "precision": sum(found) / len(found) if found else 0.0,
        "recall": sum(gold) / len(gold) if gold else 0.0,
        "headline_statements": len(headline),
        "headline_recall": sum(headline) / len(headline) if headline else 0.0,
    }


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_documents(corpus_dir: Path, names: set[str]) -> dict[str, Document]:
    """The named corpus files as the index ingests them (catalog entries applied)."""
    catalog = read_catalog(corpus_dir)
    return {name: ingest_file(corpus_dir / name, catalog.get(Path(name).stem)) for name in sorted(names)}


def _describe(s: Statement) -> str:
    when = s.year if s.year is not None else "-".join(map(str, s.years[:1] + s.years[-1:]))
    return f"{s.indicator}({s.wording}) {s.value}{s.unit} growth={s.growth} {when} {s.kind}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.indicators", description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--errors", action="store_true", help="list wrong and missed statements")
    args = parser.parse_args(argv)
    gold = load_gold(args.gold)
    try:
        scored = score(gold, load_documents(args.corpus, {g["file"] for g in gold}))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t = totals(scored)
    print(
        f"sentences {t['sentences']}  gold {t['gold_statements']}  extracted {t['extracted']}  "
        f"precision {t['precision']:.3f}  recall {t['recall']:.3f}  "
        f"headline recall {t['headline_recall']:.3f} (of {t['headline_statements']})"
    )
    if args.errors:
        for s in scored:
            wrong = [_describe(f) for f, ok in zip(s.found, s.found_right, strict=True) if not ok]
            missed = [
                json.dumps(x, ensure_ascii=False)
                for x, ok in zip(s.gold["statements"], s.gold_matched, strict=True)
                if not ok
            ]
            if wrong or missed:
                print(f"\n{s.gold['file']}: {s.gold['sentence'][:60]}")
                print("".join(f"  wrong  {w}\n" for w in wrong) + "".join(f"  missed {m}\n" for m in missed), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
