"""Sweep one scoring weight over the tuning sets and print the curve.

    python -m evaluation.sweep WEIGHT V1 V2 ... [--sets dev_qa,project_qa,blind_tune] [--metric accuracy]

Weights are chosen from such curves over the tuning sets (never the blind
check half, which :data:`evaluation.suite.TUNING_SETS` leaves out), so a value
is one that holds across sets rather than one that fixes one question.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence

from .report import fmt, markdown_table
from .runner import evaluate, load_testset
from .suite import TUNING_SETS, testset_path


def sweep(name: str, values: Sequence[float], sets: Sequence[str], metrics: Sequence[str]) -> list[list[str]]:
    """One row per value: the metrics on every set, with the weight set to that value."""
    from index import Settings, load_index
    from qa import Assistant
    from qa.weights import Weights

    if name not in {f.name for f in dataclasses.fields(Weights)}:
        raise SystemExit(f"error: no weight {name!r}; see qa/weights.py")
    settings = Settings.from_env()
    index = load_index(settings)
    items = {s: load_testset(testset_path(s)) for s in sets}
    rows = []
    for value in values:
        kind = type(getattr(Weights(), name))
        bot = Assistant(index, settings, Weights().replace(**{name: kind(value)}))
        cells = []
        for s in sets:
            totals = evaluate(items[s], bot.ask_json, progress=False)["totals"]
            cells += [fmt(m, totals[m]) for m in metrics]
        rows.append([f"{value:g}", *cells])
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("weight")
    parser.add_argument("values", nargs="+", type=float)
    parser.add_argument("--sets", default=",".join(TUNING_SETS))
    parser.add_argument("--metric", default="accuracy,hit_at_5", help="comma-separated total metrics")
    args = parser.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    if "blind_check" in sets:
        parser.error("the blind check half is never used to choose a weight")
    metrics = [m for m in args.metric.split(",") if m]
    rows = sweep(args.weight, args.values, sets, metrics)
    print(markdown_table([args.weight, *(f"{s} {m}" for s in sets for m in metrics)], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
