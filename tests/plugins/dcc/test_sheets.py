"""Score sheets: a moderator recomputes the published ranking by hand from the CSV."""

import csv
import io
import math
import re
from collections import defaultdict

import pytest

from core.extensions import db
from plugins.dcc import competitions as comp
from plugins.dcc import results
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}
# entry index -> judge index -> (criterion 1 on 0..10, criterion 2 on 1..5)
SCORES = {0: {0: (9, 2), 1: (6, 5), 2: (5, 3)},
          1: {0: (7, 4), 1: (6, 3), 2: (5, 3)},
          2: {0: (8, 1), 1: (2, 2), 2: (5, 3)},  # judge 2 gives everyone the same: sd 0
          3: {0: (3, 5), 1: (9, 1)}}             # judge 2 is recused from entry 3


@pytest.fixture
def judged(make_app, factory):
    app = make_app(RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    a, b = factory.center("SS-01"), factory.center("SS-02")
    factory.user("mod-s", center_id=a, role="moderator")
    factory.user("mod-s2", center_id=b, role="moderator")
    with app.app_context():
        sync_builtin_roles()
        c = h.competition(a, criteria=((3, 0, 10), (1, 1, 5)), prizes=(1,),
                          aggregation="zscore", blind_judging=True)
        judges = [h.judge(f"judge-s{i}", a) for i in range(3)]
        for j in judges:
            comp.add_judge(db.session, c, j)
        entries = [h.entry_with_link(c, h.member(name_en=f"Sheet Entrant {i}",
                                                  visibility={"name_en": "public"}))
                   for i in range(4)]
        index = {e.id: i for i, e in enumerate(entries)}
        jindex = {j.id: i for i, j in enumerate(judges)}
        crit = [x.id for x in c.criteria]
        for asg in comp.assign_judges(db.session, c):
            sheet = SCORES[index[asg.entry_id]].get(jindex[asg.judge_user_id])
            if sheet is None:
                comp.declare_conflict(db.session, asg, "I coached this team.")
            else:
                comp.save_scores(db.session, asg, dict(zip(crit, sheet, strict=True)))
        db.session.commit()
        ids = c.id, [e.id for e in entries]
    return app, *ids


def recompute(rows, header):
    """By hand: judge total = 100 * sum(w * (v - min) / (max - min)) / sum(w); z per judge
    (population sd, 0 when all equal); final = mean of the entry's z."""
    rubric = [tuple(map(int, re.search(r"\[weight (\d+), (\d+)-(\d+)\]", col).groups()))
              for col in header if "[weight" in col]
    first = header.index(next(col for col in header if "[weight" in col))
    totals = defaultdict(dict)
    for row in rows:
        values = [int(v) for v in row[first:first + len(rubric)]]
        pairs = zip(rubric, values, strict=True)
        total = (100 * sum(w * (v - lo) / (hi - lo) for (w, lo, hi), v in pairs)
                 / sum(w for w, _lo, _hi in rubric))
        assert math.isclose(total, float(row[header.index("judge_total")]), abs_tol=1e-6)
        totals[row[header.index("judge")]][row[header.index("entry_id")]] = total
    zs = defaultdict(list)
    for per_entry in totals.values():
        mean = sum(per_entry.values()) / len(per_entry)
        sd = math.sqrt(sum((t - mean) ** 2 for t in per_entry.values()) / len(per_entry))
        for entry, t in per_entry.items():
            zs[entry].append(0.0 if sd < 1e-9 else (t - mean) / sd)
    return {entry: f"{sum(v) / len(v):.6f}" for entry, v in zs.items()}


def test_csv_recomputes_to_the_published_scores(judged):
    app, cid, entry_ids = judged
    mod = app.test_client()
    login(mod, "mod-s")
    before = mod.get(f"/dcc/admin/competitions/{cid}/scores.csv", headers=EN)
    assert before.status_code == 200 and before.mimetype == "text/csv"
    assert b"Sheet Entrant" not in before.data and b"Entry " in before.data  # blind, live
    page = mod.get(f"/dcc/admin/competitions/{cid}", headers=EN).data.decode()
    assert 'id="score-sheets"' in page and "Sheet Entrant" not in page.split("score-sheets")[1]
    assert "Judge z-score" in page and "$1.00" in page  # prize 100 minor units, formatted
    for step in ("freeze", "publish"):
        assert mod.post(f"/dcc/admin/competitions/{cid}/{step}").status_code == 302
    with app.app_context():
        from plugins.dcc.competition_models import Competition

        published = {str(r.entry_id): (r.score, r.rank) for r in
                     results.result_rows(db.session, db.session.get(Competition, cid))}
    body = mod.get(f"/dcc/admin/competitions/{cid}/scores.csv", headers=EN).data.decode(
        "utf-8-sig")  # the sheet starts with a byte order mark, for Excel
    header, *rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 3 + 3 + 3 + 2  # entry 3's recused judge does not count
    assert b"Sheet Entrant 0" in body.encode()  # published: names again
    by_hand = recompute(rows, header)
    assert by_hand == {e: score for e, (score, _rank) in published.items()}
    for row in rows:  # every line carries its entry's published final score and rank
        score, rank = published[row[header.index("entry_id")]]
        assert row[header.index("final_score")] == score
        assert row[header.index("rank")] == str(rank)
    ranked = sorted(by_hand, key=lambda e: (-float(by_hand[e]), int(e)))
    assert [published[e][1] for e in ranked] == [1, 2, 3, 4]
    # After a disqualification the sheet keeps the frozen numbers (z used that entry).
    with app.app_context():
        from plugins.dcc.competition_models import Entry

        results.disqualify(db.session, db.session.get(Entry, entry_ids[0]), "Plagiarism")
        db.session.commit()
    after = mod.get(f"/dcc/admin/competitions/{cid}/scores.csv").data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(after)))
    assert recompute(rows, header) == by_hand
    assert {r[header.index("rank")] for r in rows if r[2] == str(entry_ids[0])} == {""}


def test_score_sheet_is_for_the_competitions_center_only(judged):
    app, cid, _entries = judged
    other = app.test_client()
    login(other, "mod-s2")
    assert other.get(f"/dcc/admin/competitions/{cid}/scores.csv").status_code == 404
    judge = app.test_client()
    login(judge, "judge-s0", h.PASSWORD)
    assert judge.get(f"/dcc/admin/competitions/{cid}/scores.csv").status_code == 403
