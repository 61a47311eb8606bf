"""Aggregating the judges' scores into a ranking: pure functions over plain data.

A judge's **total** for an entry is the weighted mean of the criterion scores, each scaled
to its range: ``100 * sum(w * (v - min) / (max - min)) / sum(w)``, so 0..100.

* ``mean``: an entry's score is the mean of its judges' totals.
* ``zscore``: each judge's totals are standardised over the entries that judge scored,
  ``z = (total - mean_j) / sd_j`` with the population standard deviation. A judge whose
  totals are all equal (``sd_j == 0``, which includes a judge who scored one entry) gives
  every entry ``z = 0``: they do not separate the entries, so they neither help nor hurt
  any of them. An entry's score is the mean of its judges' z.

Only complete score sheets (every criterion scored) of judges who are not recused count;
entries without one are not ranked. Ties are broken, in this order (the rule published
with every competition, see :data:`TIE_BREAK_EN`): the higher mean scaled score on the
first criterion, then the second, and so on in the rubric's order; then the earlier final
submission; then the lower entry number. Every entry thus gets its own rank.
Values are compared rounded to 9 decimals, so float noise never decides a tie.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

TIE_BREAK_EN = (
    "Ties are broken by the higher average score on each rubric criterion in the rubric's "
    "order, then by the earlier final submission, then by the lower entry number."
)
PRECISION = 9


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    position: int
    weight: int
    min_score: int
    max_score: int


@dataclass(frozen=True)
class Ranked:
    entry_id: int
    rank: int
    score: float
    criterion_means: tuple[float, ...]
    submitted_at: datetime | None
    judges: int


def scaled(criterion: CriterionSpec, value: int) -> float:
    span = criterion.max_score - criterion.min_score
    return (value - criterion.min_score) / span if span else 0.0


def judge_total(criteria: list[CriterionSpec], values: dict[int, int]) -> float:
    weights = sum(c.weight for c in criteria)
    if not weights:
        return 0.0
    return 100.0 * sum(c.weight * scaled(c, values[c.id]) for c in criteria) / weights


def zscores(totals: dict[int, float]) -> dict[int, float]:
    """One judge's totals (entry id -> total) standardised; zero spread gives all zeros."""
    if not totals:
        return {}
    mean = sum(totals.values()) / len(totals)
    var = sum((t - mean) ** 2 for t in totals.values()) / len(totals)
    sd = math.sqrt(var)
    if round(sd, PRECISION) == 0:
        return {e: 0.0 for e in totals}
    return {e: (t - mean) / sd for e, t in totals.items()}


def rank_entries(criteria: list[CriterionSpec], submitted: dict[int, datetime | None],
                 sheets: dict[tuple[int, int], dict[int, int]], method: str = "mean"
                 ) -> list[Ranked]:
    """Rank the entries of ``submitted`` (entry id -> final submission time).

    ``sheets`` maps (entry id, judge id) to that judge's complete scores (criterion id ->
    value); incomplete sheets must be left out by the caller.
    """
    criteria = sorted(criteria, key=lambda c: (c.position, c.id))
    by_judge: dict[int, dict[int, float]] = defaultdict(dict)
    judges_of: dict[int, list[int]] = defaultdict(list)
    for (entry_id, judge_id), values in sheets.items():
        if entry_id in submitted:
            by_judge[judge_id][entry_id] = judge_total(criteria, values)
            judges_of[entry_id].append(judge_id)
    per_entry: dict[int, list[float]] = defaultdict(list)
    for totals in by_judge.values():
        values = zscores(totals) if method == "zscore" else totals
        for entry_id, value in values.items():
            per_entry[entry_id].append(value)
    rows = []
    for entry_id, values in per_entry.items():
        score = sum(values) / len(values)
        judges = judges_of[entry_id]
        means = tuple(
            sum(scaled(c, sheets[(entry_id, j)][c.id]) for j in judges) / len(judges)
            for c in criteria
        )
        rows.append((entry_id, score, means, submitted.get(entry_id), len(values)))

    def key(row):
        entry_id, score, means, at, _n = row
        return (-round(score, PRECISION), tuple(-round(m, PRECISION) for m in means),
                at or datetime.max, entry_id)

    rows.sort(key=key)
    return [Ranked(entry_id=r[0], rank=i, score=r[1], criterion_means=r[2], submitted_at=r[3],
                   judges=r[4]) for i, r in enumerate(rows, start=1)]
