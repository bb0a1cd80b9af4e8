"""The regression gate: the dev set and the project's own set, through the real system, above their floors.

The floors (``testsets/floors*.json``) sit a little under what was measured
when they were set: a drop below them is a regression, not a missed target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.runner import evaluate, gate_failures, load_floors, load_testset

TESTSETS = Path(__file__).resolve().parent.parent / "testsets"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("testset", "floors"), [("dev_qa.jsonl", "floors.json"), ("project_qa.jsonl", "floors-project.json")])
def test_metrics_stay_above_their_floors(assistant, testset: str, floors: str) -> None:
    report = evaluate(load_testset(TESTSETS / testset), assistant.ask_json, progress=False)
    failures = gate_failures(report["totals"], load_floors(TESTSETS / floors))
    assert not failures, "\n".join(failures)
