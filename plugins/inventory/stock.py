"""Consumables: stock is the sum of movements (receive, issue, adjust, transfer), never a
stored number; stock-takes post their differences as adjustments with a reason."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.tenancy import utcnow
from plugins.inventory.constants import LOCATIONS
from plugins.inventory.models import (
    Asset,
    AssetEvent,
    Consumable,
    StockMovement,
    StockTake,
    StockTakeAsset,
    StockTakeLine,
)

# Assets a stock-take expects to see where they are registered (lent ones are out).
EXPECTED_STATUSES = ("in_service", "under_repair")


def _error(message, field=None):
    from plugins.inventory.services import InventoryError

    return InventoryError(message, field)


def save_consumable(session, center, *, code: str, name: str, unit: str = "",
                    reorder_level: int = 0, active: bool = True,
                    consumable: Consumable | None = None) -> Consumable:
    code = (code or "").strip().upper()
    if not code or not (name or "").strip():
        raise _error(_l("Give a code and a name."), "code")
    clash = session.execute(sa.select(Consumable.id).where(
        Consumable.center_id == center.id, Consumable.code == code)).scalar()
    if clash and (consumable is None or clash != consumable.id):
        raise _error(_l("The code %(code)s is taken.", code=code), "code")
    if reorder_level is None or reorder_level < 0:
        raise _error(_l("The reorder level cannot be negative."), "reorder_level")
    if consumable is None:
        consumable = Consumable(center_id=center.id)
        session.add(consumable)
    consumable.code, consumable.name = code, name.strip()
    consumable.unit, consumable.reorder_level, consumable.active = (unit or "").strip(), reorder_level, active
    session.flush()
    return consumable


def stock_of(session, consumable: Consumable, location: str | None = None) -> int:
    query = sa.select(sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)).where(
        StockMovement.consumable_id == consumable.id)
    if location:
        query = query.where(StockMovement.location == location)
    return int(session.execute(query).scalar_one())


def stock_table(session, center) -> dict[tuple[int, str], int]:
    """{(consumable id, location): quantity} for every pair with movements."""
    rows = session.execute(
        sa.select(StockMovement.consumable_id, StockMovement.location,
                  sa.func.sum(StockMovement.quantity))
        .where(StockMovement.center_id == center.id)
        .group_by(StockMovement.consumable_id, StockMovement.location)
    ).all()
    return {(cid, loc): int(qty) for cid, loc, qty in rows}


def low_stock(session, center) -> list[tuple[Consumable, int]]:
    """Active consumables whose total stock is at or under their reorder level."""
    total = (sa.select(StockMovement.consumable_id, sa.func.sum(StockMovement.quantity).label("qty"))
             .where(StockMovement.center_id == center.id)
             .group_by(StockMovement.consumable_id).subquery())
    rows = session.execute(
        sa.select(Consumable, sa.func.coalesce(total.c.qty, 0))
        .outerjoin(total, total.c.consumable_id == Consumable.id)
        .where(Consumable.center_id == center.id, Consumable.active.is_(True),
               Consumable.reorder_level > 0,
               sa.func.coalesce(total.c.qty, 0) <= Consumable.reorder_level)
        .order_by(Consumable.name)
    ).all()
    return [(c, int(q)) for c, q in rows]


def _lock(session, consumable: Consumable) -> None:
    """Serialise movements of one item (PostgreSQL row lock; SQLite serialises writers)."""
    session.execute(sa.select(Consumable.id).where(Consumable.id == consumable.id).with_for_update())


def _check(center, consumable, location, quantity) -> None:
    if consumable.center_id != center.id:
        raise _error(_l("No such consumable."))
    if location not in LOCATIONS:
        raise _error(_l("Choose a location."), "location")
    if not isinstance(quantity, int) or quantity <= 0:
        raise _error(_l("The quantity must be a whole number above zero."), "quantity")


def _move(session, center, consumable, location, quantity, kind, reason, user, **links):
    movement = StockMovement(center_id=center.id, consumable_id=consumable.id, location=location,
                             quantity=quantity, kind=kind, reason=(reason or "").strip(),
                             user_id=user.id if user else None, at=utcnow(), **links)
    session.add(movement)
    return movement


def receive(session, center, consumable, location, quantity, *, reason="", user=None):
    _check(center, consumable, location, quantity)
    movement = _move(session, center, consumable, location, quantity, "receive", reason, user)
    session.flush()
    return movement


def issue(session, center, consumable, location, quantity, *, reason="", user=None, ticket=None):
    """Take ``quantity`` out of ``location``; refused when the shelf holds less."""
    _check(center, consumable, location, quantity)
    _lock(session, consumable)
    have = stock_of(session, consumable, location)
    if have < quantity:
        raise _error(_l("Only %(have)s %(unit)s in stock there.", have=have, unit=consumable.unit),
                     "quantity")
    movement = _move(session, center, consumable, location, -quantity, "issue", reason, user,
                     ticket_id=ticket.id if ticket else None)
    session.flush()
    return movement


def adjust(session, center, consumable, location, delta: int, *, reason: str, user=None,
           stock_take=None):
    """Correct the stock by ``delta`` (either sign); a reason is required, and the stock at
    ``location`` may not fall below zero."""
    if consumable.center_id != center.id:
        raise _error(_l("No such consumable."))
    if location not in LOCATIONS:
        raise _error(_l("Choose a location."), "location")
    if not isinstance(delta, int) or delta == 0:
        raise _error(_l("An adjustment changes the stock by a whole number other than zero."),
                     "quantity")
    if not (reason or "").strip():
        raise _error(_l("Give the reason for the adjustment."), "reason")
    _lock(session, consumable)
    have = stock_of(session, consumable, location)
    if have + delta < 0:
        raise _error(_l("Only %(have)s %(unit)s in stock there: the adjustment cannot take "
                        "the stock below zero.", have=have, unit=consumable.unit), "quantity")
    movement = _move(session, center, consumable, location, delta, "adjust", reason, user,
                     stock_take_id=stock_take.id if stock_take else None)
    session.flush()
    return movement


def transfer(session, center, consumable, from_location, to_location, quantity, *, reason="",
             user=None):
    """Move stock between locations: an out and an in movement sharing a reference."""
    _check(center, consumable, from_location, quantity)
    if to_location not in LOCATIONS or to_location == from_location:
        raise _error(_l("Choose another location to move it to."), "to_location")
    _lock(session, consumable)
    have = stock_of(session, consumable, from_location)
    if have < quantity:
        raise _error(_l("Only %(have)s %(unit)s in stock there.", have=have, unit=consumable.unit),
                     "quantity")
    ref = uuid.uuid4().hex[:12]
    out = _move(session, center, consumable, from_location, -quantity, "transfer", reason, user,
                transfer_ref=ref)
    into = _move(session, center, consumable, to_location, quantity, "transfer", reason, user,
                 transfer_ref=ref)
    session.flush()
    return out, into


def movements(center, *, consumable_id=None, location=""):
    query = sa.select(StockMovement).where(StockMovement.center_id == center.id)
    if consumable_id:
        query = query.where(StockMovement.consumable_id == consumable_id)
    if location:
        query = query.where(StockMovement.location == location)
    return query.order_by(StockMovement.at.desc(), StockMovement.id.desc())


# -- stock-takes ------------------------------------------------------------------------


def start_stock_take(session, center, location: str, *, note: str = "", user=None) -> StockTake:
    """A count sheet for ``location``: one line per active consumable, with the book stock,
    and one per asset registered there (to tick when seen)."""
    if location not in LOCATIONS:
        raise _error(_l("Choose a location."), "location")
    already = session.execute(sa.select(StockTake.id).where(
        StockTake.center_id == center.id, StockTake.location == location,
        StockTake.status == "open")).scalar()
    if already:
        raise _error(_l("A count of this location is already open."), "location")
    take = StockTake(center_id=center.id, location=location, note=(note or "").strip(),
                     started_by_id=user.id if user else None)
    session.add(take)
    session.flush()
    book = stock_table(session, center)
    items = session.execute(sa.select(Consumable).where(
        Consumable.center_id == center.id, Consumable.active.is_(True)).order_by(Consumable.name)
    ).scalars().all()
    for item in items:
        session.add(StockTakeLine(center_id=center.id, stock_take_id=take.id,
                                  consumable_id=item.id, expected=book.get((item.id, location), 0)))
    assets = session.execute(sa.select(Asset.id).where(
        Asset.center_id == center.id, Asset.location == location,
        Asset.status.in_(EXPECTED_STATUSES)).order_by(Asset.tag)).scalars().all()
    for asset_id in assets:
        session.add(StockTakeAsset(center_id=center.id, stock_take_id=take.id, asset_id=asset_id))
    session.flush()
    return take


def record_counts(session, take: StockTake, counts: dict[int, tuple[int | None, str]],
                  seen: set[int] | None = None) -> None:
    """Save counted quantities ``{line id: (counted or None, reason)}`` and, when given,
    the ids of the asset lines seen (the others are not seen)."""
    if take.status != "open":
        raise _error(_l("This stock-take is already posted."))
    if seen is not None:
        for line in take.asset_lines:
            line.seen = line.id in seen
    for line in take.lines:
        if line.id in counts:
            counted, reason = counts[line.id]
            if counted is not None and counted < 0:
                raise _error(_l("A count cannot be negative."), f"count-{line.id}")
            line.counted, line.reason = counted, (reason or "").strip()
    session.flush()


def post_stock_take(session, take: StockTake, *, user=None) -> list[StockMovement]:
    """Post each counted line's difference from the stock now as an adjustment.

    The difference is taken against the stock at posting time, so after posting the book
    stock of every counted item equals its count. Uncounted lines change nothing.
    """
    if take.status != "open":
        raise _error(_l("This stock-take is already posted."))
    center = take.center
    posted = []
    missing = [line for line in take.lines if line.counted is not None and not line.reason.strip()
               and not take.note.strip()
               and line.counted != stock_of(session, line.consumable, take.location)]
    if missing:
        raise _error(_l("Give a reason for every difference (or a note for the whole count): %(items)s.",
                        items=", ".join(line.consumable.name for line in missing)), "reason")
    for line in take.lines:
        if line.counted is None:
            continue
        difference = line.counted - stock_of(session, line.consumable, take.location)
        line.posted_difference = difference
        if difference:
            reason = line.reason.strip() or take.note.strip()
            posted.append(adjust(session, center, line.consumable, take.location, difference,
                                 reason=f"stock-take #{take.id}: {reason}", user=user,
                                 stock_take=take))
    for line in take.asset_lines:
        if not line.seen:  # a trace on the asset; its status is the officer's decision
            session.add(AssetEvent(center_id=center.id, asset_id=line.asset_id,
                                   action="not_seen", user_id=user.id if user else None,
                                   note=f"not seen in stock-take #{take.id} ({take.location})"))
    take.status = "posted"
    take.posted_at = utcnow()
    take.posted_by_id = user.id if user else None
    session.flush()
    return posted
