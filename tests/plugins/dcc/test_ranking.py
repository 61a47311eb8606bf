"""Aggregation (mean, z-score per judge), zero spread, and the published tie-break."""

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.dcc.ranking import CriterionSpec, judge_total, rank_entries, zscores

CRIT = [CriterionSpec(id=10, position=1, weight=3, min_score=0, max_score=10),
        CriterionSpec(id=20, position=2, weight=1, min_score=1, max_score=5)]
T0 = datetime(2026, 1, 1)


def sheet(a, b):
    return {10: a, 20: b}


def test_judge_total_scales_each_criterion_to_its_range_and_weights_it():
    # 100 * (3 * 8/10 + 1 * (4-1)/(5-1)) / 4 = 100 * (2.4 + 0.75) / 4 = 78.75
    assert judge_total(CRIT, sheet(8, 4)) == pytest.approx(78.75)
    assert judge_total(CRIT, sheet(0, 1)) == 0
    assert judge_total(CRIT, sheet(10, 5)) == 100


def test_mean_ranking_recomputed_by_hand():
    submitted = {1: T0, 2: T0, 3: T0}
    sheets = {(1, 100): sheet(8, 4), (1, 200): sheet(6, 2),    # 78.75, 51.25 -> 65.0
              (2, 100): sheet(10, 5), (2, 200): sheet(2, 1),   # 100, 15 -> 57.5
              (3, 100): sheet(5, 3)}                           # 50.0 (one judge)
    ranked = rank_entries(CRIT, submitted, sheets, "mean")
    assert [(r.entry_id, r.rank) for r in ranked] == [(1, 1), (2, 2), (3, 3)]
    assert [round(r.score, 4) for r in ranked] == [65.0, 57.5, 50.0]


def test_zscore_normalises_each_judge_and_a_flat_judge_gives_zero():
    assert zscores({1: 50.0, 2: 50.0, 3: 50.0}) == {1: 0.0, 2: 0.0, 3: 0.0}
    assert zscores({7: 12.5}) == {7: 0.0}  # a judge of one entry has no spread either
    z = zscores({1: 10.0, 2: 20.0, 3: 30.0})
    assert z[1] == pytest.approx(-1.224744871) and z[2] == 0 and z[3] == pytest.approx(1.224744871)


def test_zscore_a_harsh_judge_does_not_sink_their_entries():
    # Judge 100 scores everything low, judge 200 high; each judge sees different entries.
    submitted = {1: T0, 2: T0, 3: T0, 4: T0}
    sheets = {(1, 100): sheet(2, 1), (2, 100): sheet(1, 1),
              (3, 200): sheet(10, 5), (4, 200): sheet(9, 5)}
    by_mean = [r.entry_id for r in rank_entries(CRIT, submitted, sheets, "mean")]
    by_z = rank_entries(CRIT, submitted, sheets, "zscore")
    assert by_mean == [3, 4, 1, 2]
    # z: both judges' better entry gets +1, worse -1; the tie 1/3 goes to criterion 1 (10 > 2).
    assert [(r.entry_id, round(r.score, 6)) for r in by_z] == [(3, 1.0), (1, 1.0), (4, -1.0),
                                                                (2, -1.0)]


def test_flat_judge_in_zscore_leaves_the_other_judges_order():
    submitted = {1: T0, 2: T0, 3: T0}
    sheets = {(1, 100): sheet(9, 5), (2, 100): sheet(5, 3), (3, 100): sheet(1, 1),
              (1, 200): sheet(5, 3), (2, 200): sheet(5, 3), (3, 200): sheet(5, 3)}
    ranked = rank_entries(CRIT, submitted, sheets, "zscore")
    assert [r.entry_id for r in ranked] == [1, 2, 3]


def test_tie_break_criterion_order_then_submission_time_then_entry_id():
    crit = [CriterionSpec(1, 1, 1, 0, 10), CriterionSpec(2, 2, 1, 0, 10)]
    later = datetime(2026, 1, 2)
    submitted = {5: later, 6: T0, 7: later, 8: later}
    sheets = {(5, 1): {1: 8, 2: 2}, (6, 1): {1: 2, 2: 8},   # equal totals (50)
              (7, 1): {1: 2, 2: 8}, (8, 1): {1: 2, 2: 8}}
    ranked = rank_entries(crit, submitted, sheets)
    # 5 wins on criterion 1; 6 submitted earlier than 7 and 8; 7 before 8 by entry id.
    assert [r.entry_id for r in ranked] == [5, 6, 7, 8]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]


def test_entries_without_a_complete_sheet_or_submission_are_not_ranked():
    ranked = rank_entries(CRIT, {1: T0}, {(1, 1): sheet(5, 3), (2, 1): sheet(9, 5)})
    assert [r.entry_id for r in ranked] == [1]


values = st.integers(min_value=0, max_value=10)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(1, 6), st.integers(1, 3)),
                       st.tuples(values, st.integers(1, 5)), min_size=1),
       st.sampled_from(["mean", "zscore"]))
def test_ranking_is_a_strict_order_independent_of_input_order(raw, method):
    sheets = {k: sheet(*v) for k, v in raw.items()}
    submitted = {e: T0 for e, _ in sheets}
    a = rank_entries(CRIT, submitted, sheets, method)
    b = rank_entries(CRIT, dict(reversed(submitted.items())),
                     dict(reversed(sheets.items())), method)
    assert [r.entry_id for r in a] == [r.entry_id for r in b]
    assert [r.rank for r in a] == list(range(1, len(submitted) + 1))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(1, 8), st.tuples(values, st.integers(1, 5)), min_size=2),
       st.tuples(values, st.integers(1, 5)))
def test_a_flat_judge_never_changes_the_zscore_order(by_entry, flat):
    """Judge 2 gives every entry the same sheet: z = 0 everywhere, so the order is judge 1's."""
    submitted = {e: T0 for e in by_entry}
    alone = {(e, 1): sheet(*v) for e, v in by_entry.items()}
    with_flat = {**alone, **{(e, 2): sheet(*flat) for e in by_entry}}
    a = rank_entries(CRIT, submitted, alone, "zscore")
    b = rank_entries(CRIT, submitted, with_flat, "zscore")
    assert [r.entry_id for r in a] == [r.entry_id for r in b]
