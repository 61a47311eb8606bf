"""core/sequences.py: gapless numbers per center, series and year, under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from core.extensions import db
from core.sequences import NationalSequence, Sequence, allocate, allocate_int, center_date
from core.tenancy import Center
from tests.conftest import ON_POSTGRES


def _center(app, factory, code="PP-01"):
    center_id = factory.center(code)
    return center_id


def test_pattern_and_counting(app, factory):
    center_id = _center(app, factory)
    with app.app_context():
        center = db.session.get(Center, center_id)
        day = date(2026, 5, 1)
        assert allocate(db.session, center, "receipt", on=day) == "PP-01-2026-000001"
        assert allocate(db.session, center, "receipt", on=day) == "PP-01-2026-000002"
        assert allocate(db.session, center, "cert", on=day,
                        pattern="{series}/{center}/{year}/{n}") == "cert/PP-01/2026/1"
        assert allocate_int(db.session, center, "receipt", on=day) == 3
        db.session.commit()
        row = db.session.execute(
            db.select(Sequence).where(Sequence.series == "receipt")).scalar_one()
        assert (row.center_id, row.year, row.next_value) == (center_id, 2026, 4)


def test_each_year_starts_again_at_one(app, factory):
    center_id = _center(app, factory)
    with app.app_context():
        center = db.session.get(Center, center_id)
        year_end = date(2026, 12, 31)
        assert [allocate_int(db.session, center, "r", on=year_end) for _ in range(2)] == [1, 2]
        assert allocate_int(db.session, center, "r", on=date(2027, 1, 1)) == 1
        assert allocate_int(db.session, center, "r", on=date(2026, 6, 1)) == 3
        # not per year: one counter for ever, the pattern may still print the year
        assert allocate(db.session, center, "tag", per_year=False, on=date(2026, 1, 1),
                        pattern="{n:04d}") == "0001"
        assert allocate(db.session, center, "tag", per_year=False, on=date(2030, 1, 1),
                        pattern="{year}-{n:04d}") == "2030-0002"
        db.session.commit()


def test_the_year_is_the_centers(app, factory):
    center_id = _center(app, factory)
    with app.app_context():
        center = db.session.get(Center, center_id)
        # 18:00 UTC on 31 December is 01:00 on 1 January in Phnom Penh (UTC+7)
        new_year = datetime(2025, 12, 31, 18, 0)
        assert center_date(center, new_year) == date(2026, 1, 1)
        assert center_date(center, new_year.replace(tzinfo=UTC)) == date(2026, 1, 1)
        assert center_date(center, datetime(2025, 12, 31, 16, 59)) == date(2025, 12, 31)
        assert allocate(db.session, center, "r", on=new_year) == "PP-01-2026-000001"
        db.session.rollback()


def test_centers_count_independently(app, factory):
    a, b = _center(app, factory, "PP-01"), _center(app, factory, "SR-02")
    with app.app_context():
        ca, cb = db.session.get(Center, a), db.session.get(Center, b)
        day = date(2026, 1, 1)
        assert allocate(db.session, ca, "r", on=day) == "PP-01-2026-000001"
        assert allocate(db.session, cb, "r", on=day) == "SR-02-2026-000001"
        assert allocate(db.session, ca, "r", on=day) == "PP-01-2026-000002"
        db.session.commit()


def test_a_rolled_back_transaction_uses_up_no_number(app, factory):
    center_id = _center(app, factory)
    with app.app_context():
        center = db.session.get(Center, center_id)
        assert allocate_int(db.session, center, "r") == 1
        db.session.commit()
        assert allocate_int(db.session, center, "r") == 2
        db.session.rollback()  # the receipt was never saved
        assert allocate_int(db.session, center, "r") == 2
        db.session.commit()
        # also when the counter row itself was created in the rolled-back transaction
        assert allocate_int(db.session, center, "new") == 1
        db.session.rollback()
        assert allocate_int(db.session, center, "new") == 1
        db.session.commit()


def test_bad_pattern_or_series_is_refused_before_a_number_is_used(app, factory):
    center_id = _center(app, factory)
    with app.app_context():
        center = db.session.get(Center, center_id)
        with pytest.raises(ValueError, match="bad sequence pattern"):
            allocate(db.session, center, "r", pattern="{center}-{nope}")
        with pytest.raises(ValueError):
            allocate_int(db.session, center, "")
        assert allocate_int(db.session, center, "r") == 1
        db.session.rollback()


def _hammer(app, center_id: int | None, workers: int, per_worker: int, series: str) -> list[int]:
    """``workers`` threads, each with its own app context and session, allocate and commit."""
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def work():
        try:
            with app.app_context():
                center = None  # a national series
                if center_id is not None:
                    row = db.session.get(Center, center_id)
                    # a plain snapshot: an ORM Center expires on every commit and reloads
                    center = SimpleNamespace(id=row.id, code=row.code, timezone=row.timezone)
                db.session.commit()
                start.wait()
                mine = []
                for _ in range(per_worker):
                    mine.append(allocate_int(db.session, center, series))
                    db.session.commit()
                with lock:
                    got.extend(mine)
                db.session.remove()
        except BaseException as exc:  # reported below; a thread's exception is lost otherwise
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return got


def test_concurrent_allocation_on_sqlite(make_app, factory):
    app = factory.app
    center_id = factory.center("PP-01")
    got = _hammer(app, center_id, workers=4, per_worker=50, series="sqlite")
    assert sorted(got) == list(range(1, 201))


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CTC_TEST_DATABASE_URL)")
def test_2000_numbers_from_16_workers_on_postgres(make_app):
    from tests.conftest import Factory

    # Durability is not under test: skip the WAL flush per commit, keep every lock.
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={
        "pool_size": 20, "max_overflow": 0,
        "connect_args": {"options": "-c synchronous_commit=off"},
    })
    center_id = Factory(app).center("PP-01")
    got = _hammer(app, center_id, workers=16, per_worker=125, series="pg")
    assert len(got) == 2000
    assert sorted(got) == list(range(1, 2001))  # no gap, no duplicate
    with app.app_context():
        row = db.session.execute(db.select(Sequence).where(Sequence.series == "pg")).scalar_one()
        assert row.next_value == 2001


def test_national_series_count_apart_from_every_center(app, factory):
    center_id = _center(app, factory)
    with app.app_context():
        center = db.session.get(Center, center_id)
        day = date(2026, 5, 1)
        assert allocate(db.session, None, "dcc", pattern="DCC-{year}-{n:06d}",
                        on=day) == "DCC-2026-000001"
        assert allocate(db.session, center, "dcc", on=day) == "PP-01-2026-000001"
        assert allocate_int(db.session, None, "dcc", on=day) == 2
        assert allocate_int(db.session, None, "dcc", on=date(2027, 1, 1)) == 1
        # the year is the app's (CTC_TIMEZONE, Asia/Phnom_Penh): 18:00 UTC on 31 December
        assert allocate(db.session, None, "dcc", pattern="{year}-{n}",
                        on=datetime(2026, 12, 31, 18, 0)) == "2027-2"
        with pytest.raises(ValueError):  # a national series has no center to print
            allocate(db.session, None, "dcc", pattern="{center}-{n}")
        db.session.commit()
        rows = db.session.execute(db.select(NationalSequence).order_by(
            NationalSequence.year)).scalars().all()
        assert [(r.series, r.year, r.next_value) for r in rows] == [
            ("dcc", 2026, 3), ("dcc", 2027, 3)]
        allocate_int(db.session, None, "dcc", on=day)
        db.session.rollback()  # a rolled-back number is handed out again
        assert allocate_int(db.session, None, "dcc", on=day) == 3
        db.session.rollback()


def test_concurrent_national_allocation_on_sqlite(make_app, factory):
    got = _hammer(factory.app, None, workers=4, per_worker=25, series="national")
    assert sorted(got) == list(range(1, 101))


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CTC_TEST_DATABASE_URL)")
def test_national_numbers_from_8_workers_on_postgres(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={
        "pool_size": 10, "max_overflow": 0,
        "connect_args": {"options": "-c synchronous_commit=off"},
    })
    got = _hammer(app, None, workers=8, per_worker=50, series="pg-national")
    assert sorted(got) == list(range(1, 401))  # no gap, no duplicate
