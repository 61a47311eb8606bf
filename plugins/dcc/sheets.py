"""Score sheets: every number the ranking is computed from, so it can be redone by hand.

One line per entry and judge: the judge's raw score on every criterion, the judge's weighted
total (:func:`plugins.dcc.ranking.judge_total`), the judge's z-score when the competition
aggregates by z-score, and the entry's final score and rank. Before the freeze the lines are
the live ranking's inputs (active entries with a submission, complete sheets of judges who are
not recused); after it, the entries the frozen ranking holds (a later disqualification keeps
its numbers: the scores were standardised with it) with the stored score and current rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.exports import to_csv
from core.extensions import db
from plugins.dcc.competition_models import (
    Competition,
    Criterion,
    Entry,
    JudgeAssignment,
    Score,
    Submission,
)
from plugins.dcc.competitions import ranking
from plugins.dcc.ranking import CriterionSpec, judge_total, zscores
from plugins.dcc.results import result_rows


@dataclass
class SheetLine:
    entry_id: int
    judge_id: int
    scores: tuple[int, ...]  # in the rubric's order
    total: float
    z: float | None
    final: str  # the entry's final score as stored ("%.6f"), or live
    rank: int | None


def _criteria(c: Competition) -> list[Criterion]:
    return sorted(c.criteria, key=lambda x: (x.position, x.id))


def score_lines(session, c: Competition) -> list[SheetLine]:
    """The sheet's lines, by rank (unranked last), then entry, then judge."""
    criteria = _criteria(c)
    specs = [CriterionSpec(x.id, x.position, x.weight, x.min_score, x.max_score)
             for x in criteria]
    frozen = result_rows(session, c)
    if frozen:
        entry_ids = {r.entry_id for r in frozen}
        final = {r.entry_id: (r.score, r.rank) for r in frozen}
    else:
        entry_ids = set(session.execute(
            db.select(Submission.entry_id).join(Entry, Entry.id == Submission.entry_id)
            .where(Entry.competition_id == c.id, Entry.status == "active")).scalars())
        final = {r.entry_id: (f"{r.score:.6f}", r.rank) for r in ranking(session, c)}
    raw: dict[tuple[int, int], dict[int, int]] = {}
    for entry_id, judge_id, criterion_id, value in session.execute(
            db.select(JudgeAssignment.entry_id, JudgeAssignment.judge_user_id,
                      Score.criterion_id, Score.value)
            .join(Score, Score.assignment_id == JudgeAssignment.id)
            .where(JudgeAssignment.competition_id == c.id,
                   JudgeAssignment.recused.is_(False))):
        raw.setdefault((entry_id, judge_id), {})[criterion_id] = value
    wanted = {x.id for x in specs}
    sheets = {k: v for k, v in raw.items()
              if k[0] in entry_ids and wanted and wanted <= set(v)}
    totals: dict[int, dict[int, float]] = {}
    for (entry_id, judge_id), values in sheets.items():
        totals.setdefault(judge_id, {})[entry_id] = judge_total(specs, values)
    z = ({j: zscores(t) for j, t in totals.items()} if c.aggregation == "zscore" else {})
    lines = []
    for (entry_id, judge_id), values in sheets.items():
        score, rank = final.get(entry_id, ("", None))
        lines.append(SheetLine(
            entry_id=entry_id, judge_id=judge_id,
            scores=tuple(values[x.id] for x in specs),
            total=totals[judge_id][entry_id],
            z=z[judge_id][entry_id] if z else None, final=score, rank=rank))
    lines.sort(key=lambda x: (x.rank is None, x.rank or 0, x.entry_id, x.judge_id))
    return lines


def _number(text: str):
    """A printed figure (``"-0.523456"``) as a number, so the formula guard leaves it be."""
    return Decimal(text) if text else ""


def sheet_csv(c: Competition, lines: list[SheetLine], entry_label, judge_label,
              criterion_label) -> str:
    """The sheet as CSV; criterion columns are headed ``name [weight w, min-max]``. Names
    (entries, judges, criteria) pass through the formula guard of ``core.exports``."""
    zscore = c.aggregation == "zscore"
    rows = [["rank", "final_score", "entry_id", "entry", "judge",
             *[f"{criterion_label(x)} [weight {x.weight}, {x.min_score}-{x.max_score}]"
               for x in _criteria(c)],
             "judge_total", *(["judge_z"] if zscore else [])]]
    for line in lines:
        rows.append([line.rank if line.rank is not None else "", _number(line.final),
                     line.entry_id, entry_label(line.entry_id), judge_label(line.judge_id),
                     *line.scores, _number(f"{line.total:.6f}"),
                     *([_number(f"{line.z:.6f}")] if zscore else [])])
    return to_csv(rows)
