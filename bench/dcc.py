"""DCC benchmarks: directory search over 10,000 members; ranking 500 entries x 5 judges.

Run: ``.venv/bin/python bench/dcc.py`` (SQLite in a temporary folder). For PostgreSQL set
``CTC_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ctc_dcc_bench`` (an empty
database you created; its tables are dropped and migrated). Prints figures, asserts nothing.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from machine import describe  # bench/machine.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MEMBERS = 10_000
ENTRIES = 500
JUDGES = 5
REPEAT = 40


def machine() -> str:
    return describe()


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def make_app():
    import flask_migrate
    import sqlalchemy as sa

    from core import create_app
    from core.extensions import db

    url = os.environ.get("CTC_BENCH_DATABASE_URL") or (
        "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.sqlite3"))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-long-enough-123",
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if url.startswith("postgres"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade(revision="heads")
    return app, url.split(":", 1)[0]


def seed_members(rng):
    from core.extensions import db
    from core.tenancy import PROVINCES
    from plugins.dcc.models import CATEGORIES, VISIBLE_FIELDS, Member, MemberSkill, Skill

    skills = [Skill(code=f"S{i:02d}", name_en=f"Skill {i}") for i in range(30)]
    db.session.add_all(skills)
    db.session.flush()
    provinces = list(PROVINCES)
    rows = []
    for i in range(MEMBERS):
        vis = {f: rng.choice(("public", "members", "private")) for f in VISIBLE_FIELDS}
        rows.append({"token": f"t{i:08d}", "status": "approved", "listed": rng.random() < 0.8,
                     "name_en": f"Member {i}", "name_km": f"សមាជិក {i}",
                     "province_code": rng.choice(provinces), "category": rng.choice(CATEGORIES),
                     "visibility": vis, "email": f"m{i}@example.com", "phone": "",
                     "sex": "", "organisation_name": "", "job_title": "Engineer",
                     "experience": "", "education": "", "links": "", "national_id": "",
                     "rejection_reason": "", "pending_password_hash": ""})
    db.session.execute(db.insert(Member), rows)
    ids = db.session.execute(db.select(Member.id)).scalars().all()
    skill_rows = []
    for mid in ids:
        for skill in rng.sample(skills, 3):
            skill_rows.append({"member_id": mid, "skill_id": skill.id, "level": rng.randint(1, 7)})
    db.session.execute(db.insert(MemberSkill), skill_rows)
    db.session.commit()
    return [s.id for s in skills], provinces


def bench_directory(rng, skills, provinces):
    from core.extensions import db
    from plugins.dcc import directory

    queries = {
        "no filter": lambda: {},
        "province": lambda: {"province": rng.choice(provinces)},
        "category": lambda: {"category": "student"},
        "skill + level>=5": lambda: {"skill_id": rng.choice(skills), "min_level": 5},
        "name text": lambda: {"text": f"Member {rng.randint(1, 999)}"},
        "all filters": lambda: {"province": rng.choice(provinces), "category": "academic",
                                "skill_id": rng.choice(skills), "min_level": 3},
    }
    print(f"Directory search over {MEMBERS} members (page of 50, {REPEAT} runs each):")
    for level in ("public", "members"):
        for name, make in queries.items():
            times = []
            for _ in range(REPEAT):
                filters = make()
                db.session.expunge_all()
                t0 = time.perf_counter()
                directory.search(db.session, level=level, **filters)
                times.append((time.perf_counter() - t0) * 1000)
            print(f"  {level:<7} {name:<18} p50 {statistics.median(times):7.1f} ms"
                  f"   p95 {percentile(times, 95):7.1f} ms")


def bench_ranking(rng):
    from plugins.dcc.ranking import CriterionSpec, rank_entries

    criteria = [CriterionSpec(i, i, w, 0, 10) for i, w in enumerate((3, 2, 1, 1), start=1)]
    t0 = datetime(2026, 1, 1)
    submitted = {e: t0 + timedelta(seconds=rng.randint(0, 10_000)) for e in range(1, ENTRIES + 1)}
    sheets = {(e, j): {c.id: rng.randint(0, 10) for c in criteria}
              for e in submitted for j in range(1, JUDGES + 1)}
    print(f"Ranking {ENTRIES} entries x {JUDGES} judges x {len(criteria)} criteria "
          f"(pure function, {REPEAT} runs):")
    for method in ("mean", "zscore"):
        times = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            rank_entries(criteria, submitted, sheets, method)
            times.append((time.perf_counter() - start) * 1000)
        print(f"  {method:<7} p50 {statistics.median(times):7.1f} ms   p95 {percentile(times, 95):7.1f} ms")
    return criteria, submitted, sheets


def bench_ranking_db(rng):
    """The same through the database: the query the freeze and the admin page run."""
    from core import services
    from core.extensions import db
    from core.tenancy import utcnow
    from plugins.dcc import competitions as comp
    from plugins.dcc.competition_models import (
        Competition,
        Entry,
        EntryMember,
        JudgeAssignment,
        Score,
        Submission,
    )
    from plugins.dcc.models import Member

    now = utcnow()
    c = Competition(slug="bench", title_en="Bench", registration_opens_at=now,
                    registration_closes_at=now + timedelta(days=1), submission_opens_at=now,
                    submission_closes_at=now + timedelta(days=1))
    comp.save_competition(db.session, c)
    for i, w in enumerate((3, 2, 1, 1)):
        comp.add_criterion(db.session, c, name_en=f"C{i}", weight=w)
    judges = [services.create_user(username=f"bench-judge-{j}", password="bench-password-1")
              for j in range(JUDGES)]
    member_ids = db.session.execute(db.select(Member.id).limit(ENTRIES)).scalars().all()
    db.session.execute(db.insert(Entry), [{"competition_id": c.id, "lead_member_id": m,
                                           "team_name": "", "status": "active",
                                           "disqualified_reason": "", "created_at": now}
                                          for m in member_ids])
    entries = db.session.execute(db.select(Entry.id, Entry.lead_member_id).where(
        Entry.competition_id == c.id)).all()
    db.session.execute(db.insert(EntryMember), [{"entry_id": e, "competition_id": c.id,
                                                 "member_id": m} for e, m in entries])
    db.session.execute(db.insert(Submission), [
        {"entry_id": e, "kind": "link", "url": "https://example.com", "stored_name": "",
         "original_name": "", "size_bytes": 0, "submitted_at": now} for e, _ in entries])
    db.session.execute(db.insert(JudgeAssignment), [
        {"competition_id": c.id, "entry_id": e, "judge_user_id": j.id, "recused": False,
         "recusal_reason": "", "recused_automatically": False} for e, _ in entries for j in judges])
    assignments = db.session.execute(db.select(JudgeAssignment.id).where(
        JudgeAssignment.competition_id == c.id)).scalars().all()
    db.session.execute(db.insert(Score), [
        {"assignment_id": a, "criterion_id": cr.id, "value": rng.randint(0, 10)}
        for a in assignments for cr in c.criteria])
    competition_id = c.id
    db.session.commit()
    times = []
    for _ in range(5):
        db.session.expunge_all()
        c = db.session.get(Competition, competition_id)
        start = time.perf_counter()
        comp.ranking(db.session, c)
        times.append((time.perf_counter() - start) * 1000)
    print(f"Ranking {ENTRIES} entries x {JUDGES} judges from the database (5 runs): "
          f"p50 {statistics.median(times):.1f} ms   max {max(times):.1f} ms")


def main() -> None:
    rng = random.Random(7)
    app, backend = make_app()
    print(f"Machine: {machine()}")
    print(f"Database: {backend}")
    with app.app_context():
        start = time.perf_counter()
        skills, provinces = seed_members(rng)
        print(f"Seeded {MEMBERS} members in {time.perf_counter() - start:.1f} s")
        bench_directory(rng, skills, provinces)
        bench_ranking(rng)
        bench_ranking_db(rng)


if __name__ == "__main__":
    main()
