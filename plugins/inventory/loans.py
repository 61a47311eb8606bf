"""Loans: check-out to a person, check-in, overdue. The database refuses a double loan."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core import clock
from core.tenancy import utcnow
from core.verification import PersonRef
from plugins.inventory.constants import BORROWER_KINDS, CONDITIONS
from plugins.inventory.models import Asset, Loan
from plugins.inventory.services import InventoryError, savepoint, staff_of


def find_people(session, center, query: str, purpose: str) -> list[PersonRef]:
    """People to link to a loan or a repair: the center's staff and, through the
    ``ctc_find_people`` hook, whoever the enabled plugins know (trainees, members)."""
    from core.plugins import hooks_for

    query = (query or "").strip()
    found: list[PersonRef] = []
    if len(query) < 2:
        return found
    for group in hooks_for(center).ctc_find_people(center=center, query=query, purpose=purpose):
        found.extend(group or [])
    return found


def lock_asset(session, asset_id: int) -> Asset | None:
    """Re-read the asset and hold its row until the transaction ends (PostgreSQL)."""
    return session.execute(
        sa.select(Asset).where(Asset.id == asset_id).with_for_update(of=Asset)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def check_out(session, center, asset: Asset, *, borrower_kind: str, due_on: date,
              condition_out: str, borrower_user=None, borrower_ref: str = "",
              borrower_name: str = "", borrower_contact: str = "", notes: str = "",
              user=None) -> Loan:
    """Lend ``asset``; refused unless it is in service. The caller commits."""
    if borrower_kind not in BORROWER_KINDS:
        raise InventoryError(_l("Choose who borrows it."), "borrower_kind")
    if condition_out not in CONDITIONS:
        raise InventoryError(_l("Choose the condition going out."), "condition_out")
    if borrower_kind == "staff":
        if borrower_user is None or borrower_user not in staff_of(session, center):
            raise InventoryError(_l("Choose a staff member of this center."), "borrower_user")
        borrower_name = borrower_user.full_name or borrower_user.username
        borrower_ref = f"core:user:{borrower_user.id}"
    elif borrower_kind == "trainee" and not borrower_ref:
        raise InventoryError(_l("Find and choose the trainee."), "borrower_ref")
    borrower_name = (borrower_name or "").strip()
    if not borrower_name:
        raise InventoryError(_l("Give the borrower's name."), "borrower_name")
    if due_on < clock.today(center):
        raise InventoryError(_l("The due date is in the past."), "due_on")
    locked = lock_asset(session, asset.id)
    if locked is None or locked.center_id != center.id:
        raise InventoryError(_l("No such asset."))
    if locked.status != "in_service":
        raise InventoryError(_l("%(tag)s cannot be lent: it is not in service.", tag=locked.tag))
    loan = Loan(center_id=center.id, asset_id=locked.id, borrower_kind=borrower_kind,
                borrower_user_id=borrower_user.id if borrower_user else None,
                borrower_ref=borrower_ref or "", borrower_name=borrower_name[:200],
                borrower_contact=(borrower_contact or "").strip()[:200], due_on=due_on,
                condition_out=condition_out, out_by_id=user.id if user else None,
                notes=notes or "")
    try:
        with savepoint(session):
            session.add(loan)
            session.flush()  # the open-loan index refuses a second loan here
            locked._actor_id = user.id if user else None
            locked._event_note = f"loan #{loan.id} to {borrower_name}, due {due_on.isoformat()}"
            locked.status = "on_loan"
            locked.condition = condition_out
            session.flush()
    except IntegrityError as exc:
        raise InventoryError(_l("%(tag)s is already on loan.", tag=locked.tag)) from exc
    return loan


def check_in(session, loan: Loan, *, condition_in: str, notes: str = "", user=None) -> Loan:
    if loan.returned_at is not None:
        raise InventoryError(_l("This loan was already returned."))
    if condition_in not in CONDITIONS:
        raise InventoryError(_l("Choose the condition coming back."), "condition_in")
    loan.returned_at = utcnow()
    loan.condition_in = condition_in
    loan.in_by_id = user.id if user else None
    if notes:
        loan.notes = (loan.notes + "\n" if loan.notes else "") + notes
    asset = lock_asset(session, loan.asset_id)
    asset._actor_id = user.id if user else None
    asset._event_note = f"returned from loan #{loan.id} by {loan.borrower_name}"
    if asset.status == "on_loan":
        asset.status = "in_service"
    asset.condition = condition_in
    session.flush()
    return loan


def open_loans(center):
    return (sa.select(Loan).where(Loan.center_id == center.id, Loan.returned_at.is_(None))
            .order_by(Loan.due_on, Loan.id))


def overdue_loans(center, today: date):
    return open_loans(center).where(Loan.due_on < today)


def overdue_count(session, center, today: date | None = None) -> int:
    today = today or clock.today(center)
    return session.execute(
        sa.select(sa.func.count(Loan.id)).where(
            Loan.center_id == center.id, Loan.returned_at.is_(None), Loan.due_on < today)
    ).scalar_one()


def open_loan_of(session, asset: Asset) -> Loan | None:
    return session.execute(
        sa.select(Loan).where(Loan.asset_id == asset.id, Loan.returned_at.is_(None))
    ).scalar_one_or_none()
