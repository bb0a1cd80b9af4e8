"""The regression gate: every test set, through the real system, above its floors.

The floors (``testsets/floors-<set>.json``) sit a little under what was measured
when they were set: a drop below them is a regression, not a missed target.  The
blind check half is gated too (its floor is what was measured), but never tuned on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.runner import evaluate, gate_failures, load_floors, load_testset
from evaluation.suite import extra_documents, settings_with_documents

TESTSETS = Path(__file__).resolve().parent.parent / "testsets"
SETS = sorted(p.name.removeprefix("floors-").removesuffix(".json") for p in TESTSETS.glob("floors-*.json"))

pytestmark = pytest.mark.slow


def test_every_test_set_has_floors() -> None:
    # indicator_*.jsonl are gold indicator statements (tests/test_eval_indicators), not question sets
    assert sorted(p.stem for p in TESTSETS.glob("*.jsonl") if not p.stem.startswith("indicator_")) == SETS


@pytest.fixture(scope="session")
def assistant_for(assistant, built_index):
    """The session assistant, or one whose corpus adds a set's own documents (built once per folder)."""
    from qa import Assistant

    loaded: dict[Path, object] = {}

    def get(name: str):
        docs = extra_documents(name)
        if docs is None:
            return assistant
        if docs not in loaded:
            loaded[docs] = Assistant.load(settings_with_documents(built_index, docs))
        return loaded[docs]

    return get


@pytest.mark.parametrize("name", SETS)
def test_metrics_stay_above_their_floors(assistant_for, name: str) -> None:
    report = evaluate(load_testset(TESTSETS / f"{name}.jsonl"), assistant_for(name).ask_json, progress=False)
    failures = gate_failures(report["totals"], load_floors(TESTSETS / f"floors-{name}.json"))
    assert not failures, "\n".join(failures)
