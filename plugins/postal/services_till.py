"""Till sessions: open with a float, cash in and out, totals, close with counted cash."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.tenancy import utcnow
from plugins.postal.models import CartLine, CashMovement, Sale, TillSession


class TillError(ValueError):
    """The till cannot do that now; the message says why."""


# -- till sessions ----------------------------------------------------------------------------


def open_till(session, center, clerk, *, counter: str = "1", float_khr: int = 0,
              float_usd: int = 0) -> TillSession:
    if float_khr < 0 or float_usd < 0:
        raise TillError(_l("The float cannot be negative."))
    if open_till_of(session, center, clerk, counter) is not None:
        raise TillError(_l("You already have an open session at counter %(counter)s.",
                           counter=counter))
    till = TillSession(center_id=center.id, clerk_id=clerk.id, counter=counter,
                       float_khr=float_khr, float_usd=float_usd, open_flag=1)
    session.add(till)
    try:
        with session.begin_nested():
            session.flush()
    except sa.exc.IntegrityError:
        raise TillError(_l("You already have an open session at counter %(counter)s.",
                           counter=counter)) from None
    return till


def open_till_of(session, center, clerk, counter: str | None = None) -> TillSession | None:
    query = sa.select(TillSession).where(
        TillSession.center_id == center.id, TillSession.clerk_id == clerk.id,
        TillSession.closed_at.is_(None)).order_by(TillSession.id)
    if counter is not None:
        query = query.where(TillSession.counter == counter)
    return session.execute(query.limit(1)).scalar_one_or_none()


def move_cash(session, center, till: TillSession, *, direction: str, currency: str,
              amount_minor: int, reason: str) -> CashMovement:
    if not till.is_open:
        raise TillError(_l("This session is closed."))
    if direction not in ("in", "out") or currency not in ("KHR", "USD"):
        raise TillError(_l("Choose in or out, KHR or USD."))
    if amount_minor <= 0:
        raise TillError(_l("The amount must be positive."))
    if not reason.strip():
        raise TillError(_l("Give the reason."))
    row = CashMovement(center_id=center.id, session_id=till.id, direction=direction,
                       currency=currency, amount_minor=amount_minor, reason=reason.strip())
    session.add(row)
    session.flush()
    return row


def till_totals(session, till: TillSession) -> dict:
    """Everything the X and Z reports and the closing screen show, from the records."""
    sales = list(session.execute(sa.select(Sale).where(Sale.session_id == till.id)
                                 .order_by(Sale.id)).scalars())
    moves = list(session.execute(sa.select(CashMovement).where(
        CashMovement.session_id == till.id).order_by(CashMovement.id)).scalars())
    by_service: dict[str, dict] = defaultdict(lambda: {"count": 0, "net_khr": 0, "vat_khr": 0})
    by_kind = {k: {"count": 0, "total_khr": 0} for k in ("sale", "void", "refund")}
    # Payments are signed by their direction in the drawer: + came in, - went out. A sale's
    # payments are tendered cash; a void or refund pays back (-) and, when the sale's change
    # was mixed, may take part of that change back (+): "received back", never "tendered".
    paid = {"KHR": 0, "USD": 0}
    paid_back = {"KHR": 0, "USD": 0}
    received_back = {"KHR": 0, "USD": 0}
    change = {"KHR": 0, "USD": 0}
    rates = set()
    for sale in sales:
        by_kind[sale.kind]["count"] += 1
        by_kind[sale.kind]["total_khr"] += sale.total_khr
        rates.add(sale.rate)
        change["KHR"] += sale.change_khr
        change["USD"] += sale.change_usd
        for pay in sale.payments:
            if sale.kind == "sale":
                paid[pay.currency] += pay.amount_minor
            elif pay.amount_minor < 0:
                paid_back[pay.currency] -= pay.amount_minor
            else:
                received_back[pay.currency] += pay.amount_minor
        for line in sale.lines:
            key = line.description_en
            by_service[key]["count"] += line.quantity if sale.kind == "sale" else -line.quantity
            by_service[key]["net_khr"] += line.net_khr
            by_service[key]["vat_khr"] += line.vat_khr
    moved = {("in", "KHR"): 0, ("in", "USD"): 0, ("out", "KHR"): 0, ("out", "USD"): 0}
    for move in moves:
        moved[(move.direction, move.currency)] += move.amount_minor
    expected = {
        cur: (till.float_khr if cur == "KHR" else till.float_usd) + paid[cur] - paid_back[cur]
        + received_back[cur] - change[cur]
        + moved[("in", cur)] - moved[("out", cur)]
        for cur in ("KHR", "USD")
    }
    counted = {"KHR": till.counted_khr, "USD": till.counted_usd}
    diff = {cur: (counted[cur] - expected[cur]) if counted[cur] is not None else None
            for cur in ("KHR", "USD")}
    return {
        "sales": sales, "moves": moves, "by_service": dict(sorted(by_service.items())),
        "by_kind": by_kind, "paid": paid, "paid_back": paid_back,
        "received_back": received_back, "change": change,
        "moved": moved,
        "net_khr": sum(s.net_khr for s in sales), "vat_khr": sum(s.vat_khr for s in sales),
        "total_khr": sum(s.total_khr for s in sales),
        "rounding_khr": sum(s.rounding_khr for s in sales),
        "rates": sorted(rates), "expected": expected, "counted": counted, "difference": diff,
    }


def close_till(session, center, till: TillSession, *, counted_khr: int,
               counted_usd: int) -> dict:
    if not till.is_open:
        raise TillError(_l("This session is already closed."))
    if counted_khr < 0 or counted_usd < 0:
        raise TillError(_l("Counted cash cannot be negative."))
    session.execute(sa.delete(CartLine).where(CartLine.session_id == till.id))
    totals = till_totals(session, till)
    till.expected_khr, till.expected_usd = totals["expected"]["KHR"], totals["expected"]["USD"]
    till.counted_khr, till.counted_usd = counted_khr, counted_usd
    till.closed_at = utcnow()
    till.open_flag = None
    session.flush()
    return till_totals(session, till)
