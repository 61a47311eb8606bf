"""Bulk issue of certificates, end to end: database rows, numbers, codes, the batch PDF and
every certificate's stored PDF. Prints ms per certificate and the peak memory of batches
of 200 and 1,000 (each batch in a fresh process, so the peaks do not mix).

    .venv/bin/python bench/training.py                 # SQLite in a temporary folder
    CTC_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ctc_training_bench \
        .venv/bin/python bench/training.py            # PostgreSQL (database must exist)

Options: --sizes 200,1000 (batches measured), --repeat 3 (timed runs of the first size),
--tracemalloc (also measure Python allocations' peak: slower runs).
Never asserts: it prints figures and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from machine import describe  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> str:
    return describe()


def make_app(db_url: str):
    from core import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench-" + "x" * 40,
                       "TESTING": True, "RATELIMIT_ENABLED": False})


def prepare(app, n: int, tag: str):
    """A center, a course and a cohort of ``n`` trainees who all completed it."""
    import sqlalchemy as sa

    from core import services as core_services
    from core.auth.permissions import sync_builtin_roles
    from core.extensions import db
    from plugins.training import services
    from plugins.training.models import Attendance, ClassSession, Enrolment, Score, Trainee

    center = core_services.create_center(code=f"B{tag}", name_en=f"Bench center {tag}",
                                         name_km="មជ្ឈមណ្ឌលសាកល្បង", province_code="12")
    course = services.save_course(db.session, center, code="DL101",
                                  title_en="Digital literacy for beginners",
                                  title_km="អក្ខរកម្មឌីជីថលសម្រាប់អ្នកចាប់ផ្តើម", hours=20,
                                  min_attendance_pct=80, min_score_pct=50)
    start = date.today() - timedelta(days=10)
    # Certificates name the trainer: a cohort without one is refused by bulk_issue().
    sync_builtin_roles()
    trainer = core_services.create_user(username=f"bench-trainer-{tag}".lower(),
                                        password="bench-password", full_name="Keo Vannak")
    core_services.grant_role(trainer, center, "trainer")
    cohort = services.save_cohort(db.session, center, course_id=course.id, name="Bench",
                                  room="computer_lab", start_date=start,
                                  end_date=start + timedelta(days=4), capacity=n,
                                  status="running", trainer_ids=[trainer.id])
    names = ["ស្រីស្រស់ ក្សត្រិយ៍", "សុខ ដារា", "ចាន់ សុភា", "ហេង វិចិត្រ"]
    db.session.execute(sa.insert(Trainee), [
        {"center_id": center.id, "name_km": f"{names[i % 4]} {i}", "name_en": f"Trainee {i}",
         "sex": "female" if i % 2 else "male", "age_group": "15_24",
         "phone": f"+8551{2000000 + i:07d}", "national_id": "", "occupation": "student",
         "school": "", "grade": ""} for i in range(n)])
    ids = db.session.execute(sa.select(Trainee.id).where(
        Trainee.center_id == center.id)).scalars().all()
    db.session.execute(sa.insert(Enrolment), [
        {"center_id": center.id, "cohort_id": cohort.id, "trainee_id": t,
         "status": "enrolled"} for t in ids])
    enrolments = db.session.execute(sa.select(Enrolment.id).where(
        Enrolment.cohort_id == cohort.id)).scalars().all()
    for d in range(5):
        s = ClassSession(center_id=center.id, cohort_id=cohort.id, day=start + timedelta(days=d))
        db.session.add(s)
        db.session.flush()
        db.session.execute(sa.insert(Attendance), [
            {"center_id": center.id, "session_id": s.id, "enrolment_id": e, "present": True}
            for e in enrolments])
    exam = services.add_assessment(db.session, cohort, title="Final", max_score=100)
    db.session.execute(sa.insert(Score), [
        {"center_id": center.id, "assessment_id": exam.id, "enrolment_id": e, "points": 80}
        for e in enrolments])
    db.session.commit()
    return center, cohort


def issue_all(app, center, cohort) -> int:
    """What the bulk-issue job does: issue, commit, render, store, commit."""
    from core.extensions import db
    from plugins.training import certificates, rendering

    result = certificates.bulk_issue(db.session, center, cohort)
    db.session.commit()
    issued = certificates.batch_certificates(db.session, result.batch)
    certificates.announce(center, issued)
    rendering.render_batch_for(db.session, result.batch, issued,
                               base_url="https://ctc.example.org/")
    result.batch.status = "done"
    db.session.commit()
    db.session.expunge_all()  # keep the session from holding every PDF
    return len(issued)


def one_run(db_url: str, n: int, tag: str, trace: bool) -> dict:
    app = make_app(db_url)
    with app.app_context():
        center, cohort = prepare(app, n, tag)
        # Warm up: fonts, stylesheets and templates are loaded once per process.
        from plugins.training import rendering
        from plugins.training.models import Certificate

        warm = Certificate(number="W", code="W", holder_name_km="ក", holder_name_en="W",
                           issued_on=date.today(), cohort=cohort, course=cohort.course,
                           center=center)
        rendering.render_chunked([warm, warm], base_url="https://ctc.example.org/")
        from core.extensions import db

        db.session.expunge(warm) if warm in db.session else None
        if trace:
            tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        issued = issue_all(app, center, cohort)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
    return {"n": issued, "seconds": elapsed, "ms_per_cert": 1000 * elapsed / max(issued, 1),
            "cpu_ms_per_cert": 1000 * cpu / max(issued, 1),
            "traced_peak_mb": peak / 2**20,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def fresh_database() -> str:
    url = os.environ.get("CTC_BENCH_DATABASE_URL")
    if url:
        return url
    folder = tempfile.mkdtemp(prefix="ctc-bench-training-")
    return "sqlite:///" + str(Path(folder) / "bench.sqlite3")


def migrate(db_url: str) -> None:
    import flask_migrate
    import sqlalchemy as sa

    from core.extensions import db

    app = make_app(db_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade(revision="heads")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one measured batch in this process: "url|n|tag|trace"
        url, n, tag, trace = args.child.split("|")
        print(json.dumps(one_run(url, int(n), tag, trace == "1")))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    url = fresh_database()
    migrate(url)
    print(f"machine: {machine()}")
    print(f"database: {url.split('@')[-1] if '@' in url else url.split(':')[0]}")

    def child(n, tag, trace):
        out = subprocess.run([sys.executable, __file__, "--child", f"{url}|{n}|{tag}|{trace}"],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        return json.loads(out.stdout.strip().splitlines()[-1])

    runs = [child(sizes[0], f"T{i}", "0") for i in range(max(args.repeat - 1, 0))]
    first = child(sizes[0], "M0", "0")
    runs.append(first)
    best = min(r["ms_per_cert"] for r in runs)
    each = ", ".join(f"{r['ms_per_cert']:.1f}" for r in runs)
    cpu = min(r["cpu_ms_per_cert"] for r in runs)
    print(f"bulk issue of {sizes[0]} certificates (DB + batch PDF + stored single PDFs): "
          f"{each} ms per certificate wall clock (best {best:.1f}; target <= 20); "
          f"CPU time of the process {cpu:.1f} ms per certificate")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other processes competing for the CPU inflate the times)")
    for i, n in enumerate(sizes):
        r = first if i == 0 else child(n, f"M{i}", "0")
        line = (f"batch of {n:>5}: {r['seconds']:.2f} s ({r['ms_per_cert']:.1f} ms/cert wall, "
                f"{r['cpu_ms_per_cert']:.1f} ms/cert CPU), "
                f"peak RSS {r['maxrss_mb']:.0f} MB")
        if args.tracemalloc:
            t = child(n, f"P{i}", "1")
            line += f", tracemalloc peak {t['traced_peak_mb']:.1f} MB"
        print(line, flush=True)


if __name__ == "__main__":
    main()
