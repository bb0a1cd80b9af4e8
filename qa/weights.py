"""Every scoring weight of the answering stages, in one frozen, documented place.

A sentence's score is its term coverage (0..1, :mod:`qa.match`) plus small
bonuses and penalties for features a linguist can name: does it hold a figure
when a figure is asked, is it a plan where an actual is asked, is it about
Xicheng, how high did retrieval rank it.  The bonuses are small against
coverage on purpose: they break ties between sentences that cover the question
about equally, and never make an off-topic sentence win.

Each field has a one-line reason.  The values were first set by hand;
``python -m evaluation.sweep WEIGHT v1 v2 …`` prints the accuracy curve of one
weight over the tuning sets (dev, project, blind tune), so a change is chosen by
that curve, never by one question.  The curves measured so far are in the
README's "Weights" section; where a curve was flat the value was kept, where
zero was as good or better the feature was removed (the sentence-level figure
bonus: a figure is checked in the answer window instead).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    # --- fusion (qa.retrieve, weighted RRF)
    keyword_weight: float = 1.0  # BM25 over bigrams finds the report's exact terms
    dense_weight: float = 1.0  # the embedding finds paraphrases; see the sweep table in the README
    kept_per_retriever: int = 2  # each retriever's own top 2 always reach the fused list (sweep: 0 and 2 equal on the tuning sets)
    # --- sentence choice (qa.extract): added to the sentence's coverage
    rank_prior: float = 0.04  # / retrieval rank: only breaks ties between equally covering sentences
    enumeration_bonus: float = 0.15  # a list question wants a sentence with 、-joined items
    no_enumeration_penalty: float = 0.1  # … and a sentence without them lists nothing
    # the enumeration whose subject is the asked noun ("三大系列活动分别是…"), not a neighbouring one of the
    # same length or one that names the noun as an item; sweep: 0 -> project 0.930, blind_tune 0.937; 0.15-0.5
    # -> 0.939, 0.944 (flat): the middle of the plateau.  The same bonus goes to the sentence defining a
    # definition question's noun ("“两配套”是指…", not the whole "一核心、四街区、两配套"): no set changed
    list_noun_bonus: float = 0.3
    # "五年…一共多少": a period total of a review of as many years; sweep: 0 -> blind_tune 0.944, 0.15-0.5 -> 0.952,
    # other tuning sets flat: the middle of the plateau
    span_bonus: float = 0.3
    list_count_bonus: float = 0.1  # "哪四个": an enumeration of exactly that many items (no change on the tuning sets at 0-0.2)
    definition_bonus: float = 0.08  # "是指/即" sentences answer "是什么意思"
    plan_bonus_prose: float = 0.2  # a plan question is answered by a plan sentence of the report itself
    plan_bonus_table: float = 0.15  # … a task table restating the plan comes second
    actual_bonus: float = 0.2  # an "实际/完成了" question is answered by a non-plan sentence
    neutral_actual_bonus: float = 0.1  # with no stated intent, a result is likelier asked than a target
    neutral_plan_penalty: float = 0.1  # … and a target is no answer where a result may be meant
    home_bonus: float = 0.04  # questions are about Xicheng: prefer "全区/西城" figures
    elsewhere_penalty: float = 0.15  # a Beijing-wide figure is not Xicheng's, unless asked
    rescore_sentences: int = 5  # best sentences whose answer windows are compared
    window_without_figure_penalty: float = 0.3  # final choice: a number answer whose window lost its figure
    window_period_figure_penalty: float = 0.3  # … or gives a period's total or average where one year's is asked
    # --- answer window inside a sentence (qa.extract)
    window_max_clauses: int = 3  # an answer is 1-3 clauses: a figure with its subject and qualifiers
    window_clause_penalty: float = 0.03  # per extra clause: the shortest window that covers wins
    window_figure_last_bonus: float = 0.05  # a number window should end on its figure
    window_no_figure_penalty: float = 0.5  # a number window without a figure is no answer
    window_no_enumeration_penalty: float = 0.2  # a list window without 、 lists nothing
    # a window opening on "其中" gives a part of the clause before it ("新引进金融机构46家，其中法人金融机构12家"):
    # a tie-break only (below one term's coverage), so a question naming the part still gets it
    window_part_penalty: float = 0.02
    # --- task table (qa.extract)
    table_text_discount: float = 0.9  # a row matched through its status text, not its task, counts a bit less
    table_rank_prior: float = 0.02  # / retrieval rank, tie-break among rows
    status_coverage_weight: float = 2.0  # a status statement about the asked part of the task …
    status_failure_marker: float = 1.0  # … and one that says it failed must be shown
    status_progress_marker: float = 0.5  # … then one that says done / ongoing
    status_figure_marker: float = 0.25  # … and one with a figure: how much was done is the key clause (issue 25)
    status_max_chars: int = 120  # two status statements are quoted only if together this short
    # --- coverage (qa.match)
    spread_weight: float = 0.7  # a phrase's words gathered from neighbouring clauses count this much
    unknown_gram_idf_share: float = 0.35  # a bigram the reports never use is mostly a seam between words
    # --- display order of passages (qa.rerank)
    display_rank_prior: float = 0.05  # / fused rank, breaks near ties in term coverage

    def replace(self, **changes: float) -> Weights:
        return dataclasses.replace(self, **changes)


DEFAULT = Weights()
