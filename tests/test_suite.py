"""evaluation.suite: every set in one run, accuracy by type and form, and history invariance on the real assistant."""

from __future__ import annotations

import pytest

from evaluation.suite import by_form_table, by_type_table, history_invariance, run_suite

pytestmark = pytest.mark.slow


def test_self_contained_questions_keep_their_answers_after_unrelated_turns(assistant) -> None:
    results = run_suite({"dev_qa": assistant, "followup_tune": assistant}, ["dev_qa", "followup_tune"], ["hybrid"])
    invariance = history_invariance(assistant, results["hybrid"], draws=1)
    dev = invariance["dev_qa"]
    assert dev["n"] == 40 and dev["identical"] == 1.0, dev["differences"]
    follow = invariance["followup_tune"]
    with_history = sum(bool(r["history"]) for r in results["hybrid"]["followup_tune"]["items"])
    assert follow["n"] == 41 - with_history  # follow-ups are not self-contained: never asked without their history
    assert "| number |" in by_type_table(results, "hybrid")
    forms = by_form_table(results, "hybrid")
    assert "| pronoun |" in forms and "dev_qa" not in forms.splitlines()[0]  # dev_qa says no forms
