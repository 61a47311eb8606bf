"""Loans: check-out and check-in, overdue, and the database refusing a double loan."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core import clock
from core.extensions import db
from plugins.inventory import loans, services
from plugins.inventory.models import Asset, AssetEvent, Loan
from tests.conftest import ON_POSTGRES
from tests.plugins.inventory.conftest import asset_data


def _lend(center, asset, officer, due_days=7, name="Chea Sokha"):
    return loans.check_out(db.session, center, asset, borrower_kind="community",
                           borrower_name=name, borrower_contact="012 345 678",
                           due_on=clock.today(center) + timedelta(days=due_days),
                           condition_out="good", user=officer)


def test_check_out_and_in_records_conditions_and_status(ctx):
    center, officer = ctx
    asset = services.create_asset(db.session, center, asset_data(serial="L1"), user=officer)
    loan = _lend(center, asset, officer)
    db.session.commit()
    assert asset.status == "on_loan"
    with pytest.raises(services.InventoryError):
        _lend(center, asset, officer, name="Someone else")
    db.session.rollback()
    loans.check_in(db.session, loan, condition_in="fair", user=officer)
    db.session.commit()
    assert asset.status == "in_service" and asset.condition == "fair"
    assert loan.returned_at is not None and loan.condition_in == "fair"
    fields = [e.field for e in db.session.execute(
        sa.select(AssetEvent).where(AssetEvent.asset_id == asset.id)).scalars()]
    assert fields.count("status") == 2


def test_staff_borrower_must_belong_to_the_center(ctx, factory):
    center, officer = ctx
    from core.auth.models import User

    outsider = db.session.get(User, factory.user("outsider", center_id=factory.center("SR-01")))
    asset = services.create_asset(db.session, center, asset_data())
    with pytest.raises(services.InventoryError):
        loans.check_out(db.session, center, asset, borrower_kind="staff", borrower_user=outsider,
                        due_on=clock.today(center), condition_out="good")
    loan = loans.check_out(db.session, center, asset, borrower_kind="staff", borrower_user=officer,
                           due_on=clock.today(center), condition_out="good")
    assert loan.borrower_name == "Sophea" and loan.borrower_ref == f"core:user:{officer.id}"


def test_the_database_refuses_two_open_loans_of_one_asset(ctx):
    center, officer = ctx
    asset = services.create_asset(db.session, center, asset_data())
    db.session.commit()
    today = clock.today(center)
    row = dict(center_id=center.id, asset_id=asset.id, borrower_kind="community",
               borrower_name="A", due_on=today, condition_out="good")
    db.session.add(Loan(**row, returned_at=clock.today(center) and None))
    db.session.commit()
    db.session.add(Loan(**{**row, "borrower_name": "B"}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # a returned loan does not count
    from core.tenancy import utcnow

    db.session.add(Loan(**{**row, "borrower_name": "C"}, returned_at=utcnow()))
    db.session.commit()


def test_overdue_loans_are_counted(ctx):
    center, officer = ctx
    a = services.create_asset(db.session, center, asset_data())
    b = services.create_asset(db.session, center, asset_data())
    late = _lend(center, a, officer)
    _lend(center, b, officer)
    late.due_on = clock.today(center) - timedelta(days=2)
    db.session.commit()
    assert loans.overdue_count(db.session, center) == 1
    assert [x.id for x in db.session.execute(
        loans.overdue_loans(center, clock.today(center))).scalars()] == [late.id]


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises writers")
def test_two_simultaneous_check_outs_exactly_one_succeeds(app, ctx):
    center, officer = ctx
    asset = services.create_asset(db.session, center, asset_data(serial="RACE"))
    db.session.commit()
    asset_id, center_id = asset.id, center.id
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(name):
        from core.tenancy import Center

        with app.app_context():
            session = db.session
            try:
                c = session.get(Center, center_id)
                a = session.get(Asset, asset_id)
                barrier.wait(timeout=10)
                loans.check_out(session, c, a, borrower_kind="community", borrower_name=name,
                                due_on=clock.today(c), condition_out="good")
                session.commit()
                outcomes.append("ok")
            except services.InventoryError:
                session.rollback()
                outcomes.append("refused")
            finally:
                session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count(Loan.id)).where(
        Loan.asset_id == asset_id, Loan.returned_at.is_(None))).scalar() == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")
def test_the_index_alone_refuses_a_concurrent_second_loan(app, ctx):
    """Even code that skips the row lock cannot open two loans: the partial index refuses."""
    center, _ = ctx
    asset = services.create_asset(db.session, center, asset_data())
    db.session.commit()
    today = clock.today(center)
    row = dict(center_id=center.id, asset_id=asset.id, borrower_kind="community",
               borrower_name="A", due_on=today, condition_out="good")
    engine = db.engine
    with engine.connect() as first:
        first.execute(sa.insert(Loan.__table__).values(**row, out_at=sa.func.now(), notes="",
                                                       borrower_ref="", borrower_contact="",
                                                       condition_in=""))
        errors = []

        def second():
            with engine.connect() as conn:
                try:
                    conn.execute(sa.insert(Loan.__table__).values(
                        **row, out_at=sa.func.now(), notes="", borrower_ref="",
                        borrower_contact="", condition_in=""))
                    conn.commit()
                except IntegrityError:
                    errors.append("refused")

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1)  # blocked on the first's uncommitted row
        first.commit()
        thread.join(timeout=10)
    assert errors == ["refused"]
