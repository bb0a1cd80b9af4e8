"""Every test set in one run, by type, per retrieval mode: the figures a closing note reports.

    python -m evaluation.suite [--sets dev_qa,project_qa,blind_tune,blind_check]
        [--modes hybrid,keyword,dense] [--json OUT.json]

Prints one markdown table of the totals (set x metric, for every mode) and one
of accuracy by question type, so before/after comparisons are made on every
set at once, from the same index and the same code.  The blind check half is
reported, never tuned on.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from index import Settings, build_index, copy_index
from index.store import current_path

from .report import fmt, markdown_table
from .runner import ROOT, TYPES, evaluate, load_testset

TESTSETS = ROOT / "testsets"
DEFAULT_SETS = (
    "dev_qa",
    "project_qa",
    "blind_tune",
    "blind_check",
    "series_qa",
    "followup_tune",
    "followup_check",
    "newdocs_tune",
    "newdocs_check",
)
TUNING_SETS = ("dev_qa", "project_qa", "blind_tune", "series_qa")  # the check half is never used to choose anything
COLUMNS = (
    "n",
    "accuracy",
    "evidence_p1",
    "evidence_gap",
    "hit_at_5",
    "citation_precision",
    "abstention_accuracy",
    "false_abstention_rate",
    "series_point_recall",
    "series_point_precision",
    "latency_ms_median",
)


def testset_path(name: str) -> Path:
    return TESTSETS / f"{name}.jsonl"


def extra_documents(name: str) -> Path | None:
    """The folder of documents a set asks about beyond the shipped corpus, or None.

    A set ``<family>_tune`` / ``<family>_check`` whose ``testsets/<family>/`` folder exists asks about
    those documents too (written for the set, never shipped): the product is judged on documents it
    has not seen, and these measure that.
    """
    folder = TESTSETS / name.rsplit("_", 1)[0]
    return folder if "_" in name and folder.is_dir() else None


def settings_with_documents(base: Settings, docs: Path) -> Settings:
    """``base`` with a corpus of its documents plus ``docs``, indexed beside it (``.cache/index-<folder>``).

    The base index is copied first, so only the added documents are embedded (about a minute on
    two cores); later runs find everything in place and rebuild nothing.
    """
    root = base.index_dir.parent / f"{base.index_dir.name}-{docs.name}"
    corpus = root / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)  # the base corpus may have changed since the last run
    shutil.copytree(base.corpus_dir, corpus)
    for doc in sorted(docs.iterdir()):
        if doc.is_file():
            shutil.copy2(doc, corpus / doc.name)
    index_dir = root / "index"
    if not index_dir.exists() and current_path(base).exists():
        copy_index(base, index_dir)
    settings = base.replace(corpus_dir=corpus, index_dir=index_dir, var_dir=root / "var")
    build_index(settings)
    return settings


def run_suite(
    assistants: Mapping[str, object], sets: Sequence[str], modes: Sequence[str]
) -> dict[str, dict[str, dict]]:
    """``{mode: {set: report}}`` for every mode and set, through ``assistants[set].ask_json``."""
    out: dict[str, dict[str, dict]] = {}
    for mode in modes:
        out[mode] = {}
        for name in sets:
            items = load_testset(testset_path(name))
            ask = functools.partial(assistants[name].ask_json, mode=mode)  # type: ignore[attr-defined]
            out[mode][name] = evaluate(items, ask, progress=False)
    return out


INVARIANCE_DRAWS = 3  # conversations per question: three draws of three turns saw every failure mode of issue 26
INVARIANCE_TURNS = 3  # unrelated questions asked before it
INVARIANCE_SEED = 26


def history_invariance(assistant: object, results: dict[str, dict], draws: int = INVARIANCE_DRAWS) -> dict[str, dict]:
    """Per set: how often a self-contained question gets the same answer after unrelated turns as alone.

    Every item without a history is asked after ``INVARIANCE_TURNS`` questions drawn (fixed seed)
    from the other sets, answered first as the chat would (their answers are the history).
    ``results`` are one mode's reports, whose answers are the questions asked alone.
    Returns ``{set: {"n", "identical", "differences": [{id, question, history, alone, after}]}}``.
    """
    rng = random.Random(INVARIANCE_SEED)
    ask = assistant.ask_json  # type: ignore[attr-defined]
    pool = {name: [r["question"] for r in report["items"]] for name, report in results.items()}
    answered: dict[str, dict] = {}

    def answer(question: str) -> dict:
        if question not in answered:
            answered[question] = {"question": question, **ask(question)}
        return answered[question]

    out: dict[str, dict] = {}
    for name, report in results.items():
        others = [q for other, questions in pool.items() if other != name for q in questions]
        items = [r for r in report["items"] if not r.get("history")]
        same, differences = 0, []
        for record in items:
            for _ in range(draws):
                history = [answer(q) for q in rng.sample(others, INVARIANCE_TURNS)]
                after = ask(record["question"], history=history)["answer"]
                if after == record["got"]:
                    same += 1
                else:
                    differences.append(
                        {
                            "id": record["id"],
                            "question": record["question"],
                            "history": [h["question"] for h in history],
                            "alone": record["got"],
                            "after": after,
                        }
                    )
        total = len(items) * draws
        out[name] = {"n": total, "identical": same / total if total else None, "differences": differences}
    return out


def invariance_table(invariance: dict[str, dict]) -> str:
    rows = [[name, str(v["n"]), fmt("accuracy", v["identical"])] for name, v in invariance.items()]
    return markdown_table(["set", "asked after unrelated turns", "identical to alone"], rows)


def totals_table(results: dict[str, dict[str, dict]]) -> str:
    rows = [
        [mode, name, *(fmt(key, report["totals"].get(key)) for key in COLUMNS)]
        for mode, reports in results.items()
        for name, report in reports.items()
    ]
    return markdown_table(["mode", "set", *COLUMNS], rows)


def _accuracy_table(reports: dict[str, dict], breakdown: str, groups: Sequence[str], first_column: str) -> str:
    """Accuracy (and n) of each group of one breakdown ("by_type", "by_form") for every set."""
    rows = []
    for name in groups:
        cells = []
        for report in reports.values():
            group = report[breakdown].get(name)
            cells.append(f"{fmt('accuracy', group['accuracy'])} ({group['n']})" if group else "–")
        rows.append([name, *cells])
    return markdown_table([first_column, *reports], rows)


def by_type_table(results: dict[str, dict[str, dict]], mode: str) -> str:
    return _accuracy_table(results[mode], "by_type", TYPES, "type")


def by_form_table(results: dict[str, dict[str, dict]], mode: str) -> str:
    """Accuracy by how the question is typed, for the sets that say it (follow-ups: pronoun, deictic, slot, …)."""
    reports = {name: r for name, r in results[mode].items() if set(r["by_form"]) - {"plain"}}
    return _accuracy_table(reports, "by_form", sorted({f for r in reports.values() for f in r["by_form"]}), "form")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation.suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS), help="test-set names under testsets/")
    parser.add_argument("--modes", default="hybrid", help="retrieval modes, e.g. hybrid,keyword,dense")
    parser.add_argument("--json", type=Path, help="write the per-item reports here")
    parser.add_argument(
        "--no-invariance", action="store_true", help="skip the history-invariance check (issue 26; about 2 minutes)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    missing = [s for s in sets if not testset_path(s).exists()]
    if missing:
        print(f"error: no test set {', '.join(missing)} under {TESTSETS}")
        return 2
    from qa import load_assistant  # lazy: the tables above import without the system

    base = Settings.from_env()
    assistant = load_assistant(base)
    assistants: dict[str, object] = {}
    for name in sets:
        docs = extra_documents(name)
        assistants[name] = load_assistant(settings_with_documents(base, docs)) if docs else assistant
    results = run_suite(assistants, sets, [m for m in args.modes.split(",") if m])
    print(totals_table(results))
    for mode in results:
        print(f"\naccuracy by type ({mode}; n in brackets)\n")
        print(by_type_table(results, mode))
        print(f"\naccuracy by form ({mode}; n in brackets)\n")
        print(by_form_table(results, mode))
    dump: dict = {"results": results}
    if not args.no_invariance:
        first = next(iter(results))
        shipped = {name: r for name, r in results[first].items() if assistants[name] is assistant}
        invariance = history_invariance(assistant, shipped)  # sets with documents of their own are left out
        print(f"\nhistory invariance ({first}): self-contained questions asked after unrelated turns\n")
        print(invariance_table(invariance))
        for name, v in invariance.items():
            for d in v["differences"]:
                print(
                    f"- {name} {d['id']}: {d['question']} | after {d['history']}: {d['after'][:80]!r} vs alone {d['alone'][:80]!r}"
                )
        dump["invariance"] = invariance
    if args.json:
        args.json.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
